"""`manage.py rundev`: the whole system on one laptop, as `make run` starts it.

Starts a real Celery worker with an embedded beat scheduler (on the filesystem broker
under var/ unless REDIS_URL is set) and Django's development server, prints the URL
and the demo logins, and stops both when either exits or on Ctrl-C.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from itsm.base.roles import ROLE_LABELS

from .seed_demo import DEMO_LOGINS, DEMO_PASSWORD

STOP_TIMEOUT = 10  # seconds a child gets to finish its work before it is killed


class Command(BaseCommand):
    help = _("Run the development server together with a Celery worker and beat.")
    requires_system_checks: list = []  # runserver checks; no need to do it twice

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 8000))
        parser.add_argument("--no-worker", action="store_true",
                            help=_("Start only the web server (no background jobs)."))
        parser.add_argument("--no-reload", action="store_true",
                            help=_("Do not restart the web server when code changes."))

    def handle(self, *args: Any, **options: Any) -> None:
        host, port = options["host"], options["port"]
        if _port_in_use(host, port):
            raise CommandError(_("Port %(port)d on %(host)s is already in use; stop the other "
                                 "server or choose another port: make run PORT=8001")
                               % {"port": port, "host": host})
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get(
            "DJANGO_SETTINGS_MODULE", "itsm.settings")}
        env.setdefault("DEBUG", "1")  # a development server: serve static files, show errors
        children: list[tuple[str, subprocess.Popen]] = []
        stopping = False

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            if not options["no_worker"]:
                children.append(("worker", subprocess.Popen(
                    self._worker_command(), env=env, cwd=settings.BASE_DIR)))
            server = [sys.executable, "manage.py", "runserver", f"{host}:{port}"]
            if options["no_reload"]:
                server.append("--noreload")
            children.append(("web", subprocess.Popen(server, env=env, cwd=settings.BASE_DIR)))
            self._wait_until_listening(host, port, children)
            self._banner(host, port, worker=not options["no_worker"])
            while not stopping:
                for name, child in children:
                    if child.poll() is not None:
                        self.stderr.write(_("The %(name)s process exited (code %(code)s); "
                                            "stopping.") % {"name": name, "code": child.returncode})
                        stopping = True
                time.sleep(0.5)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            self._stop(children)

    def _worker_command(self) -> list[str]:
        """A real worker with embedded beat; solo pool, so one process does the jobs."""
        if not settings.CELERY_BROKER_URL.startswith("redis"):
            queue = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
            queue.mkdir(parents=True, exist_ok=True)
        schedule = Path(settings.CELERY_BEAT_SCHEDULE_FILENAME)
        schedule.parent.mkdir(parents=True, exist_ok=True)
        return [
            sys.executable, "-m", "celery", "-A", "itsm", "worker", "-B", "--pool=solo",
            "-s", str(schedule), "--loglevel=INFO", "-n", "dev@%h",
        ]

    def _wait_until_listening(self, host: str, port: int,
                              children: list[tuple[str, subprocess.Popen]]) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if _port_in_use(host, port):
                return
            if any(child.poll() is not None for _name, child in children):
                return  # the loop in handle() reports which one
            time.sleep(0.2)

    def _banner(self, host: str, port: int, *, worker: bool) -> None:
        shown_host = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host
        width = max(len(str(label)) for label in ROLE_LABELS.values())
        lines = [
            "",
            _("The service desk is running at http://%(host)s:%(port)d/")
            % {"host": shown_host, "port": port},
            _("API docs: http://%(host)s:%(port)d/api/docs/")
            % {"host": shown_host, "port": port},
            (_("Background jobs: Celery worker with beat (broker %(broker)s).")
             % {"broker": settings.CELERY_BROKER_URL.split("://")[0]}) if worker
            else _("Background jobs: not started (--no-worker)."),
            "",
            _("Demo logins (password “%(password)s” for all):") % {"password": DEMO_PASSWORD},
        ]
        lines += [f"  {str(ROLE_LABELS[role]):<{width}}  {username}"
                  for role, username in DEMO_LOGINS]
        lines += ["", _("Press Ctrl-C to stop; the data stays in %(path)s.")
                  % {"path": settings.DATABASES["default"]["NAME"]}, ""]
        self.stdout.write(self.style.SUCCESS("\n".join(lines)))

    def _stop(self, children: list[tuple[str, subprocess.Popen]]) -> None:
        """Ask every child to stop (a warm shutdown for Celery), then kill stragglers."""
        for _name, child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        for _name, child in children:
            try:
                child.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def _port_in_use(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0
