"""Time worked on tickets: the only writer of `TimeEntry`.

An agent logs minutes on any ticket, on its own or with a comment; the entry is costed
at the team's hourly rate on the day worked (`catalog.TeamRate`), so the cost of
operations can be followed per service, customer and team (seed 001). Each write says
so with `effort_logged`, for the KPI engine.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import TeamRate

from .base import roles
from .models import Comment, Ticket, TimeEntry

# Sent inside the writer's transaction with `entries` (the TimeEntry rows written).
effort_logged = Signal()

MAX_MINUTES = 24 * 60
CENT = Decimal("0.01")


def cost_of(minutes: int, hourly_rate: Decimal | None) -> Decimal | None:
    """The cost of `minutes` at an hourly rate, to the cent (pure)."""
    if hourly_rate is None:
        return None
    return (Decimal(minutes) * hourly_rate / 60).quantize(CENT, rounding=ROUND_HALF_UP)


def _team_of(ticket: Ticket, person):
    """The team the work is for: the ticket's team if the person is in it, else the
    person's first active team, else the ticket's."""
    teams = list(person.teams.filter(is_active=True).order_by("name").values_list("pk",
                                                                                 flat=True))
    if ticket.assignment_team_id in teams or not teams:
        return ticket.assignment_team_id
    return teams[0]


def log_time(ticket: Ticket, *, person, minutes: int, worked_on: date | None = None,
             activity: str = "", note: str = "", comment: Comment | None = None) -> TimeEntry:
    """Log time worked on a ticket; refused for a requester, for no or more than a day's
    minutes, for a day in the future or before the ticket existed."""
    if not roles.is_worker(person):
        raise PermissionDenied(_("Only the service desk logs time."))
    today = timezone.localdate()
    worked_on = worked_on or today
    errors = {}
    if not isinstance(minutes, int) or not 1 <= minutes <= MAX_MINUTES:
        errors["minutes"] = _("Give the minutes worked, from 1 to %(max)d.") % {
            "max": MAX_MINUTES}
    if worked_on > today:
        errors["worked_on"] = _("Time cannot be logged for a day still to come.")
    elif worked_on < timezone.localtime(ticket.created_at).date():
        errors["worked_on"] = _("The ticket did not exist yet on that day.")
    if activity and activity not in TimeEntry.Activity.values:
        errors["activity"] = _("Choose one of %(choices)s.") % {
            "choices": ", ".join(TimeEntry.Activity.values)}
    if errors:
        raise ValidationError(errors)
    team_id = _team_of(ticket, person)
    rate = TeamRate.on(team_id, worked_on)
    entry = TimeEntry(ticket=ticket, person=person, team_id=team_id, minutes=minutes,
                      worked_on=worked_on, activity=activity, note=note.strip()[:500],
                      comment=comment, cost=cost_of(minutes, rate.hourly_rate if rate else None))
    with transaction.atomic():
        entry.save()
        effort_logged.send(sender=TimeEntry, entries=[entry])
    return entry

