"""Background work of request fulfilment; thin wrappers over the services."""

from __future__ import annotations

from celery import shared_task

from . import approvals


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def remind_approvers_task() -> int:
    """Remind approvers whose step falls due soon; each once, however often it runs."""
    return approvals.remind_due()
