"""Calendar periods in the organisation's time zone (pure).

A KPI value belongs to a period: a day, an ISO week (Monday to Sunday) or a month,
each starting at local midnight of its first date, so a DST day has its real length.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta, tzinfo

from .definitions import Granularity


def start_of(day: date, granularity: str) -> date:
    """The first date of the period that holds `day`."""
    if granularity == Granularity.DAY:
        return day
    if granularity == Granularity.WEEK:
        return day - timedelta(days=day.weekday())
    if granularity == Granularity.MONTH:
        return day.replace(day=1)
    raise ValueError(f"unknown granularity {granularity!r}")


def next_start(start: date, granularity: str) -> date:
    """The first date of the period after the one starting at `start`."""
    if granularity == Granularity.DAY:
        return start + timedelta(days=1)
    if granularity == Granularity.WEEK:
        return start + timedelta(days=7)
    if granularity == Granularity.MONTH:
        return date(start.year + start.month // 12, start.month % 12 + 1, 1)
    raise ValueError(f"unknown granularity {granularity!r}")


def period_of(moment: datetime, granularity: str, tz: tzinfo) -> date:
    """The start of the period `moment` falls in, on the organisation's calendar."""
    return start_of(moment.astimezone(tz).date(), granularity)


def starts(first: date, last: date, granularity: str) -> Iterator[date]:
    """The starts of every period from the one holding `first` to the one holding
    `last`, in order."""
    cursor = start_of(first, granularity)
    while cursor <= last:
        yield cursor
        cursor = next_start(cursor, granularity)


def midnight(day: date, tz: tzinfo) -> datetime:
    """Local midnight at the start of `day`, as an aware datetime."""
    return datetime.combine(day, time(0), tzinfo=tz)


def bounds(start: date, granularity: str, tz: tzinfo) -> tuple[datetime, datetime]:
    """The instants [lo, hi) a period covers."""
    return midnight(start, tz), midnight(next_start(start, granularity), tz)


def windows(first: date, last: date, granularity: str, size: int
            ) -> Iterator[tuple[date, date]]:
    """The periods from `first` to `last` in runs of `size`, as (first start, start
    after the run): what a recompute reads and writes at a time."""
    run: list[date] = []
    for start in starts(first, last, granularity):
        run.append(start)
        if len(run) == size:
            yield run[0], next_start(run[-1], granularity)
            run = []
    if run:
        yield run[0], next_start(run[-1], granularity)
