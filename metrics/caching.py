"""What the dashboards keep between requests, so a page costs the same at a hundred
tickets or a million (Django's cache: Redis in production, memory in development).

* The figures of now (open work, today's counts) are kept `DASHBOARD_NOW_SECONDS`
  per scope and language: the wallboard polls at that pace anyway.
* The stored values' part of a page is a cached template fragment, keyed by the
  values' generation: every write of `KpiValue` (`metrics.compute.store_slices`)
  starts a new one once it commits, so a page never shows values older than those
  stored, in a cache the engine's workers share. A cache each process keeps for
  itself (memory, in development) sees the workers' writes after
  `DASHBOARD_CACHE_SECONDS` at most.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import translation

GENERATION = "metrics:values-generation"


def generation() -> str:
    return cache.get(GENERATION) or "0"


def values_changed() -> None:
    """The stored values changed: pages rendered from earlier ones are not reused."""
    cache.set(GENERATION, uuid.uuid4().hex, None)


def recent(name: str, build: Callable[[], Any]) -> Any:
    """`build()`, kept DASHBOARD_NOW_SECONDS per name and language."""
    return cache.get_or_set(f"metrics:now:{translation.get_language()}:{name}", build,
                            settings.DASHBOARD_NOW_SECONDS)


def fragment_key(page: str, scope: Any, request) -> str:
    """What a page's cached fragment varies by: the values' generation, the page and
    the reader's scope, the query (period, team) and the language."""
    if isinstance(scope, Iterable) and not isinstance(scope, str):
        scope = ",".join(map(str, scope))
    query = request.GET.copy()
    query.pop("export", None)
    return (f"{generation()}:{page}:{scope}:{translation.get_language()}:"
            f"{query.urlencode()}")


class Deferred:
    """A mapping built on first read, so a template whose cached fragment hits never
    runs the queries behind it."""

    def __init__(self, build: Callable[[], dict[str, Any]]) -> None:
        self._build = build
        self._built: dict[str, Any] | None = None

    def __getitem__(self, name: str) -> Any:
        if self._built is None:
            self._built = self._build()
        return self._built[name]
