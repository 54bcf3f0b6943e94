"""Background work of change management; thin wrappers over the services."""

from __future__ import annotations

from celery import shared_task

from . import approvals, cab


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def plan_cab_meetings_task() -> int:
    """Plan the CAB's meetings four weeks ahead and refresh the agendas of those to
    come; idempotent, so a missed or repeated run does no harm."""
    planned = cab.plan_meetings()
    cab.build_upcoming()
    return len(planned)


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def remind_change_approvers_task() -> int:
    """Remind change approvers whose step falls due soon; each once, however often."""
    return approvals.remind_due()
