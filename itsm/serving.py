"""How a web worker runs Python's cycle collector: between requests, not during them.

A request leaves most of what it built in reference cycles (DRF's view, request,
response and serializers point at each other), so the cycle collector, not reference
counting, frees a page's rows. Left to its defaults it ran in the middle of requests:
on the incident list, a 4-8 ms pause in every ninth request and, now and then, a full
collection of the whole application (85 ms). Those pauses were the slow requests.

So each gunicorn worker, once its application is loaded, freezes what it loaded (the
collector never scans it again) and raises the threshold that starts a collection
inside a request. After each connection is answered and closed, when the response is
garbage too, it collects the young generations (well under a millisecond: one
request's garbage) and, every `FULL_EVERY` requests, everything. A request that
allocates unusually much still starts a collection itself.
"""

from __future__ import annotations

import gc
import logging

from gunicorn.workers.sync import SyncWorker

# Net new container objects that start a collection during a request (CPython: 700).
YOUNG_THRESHOLD = 50_000
FULL_EVERY = 1_000

logger = logging.getLogger(__name__)


def prepare_worker(worker: object) -> None:
    """Once the application is loaded: load the views too, then freeze what is loaded.

    Only a `CollectingSyncWorker` raises the threshold, because only it collects
    between requests. gunicorn runs another worker class when told to (or the
    threaded one when given `--threads`); those keep Python's threshold and say so.
    """
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (imports every view module now)
    gc.collect()
    gc.freeze()
    if isinstance(worker, CollectingSyncWorker):
        gc.set_threshold(YOUNG_THRESHOLD, *gc.get_threshold()[1:])
    else:
        logger.warning("%s does not collect garbage between requests; run gunicorn's "
                       "sync worker without --threads for that.", type(worker).__name__)


class CollectingSyncWorker(SyncWorker):
    """gunicorn's sync worker, collecting garbage after each connection it answers.

    Not in a `post_request` hook: gunicorn still holds the response there, so the
    collector would find the request's objects alive and keep them until a full
    collection (the worker grew by a third of a megabyte per request).
    """

    served = 0

    def handle(self, listener, client, addr) -> None:
        super().handle(listener, client, addr)
        self.served += 1
        gc.collect(2 if self.served % FULL_EVERY == 0 else 1)
