"""Availability arithmetic (pure): agreed service hours less unplanned outages.

Availability of a service in a period is `(agreed − down) / agreed × 100` (DESIGN.md
§4), where agreed time is the SLA calendar's service hours in the period and down
time is the unplanned outages clipped to those hours, merged where they overlap, so
an outage never counts twice and never outside service hours; the part of an outage
inside an approved change's window is planned, and does not count (`without`). All intervals are
half-open [start, end) pairs of aware datetimes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

Interval = tuple[datetime, datetime]


def merged(intervals: Iterable[Interval]) -> list[Interval]:
    """The union of intervals, as sorted disjoint ones (empty ones dropped)."""
    result: list[Interval] = []
    for start, end in sorted(interval for interval in intervals if interval[0] < interval[1]):
        if result and start <= result[-1][1]:
            result[-1] = (result[-1][0], max(result[-1][1], end))
        else:
            result.append((start, end))
    return result


def without(intervals: Iterable[Interval], holes: Iterable[Interval]) -> list[Interval]:
    """The parts of `intervals` outside every hole (planned work), merged and sorted."""
    result, cuts = [], merged(holes)
    for start, end in merged(intervals):
        for cut_start, cut_end in cuts:
            if cut_end <= start or cut_start >= end:
                continue
            if cut_start > start:
                result.append((start, cut_start))
            start = max(start, cut_end)
            if start >= end:
                break
        if start < end:
            result.append((start, end))
    return result


def overlap(a: list[Interval], b: list[Interval]) -> timedelta:
    """The length of the intersection of two sorted disjoint interval lists."""
    total, i, j = timedelta(0), 0, 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if start < end:
            total += end - start
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return total


def minutes(span: timedelta) -> float:
    return span / timedelta(minutes=1)


def agreed_and_down(agreed: list[Interval], outages: Iterable[Interval]) -> tuple[float, float]:
    """(agreed minutes, unplanned minutes down within them) for a period whose service
    hours are `agreed` (sorted, disjoint) and whose unplanned outages are `outages`."""
    agreed_minutes = minutes(sum((end - start for start, end in agreed), timedelta(0)))
    return agreed_minutes, minutes(overlap(agreed, merged(outages)))
