"""Background work of the KPI engine; thin wrappers over `metrics.compute`."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import compute

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def refresh_kpis_task() -> int:
    """Recompute the periods and slices ticket writes marked (sent on commit, and
    every minute to catch up after a broker outage). Idempotent."""
    return compute.refresh()


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def recompute_recent_kpis_task() -> int:
    """Nightly: recompute the last KPI_RECOMPUTE_DAYS days of every KPI, whatever was
    marked (a fact written by a path that marks nothing, a changed target)."""
    since = timezone.localdate() - timedelta(days=settings.KPI_RECOMPUTE_DAYS)
    return compute.recompute(since=since)


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def send_digests_task() -> int:
    """Email the digests of the periods that ended; once per period per subscriber,
    however often it runs."""
    from . import digests  # draws charts: loaded by the worker that sends, only

    return digests.send_due()


def queue_refresh() -> None:
    """Send the refresh once the writer's transaction commits; a broker that is down
    loses nothing (the marks wait for the every-minute run)."""
    def send() -> None:
        try:
            refresh_kpis_task.apply_async(countdown=settings.KPI_REFRESH_DELAY)
        except Exception:
            logger.warning("Could not queue the KPI refresh; the periodic run catches up",
                           exc_info=True)

    transaction.on_commit(send)
