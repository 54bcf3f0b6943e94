"""The web worker's garbage collection: frozen after start, run between requests."""

from __future__ import annotations

import gc
import runpy
import weakref
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


class Node:
    """Half of a reference cycle: only the cycle collector frees it."""


def cycle() -> weakref.ref:
    a, b = Node(), Node()
    a.other, b.other = b, a
    return weakref.ref(a)


@pytest.fixture
def quiet_gc(gc_state):
    """No automatic collection: only what the worker itself collects is freed."""
    gc.disable()
    yield
    gc.enable()


def test_a_requests_garbage_is_freed_once_its_connection_is_answered(quiet_gc, monkeypatch):
    left = []
    monkeypatch.setattr(serving.SyncWorker, "handle", lambda self, *args: left.append(cycle()))
    worker = object.__new__(serving.CollectingSyncWorker)  # no arbiter or sockets needed
    worker.handle("listener", "client", "addr")
    assert left[0]() is None


def test_long_lived_garbage_is_freed_by_the_full_collection_now_and_then(quiet_gc,
                                                                          monkeypatch):
    keep = Node()
    keep.other = Node()
    keep.other.other = keep
    gc.collect(1)  # survived a young collection: in the oldest generation now
    old = weakref.ref(keep)
    del keep  # garbage from now on, a cycle in the oldest generation
    monkeypatch.setattr(serving.SyncWorker, "handle", lambda self, *args: None)
    worker = object.__new__(serving.CollectingSyncWorker)
    for _ in range(serving.FULL_EVERY - 1):
        worker.handle("listener", "client", "addr")
    assert old() is not None  # young collections leave the oldest generation alone
    worker.handle("listener", "client", "addr")
    assert old() is None


def test_collectstatic_builds_the_production_manifest(tmp_path, settings):
    """Every shipped asset, vendored ones included, passes the hashing storage that
    production serves from: a reference to a file not shipped (a source map, say)
    fails the build."""
    from django.core.management import call_command

    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}
    call_command("collectstatic", "--noinput", verbosity=0)
    manifest = (tmp_path / "staticfiles.json").read_text()
    assert "metrics/charts.js" in manifest and "chart-4.6.1.umd.min.js" in manifest
