"""Business-time arithmetic (itsm/business_time.py): pure tests, no database.

Fixed cases pin the examples from the SLA issue; property tests check the invariants over
generated calendars, holidays, zones and DST transitions. Together the round trip, the
"minute before the deadline is working time" property and the brute-force check of
`business_minutes_between` determine `add_business_minutes` completely: a later answer
would end in non-working time, an earlier one would hold too few working minutes.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from itsm.base.business_time import (
    WorkingCalendar,
    add_business_minutes,
    business_minutes_between,
    is_working_time,
    next_working_moment,
)
from tests.factories import BERLIN, berlin

OFFICE = ((time(8), time(18)),)
WITH_LUNCH = ((time(8), time(12)), (time(13), time(17)))


def weekdays(*segments: tuple[time, time], holidays: frozenset[date] = frozenset(),
             tz: ZoneInfo = BERLIN) -> WorkingCalendar:
    """Monday to Friday with the given segments."""
    return WorkingCalendar(tz=tz, week=dict.fromkeys(range(5), segments), holidays=holidays)



# --- The fixed cases -------------------------------------------------------------

def test_four_hour_target_created_monday_17_is_due_tuesday_11():
    due = add_business_minutes(weekdays(*OFFICE), berlin(2026, 3, 2, 17), 240)
    assert due == berlin(2026, 3, 3, 11)
    assert due.tzinfo is UTC


def test_warning_at_75_percent_is_tuesday_10_not_midnight():
    assert add_business_minutes(weekdays(*OFFICE), berlin(2026, 3, 2, 17), 180) == berlin(
        2026, 3, 3, 10
    )


def test_created_friday_16_before_a_monday_holiday_is_due_tuesday_10():
    # Easter Monday 2026 is 6 April.
    cal = weekdays(*OFFICE, holidays=frozenset({date(2026, 4, 6)}))
    assert add_business_minutes(cal, berlin(2026, 4, 3, 16), 240) == berlin(2026, 4, 7, 10)


def test_target_across_spring_forward_uses_each_dates_offset():
    created = berlin(2026, 3, 27, 17)
    due = add_business_minutes(weekdays(*OFFICE), created, 8 * 60)
    local = due.astimezone(BERLIN)
    assert local.replace(tzinfo=None) == datetime(2026, 3, 30, 15)
    assert created.utcoffset() == timedelta(hours=1)
    assert local.utcoffset() == timedelta(hours=2)
    assert due == datetime(2026, 3, 30, 13, tzinfo=UTC)


def test_target_across_fall_back_uses_each_dates_offset():
    created = berlin(2026, 10, 23, 17)
    due = add_business_minutes(weekdays(*OFFICE), created, 8 * 60)
    local = due.astimezone(BERLIN)
    assert local.replace(tzinfo=None) == datetime(2026, 10, 26, 15)
    assert created.utcoffset() == timedelta(hours=2)
    assert local.utcoffset() == timedelta(hours=1)
    assert due == datetime(2026, 10, 26, 14, tzinfo=UTC)


@pytest.mark.parametrize("start", [berlin(2026, 3, 28, 22), berlin(2026, 10, 24, 22)])
def test_always_calendar_adds_exact_utc_minutes_across_dst(start):
    due = add_business_minutes(WorkingCalendar.always(BERLIN), start, 10 * 60)
    assert due == start.astimezone(UTC) + timedelta(hours=10)
    # The wall clock moved 9 or 11 hours: only the real elapsed time counts.
    assert due.astimezone(BERLIN).replace(tzinfo=None) != start.replace(tzinfo=None) + timedelta(
        hours=10
    )


def test_lunch_break_is_skipped():
    cal = weekdays(*WITH_LUNCH)
    assert add_business_minutes(cal, berlin(2026, 3, 2, 11), 120) == berlin(2026, 3, 2, 14)
    assert business_minutes_between(cal, berlin(2026, 3, 2, 11), berlin(2026, 3, 2, 14)) == 120


def test_start_on_a_holiday_starts_the_clock_next_working_morning():
    cal = weekdays(*OFFICE, holidays=frozenset({date(2026, 5, 1)}))  # a Friday
    assert add_business_minutes(cal, berlin(2026, 5, 1, 10), 60) == berlin(2026, 5, 4, 9)


def test_start_at_night_starts_the_clock_next_morning():
    cal = weekdays(*OFFICE)
    assert add_business_minutes(cal, berlin(2026, 3, 3, 2), 60) == berlin(2026, 3, 3, 9)
    assert add_business_minutes(cal, berlin(2026, 3, 3, 22), 60) == berlin(2026, 3, 4, 9)


def test_weekend_is_skipped():
    assert add_business_minutes(weekdays(*OFFICE), berlin(2026, 3, 6, 17), 120) == berlin(
        2026, 3, 9, 9
    )


def test_deadline_exactly_at_segment_end_stays_at_18_00():
    cal = weekdays(*OFFICE)
    assert add_business_minutes(cal, berlin(2026, 3, 2, 8), 600) == berlin(2026, 3, 2, 18)
    assert add_business_minutes(cal, berlin(2026, 3, 2, 17), 60) == berlin(2026, 3, 2, 18)
    # The lunch break's start is a segment end too.
    assert add_business_minutes(weekdays(*WITH_LUNCH), berlin(2026, 3, 2, 8), 240) == berlin(
        2026, 3, 2, 12
    )


def test_zero_minutes_is_the_next_working_moment():
    cal = weekdays(*OFFICE)
    assert add_business_minutes(cal, berlin(2026, 3, 2, 10), 0) == berlin(2026, 3, 2, 10)
    assert add_business_minutes(cal, berlin(2026, 3, 2, 18), 0) == berlin(2026, 3, 3, 8)
    assert next_working_moment(cal, berlin(2026, 3, 6, 18)) == berlin(2026, 3, 9, 8)


def test_start_given_in_another_zone_is_the_same_instant():
    start = berlin(2026, 3, 2, 17)
    in_new_york = start.astimezone(ZoneInfo("America/New_York"))
    cal = weekdays(*OFFICE)
    assert add_business_minutes(cal, in_new_york, 240) == add_business_minutes(cal, start, 240)


def test_fractional_minutes():
    due = add_business_minutes(weekdays(*OFFICE), berlin(2026, 3, 2, 8), 0.5)
    assert due == berlin(2026, 3, 2, 8, 0, 30)


def test_long_target_of_a_working_year_loops_per_week_not_per_minute():
    cal = weekdays(*OFFICE)
    start = berlin(2026, 1, 5, 8)  # a Monday; the year crosses both DST changes
    due = add_business_minutes(cal, start, 52 * 5 * 600)
    assert due == berlin(2027, 1, 1, 18)  # the Friday of the 52nd week
    assert business_minutes_between(cal, start, due) == 52 * 5 * 600


# --- DST edges: segments are wall-clock times -------------------------------------------

def test_spring_forward_gap_shortens_a_segment_that_covers_it():
    cal = WorkingCalendar(BERLIN, dict.fromkeys(range(7), ((time(1), time(4)),)))
    day, next_day = berlin(2026, 3, 29), berlin(2026, 3, 30)
    assert business_minutes_between(cal, day, next_day) == 120
    assert add_business_minutes(cal, day, 120) == berlin(2026, 3, 29, 4)


def test_segment_starting_in_the_gap_starts_when_the_clock_jumps():
    cal = WorkingCalendar(BERLIN, dict.fromkeys(range(7), ((time(2, 30), time(4)),)))
    assert next_working_moment(cal, berlin(2026, 3, 29)) == datetime(2026, 3, 29, 1, tzinfo=UTC)
    assert business_minutes_between(cal, berlin(2026, 3, 29), berlin(2026, 3, 30)) == 60


def test_segment_wholly_inside_the_gap_has_no_working_time():
    cal = WorkingCalendar(BERLIN, dict.fromkeys(range(7), ((time(2), time(3)),)))
    assert business_minutes_between(cal, berlin(2026, 3, 29), berlin(2026, 3, 30)) == 0
    assert next_working_moment(cal, berlin(2026, 3, 29)) == berlin(2026, 3, 30, 2)


def test_fall_back_repeated_hour_is_worked_twice():
    cal = WorkingCalendar(BERLIN, dict.fromkeys(range(7), ((time(1), time(4)),)))
    assert business_minutes_between(cal, berlin(2026, 10, 25), berlin(2026, 10, 26)) == 240
    assert add_business_minutes(cal, berlin(2026, 10, 25), 240) == datetime(
        2026, 10, 25, 3, tzinfo=UTC
    )


def test_office_hours_are_ten_hours_on_dst_days_too():
    cal = WorkingCalendar.always(BERLIN)
    office = WorkingCalendar(BERLIN, dict.fromkeys(range(7), OFFICE))
    for day in (date(2026, 3, 29), date(2026, 10, 25)):
        start = datetime.combine(day, time(0), BERLIN)
        end = datetime.combine(day + timedelta(days=1), time(0), BERLIN)
        assert business_minutes_between(office, start, end) == 600
        assert business_minutes_between(cal, start, end) in (23 * 60, 25 * 60)


def test_night_shift_over_midnight_is_one_stretch():
    cal = WorkingCalendar(BERLIN, {0: ((time(22), time(0)),), 1: ((time(0), time(6)),)})
    assert add_business_minutes(cal, berlin(2026, 3, 2, 23), 120) == berlin(2026, 3, 3, 1)
    assert add_business_minutes(cal, berlin(2026, 3, 2, 22), 60) == berlin(2026, 3, 2, 23)
    assert is_working_time(cal, berlin(2026, 3, 3, 0))


# --- is_working_time and business_minutes_between ---------------------------------------

def test_is_working_time_includes_segment_start_and_excludes_its_end():
    cal = weekdays(*OFFICE, holidays=frozenset({date(2026, 3, 4)}))
    assert is_working_time(cal, berlin(2026, 3, 2, 8))
    assert is_working_time(cal, berlin(2026, 3, 2, 17, 59, 59, 999999))
    assert not is_working_time(cal, berlin(2026, 3, 2, 18))
    assert not is_working_time(cal, berlin(2026, 3, 2, 7, 59))
    assert not is_working_time(cal, berlin(2026, 3, 4, 12))  # holiday
    assert not is_working_time(cal, berlin(2026, 3, 7, 12))  # Saturday


def test_business_minutes_between_counts_working_time_only():
    cal = weekdays(*OFFICE)
    assert business_minutes_between(cal, berlin(2026, 3, 2, 17), berlin(2026, 3, 3, 11)) == 240
    assert business_minutes_between(cal, berlin(2026, 3, 6, 12), berlin(2026, 3, 9, 12)) == 600


def test_business_minutes_between_is_zero_when_end_is_not_after_start():
    cal = weekdays(*OFFICE)
    assert business_minutes_between(cal, berlin(2026, 3, 2, 12), berlin(2026, 3, 2, 12)) == 0
    assert business_minutes_between(cal, berlin(2026, 3, 2, 12), berlin(2026, 3, 2, 10)) == 0


# --- Validation: errors say what is wrong -----------------------------------------------

@pytest.mark.parametrize(("segments", "message"), [
    (((time(8), time(12)), (time(11), time(13))), "overlaps"),
    (((time(13), time(17)), (time(8), time(12))), "overlaps or comes before"),
    (((time(18), time(8)),), "must start before it ends"),
    (((time(8), time(8)),), "must start before it ends"),
    (((time(8),),), r"\(start, end\) pair"),
])
def test_invalid_segments_are_refused_with_the_problem_named(segments, message):
    with pytest.raises(ValueError, match=message):
        WorkingCalendar(BERLIN, {0: segments})


def test_touching_segments_and_an_end_of_midnight_are_valid():
    cal = WorkingCalendar(BERLIN, {0: ((time(8), time(12)), (time(12), time(0)))})
    assert business_minutes_between(cal, berlin(2026, 3, 2), berlin(2026, 3, 3)) == 16 * 60


def test_weekday_out_of_range_is_refused():
    with pytest.raises(ValueError, match="weekdays 0"):
        WorkingCalendar(BERLIN, {7: OFFICE})


def test_naive_datetimes_are_refused():
    cal = weekdays(*OFFICE)
    with pytest.raises(ValueError, match="timezone-aware"):
        add_business_minutes(cal, datetime(2026, 3, 2, 8), 60)
    with pytest.raises(ValueError, match="timezone-aware"):
        business_minutes_between(cal, berlin(2026, 3, 2, 8), datetime(2026, 3, 2, 9))
    with pytest.raises(ValueError, match="timezone-aware"):
        is_working_time(cal, datetime(2026, 3, 2, 8))


@pytest.mark.parametrize("minutes", [-1, math.nan, math.inf])
def test_negative_or_non_finite_targets_are_refused(minutes):
    with pytest.raises(ValueError, match="minutes"):
        add_business_minutes(weekdays(*OFFICE), berlin(2026, 3, 2, 8), minutes)


def test_calendar_without_working_hours_raises_instead_of_looping():
    with pytest.raises(ValueError, match="no working hours"):
        add_business_minutes(WorkingCalendar(BERLIN, {}), berlin(2026, 3, 2), 60)


def test_calendar_whose_working_days_are_all_holidays_gives_up_after_years():
    mondays = frozenset(date(2026, 3, 2) + timedelta(weeks=n) for n in range(52 * 4))
    cal = WorkingCalendar(BERLIN, {0: OFFICE}, holidays=mondays)
    with pytest.raises(ValueError, match="no working time"):
        next_working_moment(cal, berlin(2026, 3, 1))


# --- Properties over generated calendars -------------------------------------------------

ZONES = ["Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "UTC"]
# Local dates of DST changes in the zones above, to start near them often.
DST_DATES = [
    date(2026, 3, 29), date(2026, 10, 25),  # Europe
    date(2026, 3, 8), date(2026, 11, 1),  # United States
    date(2026, 4, 5), date(2026, 10, 4),  # Australia
]
# The autouse settings fixtures in conftest.py are harmless here: nothing reads them.
PROPERTY = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@st.composite
def day_segments(draw) -> tuple[tuple[time, time], ...]:
    """0–3 ordered segments on a minute grid; an end of 24:00 is written time(0)."""
    bounds = sorted(draw(st.sets(st.integers(0, 1440), max_size=6)))

    def as_time(minute: int) -> time:
        return time(0) if minute == 1440 else time(minute // 60, minute % 60)

    return tuple((as_time(a), as_time(b)) for a, b in zip(bounds[::2], bounds[1::2],
                                                            strict=False))


@st.composite
def scenarios(draw) -> tuple[WorkingCalendar, datetime]:
    """A calendar with some working time, and a minute-aligned start near its holidays."""
    tz = ZoneInfo(draw(st.sampled_from(ZONES)))
    week = dict(enumerate(draw(st.lists(day_segments(), min_size=7, max_size=7))))
    assume(any(week.values()))
    anchor = draw(st.one_of(
        st.sampled_from(DST_DATES),
        st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31)),
    ))
    start = datetime.combine(anchor, time(0), tz) + timedelta(
        minutes=draw(st.integers(-3 * 1440, 3 * 1440))
    )
    holidays = frozenset(
        anchor + timedelta(days=n) for n in draw(st.sets(st.integers(-2, 20), max_size=8))
    )
    return WorkingCalendar(tz, week, holidays), start


targets = st.integers(0, 6000)


@PROPERTY
@given(scenarios(), targets, targets)
def test_deadlines_are_monotonic_in_the_target(scenario, t1, t2):
    cal, start = scenario
    t1, t2 = sorted((t1, t2))
    assert add_business_minutes(cal, start, t1) <= add_business_minutes(cal, start, t2)


@PROPERTY
@given(scenarios(), st.floats(min_value=0.01, max_value=6000))
def test_deadline_ends_working_time(scenario, minutes):
    """The deadline is inside a segment or at its end: the moment before it is working."""
    cal, start = scenario
    due = add_business_minutes(cal, start, minutes)
    assert due > start
    assert is_working_time(cal, due - timedelta(microseconds=1))


@PROPERTY
@given(scenarios(), st.one_of(targets, st.floats(min_value=0, max_value=6000)))
def test_round_trip_between_start_and_deadline(scenario, minutes):
    cal, start = scenario
    due = add_business_minutes(cal, start, minutes)
    assert business_minutes_between(cal, start, due) == pytest.approx(minutes, abs=1e-6)


@PROPERTY
@given(scenarios(), targets, st.integers(1, 6000))
def test_adding_in_two_steps_equals_adding_at_once(scenario, a, b):
    cal, start = scenario
    assert add_business_minutes(cal, add_business_minutes(cal, start, a), b) == (
        add_business_minutes(cal, start, a + b)
    )


@PROPERTY
@given(scenarios(), targets)
def test_adding_zero_after_a_deadline_moves_to_the_next_working_moment(scenario, a):
    """The one exception to additivity: a deadline at a segment end (18:00) stays there,
    while adding 0 minutes to it starts the clock again (08:00 next working day)."""
    cal, start = scenario
    due = add_business_minutes(cal, start, a)
    again = add_business_minutes(cal, due, 0)
    assert again == next_working_moment(cal, due)
    assert again == due or not is_working_time(cal, due)


@PROPERTY
@given(scenarios(), targets)
def test_deadline_uses_the_zones_historical_offset(scenario, minutes):
    cal, start = scenario
    due = add_business_minutes(cal, start, minutes)
    assert due.utcoffset() == timedelta(0)
    local = due.astimezone(cal.tz)
    # The local wall-clock reading maps back, with the zone's own rules, to the instant.
    relabelled = local.replace(tzinfo=None).replace(tzinfo=cal.tz, fold=local.fold)
    assert relabelled.utcoffset() == local.utcoffset()
    assert relabelled.astimezone(UTC) == due


def _brute_force_minutes(cal: WorkingCalendar, start: datetime, minutes: int) -> int:
    """Working minutes counted one minute at a time from the wall clock: the reference."""
    count = 0
    for step in range(minutes):
        local = (start + timedelta(minutes=step)).astimezone(cal.tz)
        if local.date() in cal.holidays:
            continue
        minute_of_day = local.hour * 60 + local.minute
        for seg_start, seg_end in cal.week.get(local.weekday(), ()):
            end = 1440 if seg_end == time(0) else seg_end.hour * 60 + seg_end.minute
            if seg_start.hour * 60 + seg_start.minute <= minute_of_day < end:
                count += 1
                break
    return count


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenarios(), st.integers(0, 2 * 1440))
def test_business_minutes_between_matches_minute_by_minute_count(scenario, span):
    cal, start = scenario
    start = start.astimezone(UTC)  # steps of real minutes, not of the wall clock
    end = start + timedelta(minutes=span)
    assert business_minutes_between(cal, start, end) == _brute_force_minutes(cal, start, span)


def test_a_round_the_clock_calendar_keeps_the_holidays_it_is_given():
    christmas = date(2026, 12, 25)
    always = WorkingCalendar.always(BERLIN, holidays=[christmas])
    assert christmas in always.holidays
    assert not is_working_time(always, berlin(2026, 12, 25, 12))
    assert is_working_time(always, berlin(2026, 12, 24, 23, 30))
    # An hour that starts at 23:30 on Christmas Eve ends at 00:30 on Boxing Day.
    assert add_business_minutes(always, berlin(2026, 12, 24, 23, 30), 60) == berlin(
        2026, 12, 26, 0, 30)
    assert not always.is_round_the_clock
    assert WorkingCalendar.always(BERLIN).is_round_the_clock
