"""The SLA clock explained: what happened to a ticket's clocks, and where they stand now.

`sla_timeline` is pure (STYLE.md, "Pure where possible"): it replays the ticket's status
and SLA events over the SLA's calendar and returns plain dataclasses. `timeline_for`
gathers its inputs from the database in a fixed number of queries.

The replay reads the ticket's *current* terms (its SLA and priority's targets), which is
how `itsm.sla` computes the stored due times too: a priority change recomputes from
creation, so the explanation and the stored due times agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from catalog.models import SLATarget

from .base.business_time import WorkingCalendar, add_business_minutes, business_minutes_between
from .choices import EventKind
from .models import Ticket, TicketEvent
from .workflow import workflow_for

__all__ = ["Clock", "Entry", "SlaTimeline", "format_minutes", "sla_timeline", "timeline_for"]

# One event as the replay reads it: (when, kind, field, old value, new value).
Event = tuple[datetime, str, str, str, str]

# SLA flag event field -> (entry kind, clock).
_FLAG_ENTRIES = {
    "response_warned": ("warned", "response"),
    "response_breached": ("breached", "response"),
    "resolution_warned": ("warned", "resolution"),
    "resolution_breached": ("breached", "resolution"),
}


def format_minutes(minutes: float) -> str:
    """Business minutes as h:mm ("4:00", "27:05"); the sign is the caller's business."""
    whole = int(round(abs(minutes)))
    return f"{whole // 60}:{whole % 60:02d}"


@dataclass(frozen=True)
class Entry:
    """One moment of the clock's story.

    `kind` is started, paused, resumed, warned, breached, escalated, responded, resolved
    or reopened; `clock` is "response", "resolution" or "" (both); `outcome` is "met" or
    "missed" for responded/resolved; `minutes` is the business time a pause took (on
    resumed) or the business time used (on responded/resolved).
    """

    at: datetime
    kind: str
    clock: str = ""
    outcome: str = ""
    minutes: float | None = None
    status: str = ""  # the status entered, for paused/resumed/resolved/reopened
    to: str = ""  # for escalated: the team or supplier told

    @property
    def minutes_hm(self) -> str:
        return "" if self.minutes is None else format_minutes(self.minutes)


@dataclass(frozen=True)
class Clock:
    """Where one clock (response or resolution) stands at `now`.

    `state` is running, paused, met, missed (stopped after its due time) or breached
    (still running past its due time). `used` excludes paused business time; `left` is
    negative when late. `due` is the current due time; while paused it is the due time if
    the ticket were resumed now.
    """

    name: str
    target: float
    used: float
    state: str
    due: datetime
    paused: float = 0.0
    warn_share: float = 0.75

    @property
    def warn_percent(self) -> int:
        """Where the warning falls on the progress bar."""
        return max(0, min(100, int(self.warn_share * 100)))

    @property
    def left(self) -> float:
        return self.target - self.used

    @property
    def late(self) -> bool:
        return self.left < 0

    @property
    def percent(self) -> int:
        """Share of the target used, clamped to 0–100 for a progress bar."""
        if self.target <= 0:
            return 100
        return max(0, min(100, int(self.used * 100 / self.target)))

    @property
    def target_hm(self) -> str:
        return format_minutes(self.target)

    @property
    def used_hm(self) -> str:
        return format_minutes(self.used)

    @property
    def left_hm(self) -> str:
        return format_minutes(self.left)

    @property
    def paused_hm(self) -> str:
        return format_minutes(self.paused)


@dataclass(frozen=True)
class SlaTimeline:
    response: Clock
    resolution: Clock
    entries: list[Entry] = field(default_factory=list)
    # On a 24×7 calendar business time is elapsed time, and the page says so.
    round_the_clock: bool = False

    @property
    def clocks(self) -> tuple[Clock, Clock]:
        return (self.response, self.resolution)


def sla_timeline(
    calendar: WorkingCalendar,
    created_at: datetime,
    events: Iterable[Event],
    on_hold: set[str] | frozenset[str],
    resolved: set[str] | frozenset[str],
    responded_at: datetime | None,
    resolved_at: datetime | None,
    response_minutes: float,
    resolution_minutes: float,
    warn_share: float,
    now: datetime,
    closed: set[str] | frozenset[str] = frozenset(),
) -> SlaTimeline:
    """Replay a ticket's events over its calendar: the entries, in time order, and both
    clocks as they stand at `now`.

    Pauses are the spans spent in an on-hold status (status events entering and leaving
    one); they stop the resolution clock only, as in `itsm.sla`. `warn_share` (0–1) marks
    the warning point on each clock; the warned entries themselves come from the scan's
    events, so the story tells what was really flagged and when.
    """
    ordered = sorted(events, key=lambda event: event[0])

    def between(start: datetime, end: datetime) -> float:
        return business_minutes_between(calendar, start, end) if end > start else 0.0

    entries: list[Entry] = [Entry(created_at, "started")]
    pauses: list[tuple[datetime, datetime | None]] = []
    held_since: datetime | None = None
    resolution_stops: list[datetime] = []  # resolved moments that were later reopened too

    def paused_before(moment: datetime) -> float:
        """Business minutes on hold between creation and `moment`."""
        total = 0.0
        for start, end in pauses:
            stop = moment if end is None else min(end, moment)
            total += between(start, stop)
        return total

    def resolution_due(moment: datetime) -> datetime:
        return add_business_minutes(calendar, created_at,
                                    resolution_minutes + paused_before(moment))

    for at, kind, name, old, new in ordered:
        if kind == "status":
            if new in on_hold and old not in on_hold and held_since is None:
                held_since = at
                pauses.append((at, None))
                entries.append(Entry(at, "paused", "resolution", status=new))
            elif old in on_hold and new not in on_hold and held_since is not None:
                pauses[-1] = (held_since, at)
                entries.append(Entry(at, "resumed", "resolution",
                                     minutes=between(held_since, at), status=new))
                held_since = None
            if new in resolved and old not in resolved:
                resolution_stops.append(at)
                used = between(created_at, at) - paused_before(at)
                outcome = "met" if at <= resolution_due(at) else "missed"
                entries.append(Entry(at, "resolved", "resolution", outcome, used, status=new))
            elif old in resolved and new not in resolved and new not in closed:
                # Leaving a resolution for work again; closing a resolved ticket is not.
                entries.append(Entry(at, "reopened", "resolution", status=new))
        elif kind == "sla" and name in _FLAG_ENTRIES and new == "True":
            entry_kind, clock = _FLAG_ENTRIES[name]
            entries.append(Entry(at, entry_kind, clock))
        elif kind == "sla" and name == "escalated":
            entries.append(Entry(at, "escalated", to=new))

    # The ticket's own timestamps are the facts; events may be missing (imported data).
    if resolved_at is not None and resolved_at not in resolution_stops:
        used = between(created_at, resolved_at) - paused_before(resolved_at)
        outcome = "met" if resolved_at <= resolution_due(resolved_at) else "missed"
        entries.append(Entry(resolved_at, "resolved", "resolution", outcome, used))

    response_due = add_business_minutes(calendar, created_at, response_minutes)
    response_end = min(responded_at, now) if responded_at is not None else now
    response_used = between(created_at, response_end)
    if responded_at is not None:
        response_state = "met" if responded_at <= response_due else "missed"
        entries.append(Entry(responded_at, "responded", "response", response_state,
                             response_used))
    else:
        response_state = "breached" if now > response_due else "running"
    response = Clock("response", response_minutes, response_used, response_state,
                     response_due, warn_share=warn_share)

    resolution_end = resolved_at if resolved_at is not None else now
    paused = paused_before(resolution_end)
    due = resolution_due(resolution_end)
    used = between(created_at, resolution_end) - paused
    if resolved_at is not None:
        state = "met" if resolved_at <= due else "missed"
    elif held_since is not None:
        state = "paused"
    else:
        state = "breached" if now > due else "running"
    resolution = Clock("resolution", resolution_minutes, used, state, due, paused,
                       warn_share)

    # Stable: at equal times the order of the events (started first) is kept.
    entries.sort(key=lambda entry: entry.at)
    return SlaTimeline(response, resolution, entries, calendar.is_round_the_clock)


def timeline_for(ticket: Ticket, now: datetime | None = None) -> SlaTimeline | None:
    """The SLA timeline of a saved ticket, or None without an SLA or a target for its
    priority. Four queries whatever the ticket's history: target with SLA and calendar,
    the calendar's periods, its holidays, and the status and SLA events."""
    if ticket.sla_id is None:
        return None
    target = (
        SLATarget.objects.filter(sla_id=ticket.sla_id, priority=ticket.priority)
        .select_related("sla__calendar")
        .prefetch_related("sla__calendar__periods", "sla__calendar__holidays")
        .first()
    )
    if target is None:
        return None
    events = list(
        TicketEvent.objects.filter(ticket_id=ticket.pk, kind__in=(EventKind.STATUS, EventKind.SLA))
        .order_by("created_at", "id")
        .values_list("created_at", "kind", "field", "old_value", "new_value")
    )
    flow = workflow_for(ticket)
    return sla_timeline(
        target.sla.calendar.working_calendar(), ticket.created_at, events,
        on_hold=flow.on_hold, resolved=flow.resolved, closed=flow.closed,
        responded_at=ticket.responded_at, resolved_at=ticket.resolved_at,
        response_minutes=target.response_minutes,
        resolution_minutes=target.resolution_minutes,
        warn_share=target.sla.warning_threshold / 100,
        now=now or timezone.now(),
    )
