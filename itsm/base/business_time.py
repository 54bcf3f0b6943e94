"""Business-time arithmetic for SLA clocks: pure functions of plain values.

Nothing here touches Django or the database (STYLE.md, "Pure where possible"): the SLA
service gathers a calendar from its rows, and these functions answer "when have N working
minutes elapsed?" and "how many working minutes lie between two instants?".

Semantics, in one place:

* Working time is defined on the *local wall clock*. An instant is working time when the
  calendar's zone shows, at that instant, a date that is not a holiday and a time of day
  inside one of that weekday's segments ``[start, end)``.
* A segment end of ``time(0)`` means 24:00, the end of the day; ``(time(0), time(0))``
  is the whole day. A night shift is two segments on consecutive days
  (``22:00–24:00`` and ``00:00–06:00``); touching segments count as one stretch.
* Every date uses its own historical UTC offset (zoneinfo). On a spring-forward day a
  segment that covers the skipped hour is shortened by it (08:00–12:00 across a
  02:00→03:00 gap is still 4 h, 01:00–04:00 is 2 h, and a segment wholly inside the gap
  has no working time). On a fall-back day the repeated wall-clock hour is worked twice,
  because the clock on the wall really shows it twice (01:00–04:00 is 4 h).
* ``add_business_minutes`` with a positive target returns the instant the last working
  minute ends, so a deadline reached exactly at a segment end stays there (18:00, not
  08:00 next morning). A target of zero returns the next working moment at or after the
  start. Targets are rounded to the microsecond.
* Inputs must be timezone-aware; every returned datetime is aware and in UTC.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from types import MappingProxyType
from zoneinfo import ZoneInfo

__all__ = [
    "WorkingCalendar",
    "add_business_minutes",
    "business_minutes_between",
    "end_of_working_days",
    "is_working_time",
    "next_working_moment",
    "working_intervals",
]

Segment = tuple[time, time]

_DAY = timedelta(days=1)
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# The span of UTC time examined per step. A week keeps the number of steps small for
# long targets while each step stays cheap (a handful of segments per day).
_CHUNK = timedelta(days=7)
# Offsets are sampled this often to find DST transitions. Real zones never change their
# offset twice within six hours, so no transition can hide between two samples.
_OFFSET_SAMPLE = timedelta(hours=6)
# A calendar whose holidays blot out every working day would make the search run
# forever; after this much time without any working time we call the calendar broken.
_HORIZON = timedelta(days=3 * 366)


@dataclass(frozen=True)
class WorkingCalendar:
    """When the clock runs: a time zone, working segments per weekday, and holidays.

    ``week`` maps a weekday (0 = Monday … 6 = Sunday) to its working segments in local
    wall-clock time, ordered and non-overlapping; a weekday that is missing has no
    working time. ``holidays`` are local dates without any working time.
    """

    tz: ZoneInfo
    week: Mapping[int, Sequence[Segment]] = field(hash=False)
    holidays: frozenset[date] = frozenset()
    # Segments as offsets from local midnight, one tuple per weekday: what the
    # arithmetic actually reads, computed once.
    _spans: tuple[tuple[tuple[timedelta, timedelta], ...], ...] = field(
        init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        if not isinstance(self.tz, tzinfo):
            raise ValueError(f"tz must be a tzinfo such as ZoneInfo('Europe/Berlin'), "
                             f"got {self.tz!r}")
        week: dict[int, tuple[Segment, ...]] = {}
        for weekday, segments in self.week.items():
            if not isinstance(weekday, int) or not 0 <= weekday <= 6:
                raise ValueError(f"week keys are weekdays 0 (Monday) to 6 (Sunday), "
                                 f"got {weekday!r}")
            week[weekday] = _validated_segments(weekday, segments)
        holidays = frozenset(self.holidays)
        for holiday in holidays:
            # A datetime is a date too, but would never equal a local date in lookups.
            if not isinstance(holiday, date) or isinstance(holiday, datetime):
                raise ValueError(f"holidays must be dates, got {holiday!r}")
        # The dataclass is frozen so that a calendar can be shared and cached safely;
        # normalising the inputs once is the only mutation it ever sees.
        object.__setattr__(self, "week", MappingProxyType(week))
        object.__setattr__(self, "holidays", holidays)
        object.__setattr__(self, "_spans", tuple(
            tuple((_as_offset(start), _as_offset(end, is_end=True))
                  for start, end in week.get(weekday, ()))
            for weekday in range(7)
        ))

    @classmethod
    def always(cls, tz: ZoneInfo, holidays: Iterable[date] = ()) -> WorkingCalendar:
        """A 24×7 calendar: every moment is working time (except any holidays given)."""
        whole_day = ((time(0), time(0)),)
        return cls(tz=tz, week=dict.fromkeys(range(7), whole_day),
                   holidays=frozenset(holidays))

    @property
    def has_working_hours(self) -> bool:
        """Whether any weekday has a working segment at all."""
        return any(self._spans)

    @property
    def is_round_the_clock(self) -> bool:
        """Whether every moment is working time (24×7, no holidays): business time is
        then plain elapsed time."""
        whole_day = ((timedelta(0), timedelta(days=1)),)
        return not self.holidays and all(spans == whole_day for spans in self._spans)


def is_working_time(cal: WorkingCalendar, moment: datetime) -> bool:
    """Whether the SLA clock runs at ``moment`` (the wall clock is inside a segment)."""
    local = _as_utc(moment, "moment").astimezone(cal.tz)
    if local.date() in cal.holidays:
        return False
    wall = local.replace(tzinfo=None)
    since_midnight = wall - datetime.combine(wall.date(), time(0))
    return any(start <= since_midnight < end for start, end in cal._spans[local.weekday()])


def next_working_moment(cal: WorkingCalendar, moment: datetime) -> datetime:
    """The first instant at or after ``moment`` that is working time, in UTC."""
    return _add(cal, _as_utc(moment, "moment"), timedelta(0))


def add_business_minutes(cal: WorkingCalendar, start: datetime, minutes: float) -> datetime:
    """The UTC instant at which ``minutes`` of working time have elapsed after ``start``.

    Outside working time the clock starts at the next working moment. A deadline that
    falls exactly on the end of a segment stays there; ``minutes == 0`` gives the next
    working moment at or after ``start``. Raises ValueError for a negative or non-finite
    target, and for a calendar that has no working time within about three years.
    """
    if not math.isfinite(minutes) or minutes < 0:
        raise ValueError(f"minutes must be a finite number >= 0, got {minutes!r}")
    return _add(cal, _as_utc(start, "start"), timedelta(minutes=minutes))


def business_minutes_between(cal: WorkingCalendar, start: datetime, end: datetime) -> float:
    """Working minutes in ``[start, end)``; 0 when ``end`` is not after ``start``."""
    cursor, end = _as_utc(start, "start"), _as_utc(end, "end")
    total = timedelta(0)
    # Summing timedeltas keeps whole microseconds exact; only the result becomes a float.
    while cursor < end:
        chunk_end = min(cursor + _CHUNK, end)
        for seg_start, seg_end in _working_intervals(cal, cursor, chunk_end):
            total += seg_end - seg_start
        cursor = chunk_end
    return total / timedelta(minutes=1)


def end_of_working_days(cal: WorkingCalendar, start: datetime, days: int) -> datetime:
    """When the ``days``-th working day after the local date of ``start`` ends (its last
    working moment, in UTC): a delivery promised "within N working days" of an order.
    A day counts when it has any working time; the day of the order itself does not."""
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days!r}")
    if not cal.has_working_hours:
        raise ValueError("the calendar has no working hours on any weekday")
    day = _as_utc(start, "start").astimezone(cal.tz).date()
    counted = 0
    for _step in range(_HORIZON.days + days):
        day += _DAY
        begins = datetime.combine(day, time(0), cal.tz).astimezone(UTC)
        ends = datetime.combine(day + _DAY, time(0), cal.tz).astimezone(UTC)
        intervals = _working_intervals(cal, begins, ends)
        if intervals:
            counted += 1
            if counted == days:
                return intervals[-1][1]
    raise ValueError(f"no {days} working days within {_HORIZON.days} days of {start}")


def working_intervals(cal: WorkingCalendar, start: datetime, end: datetime
                      ) -> list[tuple[datetime, datetime]]:
    """Working time in ``[start, end)`` as sorted, disjoint UTC intervals (a calendar's
    service hours in a period, for availability)."""
    cursor, end = _as_utc(start, "start"), _as_utc(end, "end")
    found: list[tuple[datetime, datetime]] = []
    while cursor < end:
        chunk_end = min(cursor + _CHUNK, end)
        for interval in _working_intervals(cal, cursor, chunk_end):
            if found and interval[0] <= found[-1][1]:  # touching across chunks
                found[-1] = (found[-1][0], max(found[-1][1], interval[1]))
            else:
                found.append(interval)
        cursor = chunk_end
    return found


def _add(cal: WorkingCalendar, start: datetime, remaining: timedelta) -> datetime:
    """Walk working intervals forward from ``start`` until ``remaining`` is used up."""
    if not cal.has_working_hours:
        raise ValueError("the calendar has no working hours on any weekday")
    cursor = last_working = start
    while True:
        chunk_end = cursor + _CHUNK
        for seg_start, seg_end in _working_intervals(cal, cursor, chunk_end):
            # `<=` ends the walk at a segment's end rather than the next segment's start,
            # and turns a zero target into "the first working moment".
            if remaining <= seg_end - seg_start:
                return seg_start + remaining
            remaining -= seg_end - seg_start
            last_working = seg_end
        cursor = chunk_end
        if cursor - last_working > _HORIZON:
            raise ValueError(
                f"no working time between {last_working.isoformat()} and "
                f"{cursor.isoformat()}: every working day is a holiday"
            )


def _working_intervals(
    cal: WorkingCalendar, lo: datetime, hi: datetime
) -> list[tuple[datetime, datetime]]:
    """Working time within ``[lo, hi)`` as sorted, disjoint UTC intervals.

    Within a stretch of constant UTC offset the wall clock is UTC shifted by that offset,
    so each local segment maps onto UTC by subtracting it. Doing this per offset stretch,
    instead of converting segment ends one by one, is what makes DST gaps shorten a
    segment and repeated hours count twice without any special cases.
    """
    intervals: list[tuple[datetime, datetime]] = []
    for piece_lo, piece_hi, offset in _offset_pieces(cal.tz, lo, hi):
        wall_lo = (piece_lo + offset).replace(tzinfo=None)
        wall_hi = (piece_hi + offset).replace(tzinfo=None)
        day = wall_lo.date()
        midnight = datetime.combine(day, time(0))
        while midnight < wall_hi:
            if day not in cal.holidays:
                for start, end in cal._spans[day.weekday()]:
                    seg_lo = max(midnight + start, wall_lo)
                    seg_hi = min(midnight + end, wall_hi)
                    if seg_lo < seg_hi:
                        intervals.append(((seg_lo - offset).replace(tzinfo=UTC),
                                          (seg_hi - offset).replace(tzinfo=UTC)))
            day += _DAY
            midnight += _DAY
    # Fall-back hours can interleave two local dates, so order by UTC, then merge
    # touching intervals (a night shift over midnight, a 24×7 week) into one stretch.
    intervals.sort()
    merged: list[tuple[datetime, datetime]] = []
    for start, end in intervals:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _offset_pieces(
    tz: tzinfo, lo: datetime, hi: datetime
) -> list[tuple[datetime, datetime, timedelta]]:
    """Split ``[lo, hi)`` (UTC) into stretches of constant UTC offset in ``tz``.

    zoneinfo has no public list of transitions, so the offset is sampled and every change
    is located exactly by bisection.
    """
    pieces: list[tuple[datetime, datetime, timedelta]] = []
    piece_lo, current = lo, _offset(tz, lo)
    probe = lo
    while probe < hi:
        sample = min(probe + _OFFSET_SAMPLE, hi)
        while _offset(tz, sample) != current:
            change = _first_change(tz, probe, sample, current)
            pieces.append((piece_lo, change, current))
            piece_lo, current, probe = change, _offset(tz, change), change
        probe = sample
    if piece_lo < hi:
        pieces.append((piece_lo, hi, current))
    return pieces


def _first_change(tz: tzinfo, lo: datetime, hi: datetime, lo_offset: timedelta) -> datetime:
    """The first instant in ``(lo, hi]`` whose offset differs from ``lo_offset``.

    Assumes the offset at ``lo`` is ``lo_offset`` and at ``hi`` is not; exact to the
    microsecond.
    """
    while hi - lo > timedelta(microseconds=1):
        mid = lo + (hi - lo) // 2
        if _offset(tz, mid) == lo_offset:
            lo = mid
        else:
            hi = mid
    return hi


def _offset(tz: tzinfo, moment: datetime) -> timedelta:
    """The UTC offset ``tz`` had at the UTC instant ``moment``."""
    offset = moment.astimezone(tz).utcoffset()
    assert offset is not None  # astimezone() into a tzinfo always yields an offset
    return offset


def _as_utc(moment: datetime, name: str) -> datetime:
    """``moment`` in UTC; a naive datetime is refused because its instant is unknown."""
    if not isinstance(moment, datetime):
        raise ValueError(f"{name} must be a datetime, got {moment!r}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {moment.isoformat()}")
    return moment.astimezone(UTC)


def _validated_segments(weekday: int, segments: Sequence[Segment]) -> tuple[Segment, ...]:
    """The weekday's segments as a tuple, or ValueError naming what is wrong."""
    day = _WEEKDAY_NAMES[weekday]
    result: list[Segment] = []
    previous_end: timedelta | None = None
    for segment in segments:
        if len(segment) != 2 or not all(isinstance(t, time) for t in segment):
            raise ValueError(f"{day}: a segment is a (start, end) pair of times, "
                             f"got {segment!r}")
        start, end = segment
        if start.tzinfo is not None or end.tzinfo is not None:
            raise ValueError(f"{day}: segment times are local wall-clock times and take "
                             f"no tzinfo, got {segment!r}")
        start_offset, end_offset = _as_offset(start), _as_offset(end, is_end=True)
        label = f"{_hhmm(start)}–{_hhmm(end, is_end=True)}"
        if start_offset >= end_offset:
            raise ValueError(f"{day}: segment {label} must start before it ends "
                             f"(a night shift is two segments on consecutive days)")
        if previous_end is not None and start_offset < previous_end:
            raise ValueError(f"{day}: segment {label} overlaps or comes before the "
                             f"previous one; list segments in order without overlap")
        previous_end = end_offset
        result.append((start, end))
    return tuple(result)


def _as_offset(moment: time, *, is_end: bool = False) -> timedelta:
    """A time of day as the offset from midnight; as an end, ``time(0)`` is 24:00."""
    if is_end and moment == time(0):
        return _DAY
    return timedelta(hours=moment.hour, minutes=moment.minute, seconds=moment.second,
                     microseconds=moment.microsecond)


def _hhmm(moment: time, *, is_end: bool = False) -> str:
    """A segment time for error messages: 08:00, 24:00, 08:00:30."""
    if is_end and moment == time(0):
        return "24:00"
    return moment.isoformat(timespec="seconds" if moment.second else "minutes")
