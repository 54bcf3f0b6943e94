"""The web worker's garbage collection: frozen after start, run between requests."""

from __future__ import annotations

import gc
import runpy
from pathlib import Path

import pytest

from itsm import serving

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def gc_state():
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_gunicorn_conf_chooses_the_collecting_worker_and_prepares_it(gc_state, monkeypatch):
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert conf["worker_class"] == "itsm.serving.CollectingSyncWorker"
    called = []
    monkeypatch.setattr(serving, "prepare_worker", called.append)
    worker = object()
    conf["post_worker_init"](worker)
    assert called == [worker]


def test_the_collecting_worker_freezes_and_raises_the_threshold(gc_state):
    serving.prepare_worker(object.__new__(serving.CollectingSyncWorker))
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold()[0] == serving.YOUNG_THRESHOLD


def test_another_worker_class_keeps_pythons_threshold_and_says_so(gc_state, caplog):
    from gunicorn.workers.gthread import ThreadWorker

    before = gc.get_threshold()
    serving.prepare_worker(object.__new__(ThreadWorker))
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before
    assert "ThreadWorker does not collect garbage between requests" in caplog.text


def test_the_worker_collects_after_each_connection_and_fully_now_and_then(monkeypatch):
    handled, collected = [], []
    monkeypatch.setattr(serving.SyncWorker, "handle",
                        lambda self, *args: handled.append(args))
    monkeypatch.setattr(serving.gc, "collect", lambda generation=2: collected.append(generation))
    worker = object.__new__(serving.CollectingSyncWorker)  # no arbiter or sockets needed
    for _ in range(serving.FULL_EVERY):
        worker.handle("listener", "client", "addr")
    assert len(handled) == serving.FULL_EVERY
    assert collected[:3] == [1, 1, 1]
    assert collected.count(2) == 1 and collected[-1] == 2

