"""Background work of the knowledge base; thin wrappers over the services."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def settle_deflections_task() -> int:
    """Decide which suggested readings deflected a ticket, once their window passed."""
    return services.settle_deflections()


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def remind_reviews_task() -> int:
    """Remind owners of the articles whose review day has come; once per review date."""
    return services.remind_reviews()
