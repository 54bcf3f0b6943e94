"""Telling people about SLA warnings, breaches and escalations: in the app, then by
email.

The only writer of `Notification` rows. The SLA scan decides who was flagged (once
each, even on two workers) and `itsm.escalation` where a breach escalates to; this
module decides who hears about it, renders what they read, and hands the email to
Celery once the scan's transaction has committed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from . import registry
from .escalation import Escalation
from .models import Notification, Ticket, User

logger = logging.getLogger(__name__)

# Scan flag -> (notification kind, which clock, the due-time field of that clock).
SLA_FLAGS: dict[str, tuple[str, str, str]] = {
    "response_warned": (Notification.Kind.SLA_WARNING, "response", "response_due"),
    "resolution_warned": (Notification.Kind.SLA_WARNING, "resolution", "resolution_due"),
    "response_breached": (Notification.Kind.SLA_BREACH, "response", "response_due"),
    "resolution_breached": (Notification.Kind.SLA_BREACH, "resolution", "resolution_due"),
}
TEMPLATES = {
    Notification.Kind.SLA_WARNING: "itsm/email/sla_warning.txt",
    Notification.Kind.SLA_BREACH: "itsm/email/sla_breach.txt",
    Notification.Kind.SLA_ESCALATION: "itsm/email/sla_escalation.txt",
}


def sla_recipients(ticket: Ticket, kind: str) -> list[User]:
    """Who hears about a ticket's SLA: a warning goes to the assignee (or, while
    unassigned, the team lead); a breach to the assignee and the team lead, each once."""
    lead = ticket.assignment_team.lead if ticket.assignment_team_id else None
    if kind == Notification.Kind.SLA_WARNING:
        people = [ticket.assignee or lead]
    else:
        people = [ticket.assignee, lead]
    recipients: dict[int, User] = {}
    for person in people:
        if person is not None and person.is_active:
            recipients.setdefault(person.pk, person)
    return list(recipients.values())


def level_recipients(escalation: Escalation) -> list[User]:
    """The people of the team a breach escalates to: its lead, or while it has none,
    its active members. A supplier level has no people; it is written to."""
    team = escalation.level.team
    if team is None:
        return []
    if team.lead is not None and team.lead.is_active:
        return [team.lead]
    return [member for member in team.members.all() if member.is_active]


def ticket_path(ticket: Ticket) -> str | None:
    """Where an agent opens the ticket: its kind's page."""
    return registry.ticket_url(ticket.kind, ticket.number)


def render_sla_message(ticket: Ticket, kind: str, clock: str, due, *,
                       escalation: Escalation | None = None,
                       outside: bool = False) -> tuple[str, str]:
    """Subject (the template's first line) and body (the rest) of an SLA message.

    The due time is shown in the desk's TIME_ZONE, not the reader's: the same text goes
    to every recipient and into their email. A message `outside` the desk (to a
    supplier) carries no link into the desk.
    """
    # Formatted here: the `date` filter would convert to whatever zone is active.
    local_due = (timezone.localtime(due, timezone.get_default_timezone())
                 .strftime("%Y-%m-%d %H:%M") if due else "—")
    text = render_to_string(TEMPLATES[kind], {
        "ticket": ticket, "clock": clock, "due": local_due,
        "time_zone": settings.TIME_ZONE, "path": None if outside else ticket_path(ticket),
        "level": escalation.level if escalation else None, "outside": outside,
    })
    subject, _newline, body = text.strip().partition("\n")
    return subject.strip(), body.strip() + "\n"


def notify_sla(flagged: dict[str, list[int]],
               escalations: Iterable[Escalation] = ()) -> list[Notification]:
    """Notify the people responsible for tickets the SLA scan just flagged, and the
    support levels their breaches escalated to.

    One query per flag, one bulk insert; each email is queued after commit. Nobody
    hears twice about one breach of one ticket.
    """
    notifications: list[Notification] = []
    told: dict[tuple[str, int], set[int]] = {}
    for flag, ids in flagged.items():
        if not ids or flag not in SLA_FLAGS:
            continue
        kind, clock, due_field = SLA_FLAGS[flag]
        tickets = (Ticket.objects.filter(pk__in=ids)
                   .select_related("assignee", "assignment_team__lead").order_by("pk"))
        for ticket in tickets:
            subject, body = render_sla_message(ticket, kind, clock, getattr(ticket, due_field))
            people = sla_recipients(ticket, kind)
            told[flag, ticket.pk] = {person.pk for person in people}
            notifications.extend(
                Notification(user=person, ticket=ticket, kind=kind, subject=subject, body=body)
                for person in people
            )
    for escalation in escalations:
        notifications.extend(_escalation_notifications(
            escalation, already=told.get((escalation.flag, escalation.ticket.pk), set())))
    created = Notification.objects.bulk_create(notifications)
    schedule_emails(n.pk for n in created)
    return created


def _escalation_notifications(escalation: Escalation,
                              already: set[int]) -> list[Notification]:
    _kind, clock, due_field = SLA_FLAGS[escalation.flag]
    kind = Notification.Kind.SLA_ESCALATION
    ticket, supplier = escalation.ticket, escalation.level.supplier
    due = getattr(ticket, due_field)
    if supplier is not None:
        if not supplier.contact_email:
            return []
        subject, body = render_sla_message(ticket, kind, clock, due, escalation=escalation,
                                           outside=True)
        return [Notification(email=supplier.contact_email, ticket=ticket, kind=kind,
                             subject=subject, body=body)]
    subject, body = render_sla_message(ticket, kind, clock, due, escalation=escalation)
    return [Notification(user=person, ticket=ticket, kind=kind, subject=subject, body=body)
            for person in level_recipients(escalation) if person.pk not in already]


def schedule_emails(notification_ids: Iterable[int]) -> None:
    """Queue one email per notification once the current transaction commits."""
    for pk in notification_ids:
        transaction.on_commit(lambda pk=pk: _queue_email(pk))


def _queue_email(notification_id: int) -> None:
    from .tasks import send_notification_email_task  # the task module imports this one

    try:
        send_notification_email_task.delay(notification_id)
    except Exception:
        # The broker is down: the notification is stored and visible in the app; losing
        # its email beats failing the scan that already committed its flags.
        logger.exception("Could not queue the email of notification %s", notification_id)
