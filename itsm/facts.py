"""The facts the KPIs read, stored on each ticket when its clocks stop.

When a ticket is responded to, resolved, closed or reopened, the workflow measures it
here and writes the facts in the same UPDATE as the change (DESIGN.md §4): the
wall-clock and business seconds to respond and to resolve, and whether the first team
assigned resolved it. Every KPI is then a plain SQL aggregate over stored columns
(`metrics.compute`), and the business-time arithmetic stays in the pure functions of
`itsm.base.business_time`.

Who listens: each writer sends `ticket_changed` with what the ticket looked like
before (`snapshot`), so the KPI engine can recompute exactly the periods and
dimensions the write touched. Writers of history in bulk (the demo data, an import)
wrap their work in `history()`: one `history_written` at the end instead of a signal
per write.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.dispatch import Signal

from catalog.models import working_calendar_of

from .base.business_time import WorkingCalendar, business_minutes_between
from .models import Ticket

FACT_FIELDS = ("response_seconds", "response_business_seconds", "resolution_seconds",
               "resolution_business_seconds", "resolved_by_first_team", "approval_seconds",
               "diagnosis_seconds")
# What a KPI reads of a ticket besides its facts: the moments that place it in a
# period, and the keys of the dimensions it is counted under.
MOMENTS = ("created_at", "responded_at", "resolved_at", "closed_at", "survey_sent_at",
           "survey_answered_at", "approved_at", "diagnosed_at")
DIMENSIONS = ("service_id", "assignment_team_id", "customer_id", "priority", "channel",
              "kind", "configuration_item_id", "request_item_id")
# What a KPI counts of a ticket in the periods it belongs to.
VALUES = (*FACT_FIELDS, "sla_id", "response_breached", "resolution_breached",
          "reopen_count", "reassignment_count", "survey_rating")

# Sent after a writer changed a ticket, inside its transaction, with `ticket` (as it
# is now) and `before` (its `snapshot` before the write; None for a new ticket).
ticket_changed = Signal()
# Sent after `history()` wrote many tickets, with `since`: the earliest moment any of
# them touched (None if nothing was written).
history_written = Signal()


@dataclass(frozen=True)
class Measured:
    """A ticket's facts; None where the clock has not stopped."""

    response_seconds: int | None = None
    response_business_seconds: int | None = None
    resolution_seconds: int | None = None
    resolution_business_seconds: int | None = None
    resolved_by_first_team: bool | None = None
    approval_seconds: int | None = None
    diagnosis_seconds: int | None = None


def business_seconds(calendar: WorkingCalendar | None, start: datetime, end: datetime,
                     paused_seconds: float = 0) -> int:
    """Working seconds from `start` to `end` on the calendar, less time paused (which
    the caller measured on the same calendar); without a calendar the clock runs
    around the clock. Never negative."""
    if calendar is None:
        worked = _elapsed(start, end)
    else:
        worked = business_minutes_between(calendar, start, end) * 60
    return max(0, round(worked - paused_seconds))


def measure_values(*, created_at: datetime, responded_at: datetime | None,
                   resolved_at: datetime | None, calendar: WorkingCalendar | None,
                   paused_business_seconds: float, on_hold_seconds: int,
                   team_id: int | None, first_team_id: int | None,
                   approved_at: datetime | None = None,
                   diagnosed_at: datetime | None = None) -> Measured:
    """The facts of a ticket from its clocks (pure). On-hold time is taken off the
    business time to resolve only: the response clock does not pause."""
    if responded_at is None:
        response = {}
    else:
        response = {
            "response_seconds": _wall(created_at, responded_at),
            "response_business_seconds": business_seconds(calendar, created_at, responded_at),
        }
    if resolved_at is None:
        resolution = {}
    else:
        paused = paused_business_seconds if calendar is not None else on_hold_seconds
        resolution = {
            "resolution_seconds": _wall(created_at, resolved_at),
            "resolution_business_seconds": business_seconds(calendar, created_at,
                                                            resolved_at, paused),
            # A ticket no team ever had was not passed on either.
            "resolved_by_first_team": team_id == first_team_id,
        }
    milestones = {name: _wall(created_at, moment) for name, moment in (
        ("approval_seconds", approved_at), ("diagnosis_seconds", diagnosed_at))
        if moment is not None}
    return Measured(**response, **resolution, **milestones)


def _elapsed(start: datetime, end: datetime) -> float:
    # In UTC: Python subtracts two times of the same zone on the wall clock, which is
    # an hour off across a DST change.
    return (end.astimezone(UTC) - start.astimezone(UTC)).total_seconds()


def _wall(start: datetime, end: datetime) -> int:
    return max(0, round(_elapsed(start, end)))


def measure(ticket: Ticket) -> set[str]:
    """Set the ticket's facts from its clocks and SLA calendar; return the fields that
    changed (the caller writes them with its change)."""
    calendar = working_calendar_of(ticket.sla_id) if ticket.sla_id else None
    measured = measure_values(
        created_at=ticket.created_at, responded_at=ticket.responded_at,
        resolved_at=ticket.resolved_at, calendar=calendar,
        paused_business_seconds=ticket.sla_paused_minutes * 60,
        on_hold_seconds=ticket.on_hold_seconds, team_id=ticket.assignment_team_id,
        first_team_id=ticket.first_assignment_team_id, approved_at=ticket.approved_at,
        diagnosed_at=ticket.diagnosed_at)
    changed = set()
    for name in FACT_FIELDS:
        value = getattr(measured, name)
        if getattr(ticket, name) != value:
            setattr(ticket, name, value)
            changed.add(name)
    return changed


def snapshot(ticket: Ticket) -> dict[str, Any] | None:
    """What the KPIs read of the ticket now: its moments, dimension keys and values
    (None for a ticket not yet saved)."""
    if ticket.pk is None:
        return None
    from . import registry

    found = {name: getattr(ticket, name) for name in (*MOMENTS, *DIMENSIONS, *VALUES)}
    found.update(registry.process_for(ticket).fact_keys(ticket))
    return found


class _History:
    """What a `history()` block has written so far: only how far back it reaches."""

    earliest: datetime | None = None

    def saw(self, moment: datetime) -> None:
        if self.earliest is None or moment < self.earliest:
            self.earliest = moment


_history: ContextVar[_History | None] = ContextVar("itsm_facts_history", default=None)


def changed(ticket: Ticket, before: dict[str, Any] | None) -> None:
    """Tell the listeners that a writer changed the ticket (from `before`)."""
    written = _history.get()
    if written is not None:
        written.saw(ticket.created_at)  # nothing of a ticket lies before its creation
    elif snapshot(ticket) != before:
        ticket_changed.send(sender=Ticket, ticket=ticket, before=before)


def writing_history() -> bool:
    """Whether a `history()` block is being written (its listeners hear of it at the
    end, at once)."""
    return _history.get() is not None


@contextmanager
def history() -> Iterator[None]:
    """Write many tickets (history, an import) and tell the listeners once, at the end:
    `history_written` with the earliest moment written."""
    if _history.get() is not None:  # nested: the outer block tells
        yield
        return
    written = _History()
    token = _history.set(written)
    try:
        yield
    finally:
        _history.reset(token)
    # Not reached when the block raised: what it wrote is rolled back.
    history_written.send(sender=Ticket, since=written.earliest)


MEASURE_BATCH = 1000


def measure_all(tickets=None, *, progress=None) -> int:
    """Measure tickets written before their facts were stored (an upgrade) or by a
    writer that does not measure (an import); return how many changed. Streams in
    batches of MEASURE_BATCH, each written with one UPDATE per batch; `progress` is
    called with (done, total)."""
    tickets = (Ticket.objects.all() if tickets is None else tickets).order_by("pk")
    total = tickets.count()
    columns = ("pk", "created_at", "responded_at", "resolved_at", "sla_id",
               "sla_paused_minutes", "on_hold_seconds", "assignment_team_id",
               "first_assignment_team_id", *FACT_FIELDS)
    changed_count = 0
    batch: list[Ticket] = []
    for done, ticket in enumerate(tickets.only(*columns).iterator(chunk_size=MEASURE_BATCH),
                                  start=1):
        if measure(ticket):
            batch.append(ticket)
        if len(batch) == MEASURE_BATCH or (done == total and batch):
            Ticket.objects.bulk_update(batch, FACT_FIELDS)
            changed_count += len(batch)
            batch = []
        if progress is not None and (done % MEASURE_BATCH == 0 or done == total):
            progress(done, total)
    if batch:  # tickets were added while this ran
        Ticket.objects.bulk_update(batch, FACT_FIELDS)
        changed_count += len(batch)
    return changed_count
