"""Background work for incidents; thin wrappers over `incidents.services`."""

from celery import shared_task

from .services import auto_close_resolved


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def auto_close_resolved_incidents_task() -> int:
    return auto_close_resolved()
