"""`manage.py rundev`, the launcher behind `make run`: what it starts and what it prints.

The tests do not spawn the server and the worker; the real Celery worker is exercised
through Redis in test_tasks.py.
"""

from __future__ import annotations

import socket
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from itsm.management.commands.rundev import Command
from itsm.management.commands.seed_demo import DEMO_LOGINS, DEMO_PASSWORD


def test_the_worker_runs_beat_in_one_process_on_the_local_queue(settings, tmp_path):
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(tmp_path / "queue"),
                                                "data_folder_out": str(tmp_path / "queue")}
    settings.CELERY_BEAT_SCHEDULE_FILENAME = str(tmp_path / "beat" / "schedule")

    command = Command()._worker_command()

    assert command[command.index("-A") + 1] == "itsm"
    assert {"worker", "-B", "--pool=solo"} <= set(command)
    assert command[command.index("-s") + 1] == str(tmp_path / "beat" / "schedule")
    assert (tmp_path / "queue").is_dir() and (tmp_path / "beat").is_dir()


def test_the_banner_shows_the_url_and_one_login_per_role():
    out = StringIO()
    Command(stdout=out)._banner("127.0.0.1", 8123, worker=True)
    text = out.getvalue()
    assert "http://localhost:8123/" in text
    assert f"“{DEMO_PASSWORD}”" in text
    for _role, username in DEMO_LOGINS:
        assert f" {username}\n" in text


def test_a_busy_port_is_refused_with_what_to_do():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(CommandError, match="PORT="):
            call_command("rundev", port=port, host="127.0.0.1")
