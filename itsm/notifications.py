"""Telling people what happened to their tickets: in the app, then by email.

The only writer of `Notification` rows. The conversation (a public reply to the
requester, a requester's reply to the desk), assignment to a person or a team, and a
resolution are told by the writers that make them happen (`itsm.services.add_comment`,
`itsm.workflow.assign` and `transition` call this module explicitly); SLA warnings,
breaches and escalations by the SLA scan. Rows are written in the writer's
transaction and each email is handed to Celery once it commits, so a broker outage
never fails the save; the recipient's preferences say which kinds also come by email.
Each message is written in its reader's language.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from . import registry
from .base import roles
from .escalation import Escalation
from .models import Comment, Notification, Preferences, Ticket, User

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
    Notification.Kind.REPLY: "itsm/email/reply.txt",
    Notification.Kind.REQUESTER_REPLY: "itsm/email/requester_reply.txt",
    Notification.Kind.ASSIGNED: "itsm/email/assigned.txt",
    Notification.Kind.RESOLVED: "itsm/email/resolved.txt",
}

# Writing history (the demo data, an import) tells nobody: it is not news.
_silenced: ContextVar[bool] = ContextVar("itsm_notifications_silenced", default=False)


@contextmanager
def silenced() -> Iterator[None]:
    """Write without telling anyone, e.g. while history is generated or imported."""
    token = _silenced.set(True)
    try:
        yield
    finally:
        _silenced.reset(token)


def link(ticket: Ticket, *, for_requester: bool) -> str:
    """The ticket's page for its reader, as an absolute URL for an email."""
    path = (reverse("portal:ticket", args=[ticket.number]) if for_requester
            else registry.ticket_url(ticket.kind, ticket.number))
    return settings.SITE_URL.rstrip("/") + path


def people_of(people: Iterable[User | None], *, besides: User | None = None) -> list[User]:
    """Each active person once, not the one who acted."""
    chosen: dict[int, User] = {}
    for person in people:
        if (person is not None and person.is_active
                and (besides is None or person.pk != besides.pk)):
            chosen.setdefault(person.pk, person)
    return list(chosen.values())


def tell(people: Iterable[User], ticket: Ticket, kind: str, *,
         template: str | list[str] | None = None,
         **context) -> list[Notification]:
    """Write one notification per person, in their language, and queue the emails of
    those who take this kind by email. The text is the kind's template (or
    `template`, for a kind another app tells): its first line the subject."""
    def text_for(person: User) -> str:
        for_requester = not roles.is_staff_reader(person)
        return render_to_string(template or TEMPLATES[kind], {
            "ticket": ticket, "person": person,
            "link": link(ticket, for_requester=for_requester), **context})

    return _write(people, kind, text_for, ticket=ticket)


def tell_about(people: Iterable[User], kind: str, *, template: str,
               **context) -> list[Notification]:
    """Tell people of something that is not a ticket (an article due for review), as
    `tell` does; the context gives the `link`."""
    if _silenced.get():
        return []
    return _write(people, kind, lambda person: render_to_string(
        template, {"person": person, **context}))


def _write(people: Iterable[User], kind: str, text_for, *, ticket: Ticket | None = None
           ) -> list[Notification]:
    """One notification per person, its text rendered in their language; the emails
    of those who take this kind by email are queued."""
    people = list(people)
    chosen = Preferences.objects.in_bulk([person.pk for person in people], field_name="user")
    rows = []
    for person in people:
        preferences = chosen.get(person.pk)
        language = (preferences and preferences.language) or settings.LANGUAGE_CODE
        with translation.override(language):
            text = text_for(person)
        subject, _newline, body = text.strip().partition("\n")
        rows.append(Notification(user=person, ticket=ticket, kind=kind,
                                 subject=subject.strip()[:255], body=body.strip() + "\n"))
    created = Notification.objects.bulk_create(rows)
    schedule_emails(n.pk for n in created
                    if n.user_id not in chosen or kind not in chosen[n.user_id].email_muted)
    return created


def team_people(team) -> list[User]:
    """Who hears about a team's ticket with nobody on it: the lead, else the members."""
    if team is None:
        return []
    if team.lead_id is not None and team.lead.is_active:
        return [team.lead]
    return list(team.members.filter(is_active=True))


def telling(notify):
    """A notifier that writes nothing (and reads nobody) while notifications are
    silenced."""
    @functools.wraps(notify)
    def wrapper(*args, **kwargs) -> list[Notification]:
        return [] if _silenced.get() else notify(*args, **kwargs)
    return wrapper


@telling
def comment_added(ticket: Ticket, comment: Comment) -> list[Notification]:
    """A public reply from the desk goes to the requester; a requester's (or their
    colleague's) reply goes to the assignee, else the team."""
    author = comment.author
    if roles.is_worker(author):
        if not comment.is_public:
            return []
        return tell(people_of([ticket.requester], besides=author), ticket,
                    Notification.Kind.REPLY, comment=comment)
    people = [ticket.assignee] if ticket.assignee_id else team_people(ticket.assignment_team)
    return tell(people_of(people, besides=author), ticket, Notification.Kind.REQUESTER_REPLY,
                comment=comment)


@telling
def assigned(ticket: Ticket, actor, *, team_changed: bool, assignee_changed: bool,
             opening: bool = False) -> list[Notification]:
    """Assignment to you, or a ticket passed to your team while nobody in it has it.
    A new ticket's team hears nothing: it shows in the team's queue."""
    if assignee_changed and ticket.assignee_id is not None:
        people = people_of([ticket.assignee], besides=actor)
    elif team_changed and ticket.assignee_id is None and not opening:
        people = people_of(team_people(ticket.assignment_team), besides=actor)
    else:
        return []
    return tell(people, ticket, Notification.Kind.ASSIGNED, actor=actor,
                to_team=ticket.assignee_id is None)


@telling
def resolved(ticket: Ticket, actor) -> list[Notification]:
    """The requester hears that their ticket is resolved, and how."""
    kind = Notification.Kind.RESOLVED
    # A kind may word it its own way (a request is "fulfilled").
    return tell(people_of([ticket.requester], besides=actor), ticket, kind, actor=actor,
                template=[f"itsm/email/resolved_{ticket.kind}.txt", TEMPLATES[kind]])


def sla_recipients(ticket: Ticket, kind: str) -> list[User]:
    """Who hears about a ticket's SLA: a warning goes to the assignee (or, while
    unassigned, the team lead); a breach to the assignee and the team lead, each once."""
    lead = ticket.assignment_team.lead if ticket.assignment_team_id else None
    if kind == Notification.Kind.SLA_WARNING:
        return people_of([ticket.assignee or lead])
    return people_of([ticket.assignee, lead])


def level_recipients(escalation: Escalation) -> list[User]:
    """The people of the team a breach escalates to: its lead, or while it has none,
    its active members. A supplier level has no people; it is written to."""
    return team_people(escalation.level.team)


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
        "time_zone": settings.TIME_ZONE,
        "path": None if outside else link(ticket, for_requester=False),
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
