"""The dashboards' figures of now: what is open, unassigned, at SLA risk or breached,
how old the open work is, what happened today. Each is an indexed count over open
tickets (the open-ticket index carries every column these group by) or over today's
rows, a fixed number of queries whatever the size of the history.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet

from itsm.choices import EventKind
from itsm.filters import AT_RISK
from itsm.models import Ticket, TicketEvent

from . import periods
from .compute import organisation_tz
from .definitions import REQUESTED_WORK

BREACHED = Q(response_breached=True) | Q(resolution_breached=True)
# Backlog age buckets: (label key, lower bound in days); each runs to the next.
AGE_BUCKETS = (("day", 0), ("days_3", 1), ("week", 3), ("month", 7), ("older", 30))


def open_work(teams: Iterable[int] | None = None) -> QuerySet:
    """Open incidents and requests (of `teams`, if given): what the backlog counts."""
    tickets = Ticket.objects.open().filter(kind__in=REQUESTED_WORK)
    return tickets if teams is None else tickets.filter(assignment_team_id__in=list(teams))


@dataclass(frozen=True)
class Now:
    open: int
    unassigned: int
    at_risk: int
    breached: int


def now(teams: Iterable[int] | None = None) -> Now:
    """The open backlog, its unassigned part, and its tickets at SLA risk or breached:
    one query."""
    found = open_work(teams).aggregate(
        open=Count("pk"), unassigned=Count("pk", filter=Q(assignee__isnull=True)),
        at_risk=Count("pk", filter=AT_RISK), breached=Count("pk", filter=BREACHED))
    return Now(**found)


def by_team_and_priority(teams: Iterable[int] | None = None
                         ) -> dict[int | None, dict[int, int]]:
    """{team id (None: no team): {priority: open tickets}}: one query."""
    found: dict[int | None, dict[int, int]] = defaultdict(dict)
    for team, priority, count in (open_work(teams).values_list("assignment_team_id", "priority")
                                  .annotate(n=Count("pk")).order_by()):
        found[team][priority] = count
    return found


def age_buckets(now_: datetime, teams: Iterable[int] | None = None
                ) -> list[tuple[str, int, datetime | None, datetime | None]]:
    """How many open tickets are under a day old, one to three days, … over a month,
    each with the span of creation times it counts, [from, before) as the queue
    filters them (None: unbounded): one query."""
    bounds = [now_ - timedelta(days=days) for _name, days in AGE_BUCKETS]
    spans = [(bounds[at + 1] if at + 1 < len(bounds) else None, bounds[at] if at else None)
             for at in range(len(AGE_BUCKETS))]
    counts = {}
    for (name, _days), (after, before) in zip(AGE_BUCKETS, spans, strict=True):
        within = Q()
        if after is not None:
            within &= Q(created_at__gte=after)
        if before is not None:
            within &= Q(created_at__lt=before)
        counts[name] = Count("pk", filter=within)
    found = open_work(teams).aggregate(**counts)
    return [(name, found[name], after, before)
            for (name, _days), (after, before) in zip(AGE_BUCKETS, spans, strict=True)]


@dataclass(frozen=True)
class Today:
    created: int
    answered: int  # first responses given today
    resolved: int
    breached: int  # clocks that breached today


def today(now_: datetime, teams: Iterable[int] | None = None) -> Today:
    """What happened today (in the organisation's time zone): four indexed counts."""
    tz = organisation_tz()
    start = periods.midnight(now_.astimezone(tz).date(), tz)
    tickets = Ticket.objects.filter(kind__in=REQUESTED_WORK)
    breaches = TicketEvent.objects.filter(
        created_at__gte=start, kind=EventKind.SLA,
        field__in=("response_breached", "resolution_breached"), ticket__kind__in=REQUESTED_WORK)
    if teams is not None:
        teams = list(teams)
        tickets = tickets.filter(assignment_team_id__in=teams)
        breaches = breaches.filter(ticket__assignment_team_id__in=teams)
    return Today(
        created=tickets.filter(created_at__gte=start).count(),
        answered=tickets.filter(responded_at__gte=start).count(),
        resolved=tickets.filter(resolved_at__gte=start).count(),
        breached=breaches.values("ticket").distinct().count())
