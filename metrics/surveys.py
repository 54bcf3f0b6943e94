"""Satisfaction surveys: a requester asked once, when their ticket is first resolved,
and their answer taken.

The only writer of `Survey`. Each write keeps the ticket's satisfaction facts
(`survey_sent_at`, `survey_answered_at`, `survey_rating`, what the KPIs count) in step
in the same transaction and says so through `itsm.facts.changed`, so the KPI engine
marks the days it touched as for any other ticket write.

The requester answers from the link in the email (signed: it works without signing in
and shows only the ticket's number and title) or on the ticket's portal page, as
often as they like while the survey is open; the latest answer counts. Each answer is
an event on the ticket; a low one tells the team's lead.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from itsm import facts, notifications
from itsm.choices import EventKind
from itsm.models import Notification, Ticket, TicketEvent

from .definitions import BY_KEY
from .models import Survey

SALT = "metrics.surveys"
COMMENT_MAX = 4000
# The kinds whose requesters are asked: those the satisfaction KPIs count.
ASKED_KINDS = frozenset(BY_KEY["csat"].kinds)


def token_of(survey: Survey) -> str:
    """The survey's id, signed: the same link every time it is shown; the survey's own
    window says how long it works."""
    return signing.Signer(salt=SALT).sign(str(survey.pk))


def from_token(token: str) -> Survey | None:
    """The survey a link names; None for a link that was not ours or was altered."""
    try:
        pk = signing.Signer(salt=SALT).unsign(token)
    except signing.BadSignature:
        return None
    if not pk.isdigit():
        return None
    return Survey.objects.select_related("ticket").filter(pk=int(pk)).first()


def answer_url(survey: Survey) -> str:
    return reverse("surveys:answer", args=[token_of(survey)])


def should_ask(ticket: Ticket) -> bool:
    """Whether the ticket's requester is asked: requested work, an active requester, a
    service that asks (or none), and not history brought from another tool."""
    return (ticket.kind in ASKED_KINDS and not ticket.import_source
            and ticket.requester.is_active
            and (ticket.service_id is None or ticket.service.asks_satisfaction))


def ask(ticket: Ticket, *, now: datetime | None = None) -> Survey | None:
    """Ask the requester of a just-resolved ticket, once: the survey, the ticket's
    fact, and the message (in the app, and by email). None if nobody is asked."""
    if not should_ask(ticket):
        return None
    now = now or timezone.now()
    survey, created = Survey.objects.get_or_create(ticket=ticket, defaults={
        "requester": ticket.requester, "sent_at": now,
        "expires_at": now + timedelta(days=settings.CSAT_SURVEY_DAYS)})
    if not created:
        return None  # asked already (this is a second resolution)
    _write_facts(ticket, survey_sent_at=now)
    _tell_requester(ticket, survey)
    return survey


def ask_resolved(ticket_pk: int) -> Survey | None:
    """Ask about a ticket resolved in a transaction that has committed, if it is still
    resolved (it may have been reopened since)."""
    with transaction.atomic():
        ticket = (Ticket.objects.select_related("requester", "service")
                  .filter(pk=ticket_pk, resolved_at__isnull=False).first())
        return None if ticket is None else ask(ticket)


def answer(survey: Survey, *, rating: int, comment: str = "", now: datetime | None = None
           ) -> Survey:
    """Take the requester's rating (1–5) and comment, replacing an earlier answer while
    the survey is open. Raises ValidationError naming the field for a bad rating or
    comment, or for a survey that has closed."""
    now = now or timezone.now()
    if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
        raise ValidationError({"rating": _("Choose a rating from 1 to 5.")})
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise ValidationError({"comment": _("Keep the comment under %(max)d characters.")
                               % {"max": COMMENT_MAX}})
    with transaction.atomic():
        # The survey's row lock puts two answers sent at once one after the other.
        survey = Survey.objects.select_for_update().select_related("ticket").get(pk=survey.pk)
        if not survey.is_open(now):
            raise ValidationError({"rating": closed_message(survey)})
        was_low, previous = survey.is_low, survey.rating
        survey.rating, survey.comment, survey.answered_at = rating, comment, now
        survey.save(update_fields=["rating", "comment", "answered_at"])
        ticket = survey.ticket
        _write_facts(ticket, survey_answered_at=now, survey_rating=rating)
        TicketEvent.objects.create(
            ticket=ticket, actor=survey.requester, kind=EventKind.FEEDBACK, field="rating",
            old_value="" if previous is None else str(previous), new_value=str(rating),
            note=comment, is_public=True, created_at=now)
        if survey.is_low and not was_low:
            _tell_lead(ticket, survey)
    return survey


def closed_message(survey: Survey) -> str:
    return _("This survey closed on %(date)s.") % {
        "date": timezone.localtime(survey.expires_at).strftime("%Y-%m-%d")}


def _write_facts(ticket: Ticket, **values) -> None:
    """The ticket's satisfaction facts, written alone (no other column: the survey
    is not an edit of the ticket), and the listeners told."""
    before = facts.snapshot(ticket)
    for name, value in values.items():
        setattr(ticket, name, value)
    Ticket.objects.filter(pk=ticket.pk).update(**values)
    facts.changed(ticket, before)


@notifications.telling
def _tell_requester(ticket: Ticket, survey: Survey) -> list[Notification]:
    return notifications.tell(
        [ticket.requester], ticket, Notification.Kind.SURVEY,
        template="metrics/email/survey.txt", survey=survey,
        survey_days=settings.CSAT_SURVEY_DAYS,
        survey_link=settings.SITE_URL.rstrip("/") + answer_url(survey))


@notifications.telling
def _tell_lead(ticket: Ticket, survey: Survey) -> list[Notification]:
    people = notifications.team_people(ticket.assignment_team)
    return notifications.tell(people, ticket, Notification.Kind.LOW_RATING,
                              template="metrics/email/low_rating.txt", survey=survey)


# --- history: the demo's past answers, written in bulk -----------------------------------


def write_history(answers: Iterable[tuple[Ticket, datetime, int | None, str, datetime]]
                  ) -> int:
    """Surveys of past tickets in bulk, for history being written (the demo): each
    (ticket, sent, rating or None for no answer, comment, answered), with their facts
    and events; nobody is told. Return how many were written."""
    surveys = []
    for ticket, sent, rating, comment, answered_at in answers:
        if not should_ask(ticket):
            continue
        ticket.survey_sent_at = sent
        if rating is not None:
            ticket.survey_answered_at, ticket.survey_rating = answered_at, rating
        surveys.append(Survey(
            ticket=ticket, requester_id=ticket.requester_id, sent_at=sent,
            expires_at=sent + timedelta(days=settings.CSAT_SURVEY_DAYS), rating=rating,
            comment=comment if rating is not None else "",
            answered_at=answered_at if rating is not None else None))
    with facts.history():
        Survey.objects.bulk_create(surveys, batch_size=1000)
        Ticket.objects.bulk_update([s.ticket for s in surveys], ["survey_sent_at",
                                                                 "survey_answered_at",
                                                                 "survey_rating"],
                                   batch_size=1000)
        events = [TicketEvent(ticket_id=t.pk, actor_id=t.requester_id,
                              kind=EventKind.FEEDBACK, field="rating",
                              new_value=str(t.survey_rating), note=s.comment,
                              is_public=True, created_at=t.survey_answered_at)
                  for s in surveys for t in [s.ticket] if s.rating is not None]
        TicketEvent.objects.bulk_create(events, batch_size=1000)
        for survey in surveys:
            facts.changed(survey.ticket, None)
    return len(surveys)
