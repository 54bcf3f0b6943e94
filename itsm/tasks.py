"""Background work of the ticket core; thin wrappers over `itsm.sla` and
`itsm.notifications`."""

from __future__ import annotations

import logging
from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from catalog.models import TERMS_CACHE_SECONDS

from . import escalation, services, sla
from .models import Notification, Preferences
from .notifications import notify_sla

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def sla_scan_task() -> dict[str, int]:
    """Every minute: flag tickets that crossed a warning or due time (once each),
    escalate breaches along their service's support path, and notify the people
    responsible."""
    with transaction.atomic():
        # Flags, escalations and notifications commit together; emails are queued after
        # the commit.
        now = timezone.now()
        flagged = sla.scan(now)
        notify_sla(flagged, escalation.escalate(flagged, when=now))
    return {flag: len(ids) for flag, ids in flagged.items()}


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def recompute_sla_task(service_ids: list[int], calendar_ids: list[int]) -> int:
    """Re-time the open tickets governed by terms someone changed (idempotent)."""
    return sla.recompute(services=service_ids, calendars=calendar_ids)


def recompute_when_terms_change(sender, *, services: list[int], calendars: list[int],
                                **kwargs) -> None:
    """Receives `catalog.signals.terms_changed` (connected in `ItsmConfig.ready`): once
    the change commits, re-time the open tickets it governs; and once more when every
    process's cached terms have expired, for tickets written meanwhile by a process
    that still had the old ones."""
    def queue() -> None:
        for countdown in (0, TERMS_CACHE_SECONDS + 5):
            try:
                recompute_sla_task.apply_async((services, calendars), countdown=countdown)
            except Exception:
                logger.exception("Could not queue the SLA recompute of services %s and "
                                 "calendars %s", services, calendars)

    transaction.on_commit(queue)


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def auto_close_resolved_task() -> int:
    """Every quarter hour: close what stayed resolved past its workflow's auto-close."""
    return services.auto_close_resolved()


@shared_task(acks_late=True, autoretry_for=(SMTPException, OSError), retry_backoff=True,
             max_retries=5)
def send_notification_email_task(notification_id: int) -> bool:
    """Email one notification to its user, once; True if it was sent now."""
    notification = (Notification.objects.select_related("user")
                    .filter(pk=notification_id).first())
    if notification is None or notification.emailed_at is not None:
        return False
    address = notification.user.email if notification.user else notification.email
    if not address:
        return False
    if notification.user is not None and notification.kind in Preferences.of(
            notification.user).email_muted:
        return False  # they read this kind in the app only
    send_mail(notification.subject, notification.body, settings.DEFAULT_FROM_EMAIL,
              [address])
    # A conditional update: a redelivered message racing this one cannot mark it twice.
    Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(
        emailed_at=timezone.now())
    return True
