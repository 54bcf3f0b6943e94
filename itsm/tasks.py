"""Background work of the ticket core; thin wrappers over `itsm.sla`."""

from celery import shared_task

from . import sla


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def sla_scan_task() -> dict[str, int]:
    """Every minute: flag tickets that crossed a warning or due time (once each)."""
    return {flag: len(ids) for flag, ids in sla.scan().items()}
