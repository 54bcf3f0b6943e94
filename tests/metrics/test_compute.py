"""Every KPI the tickets feed, against a hand-built fixture with the expected values
written out (DESIGN.md §4). The organisation is in Berlin; "now" is 2026-06-15 12:00.

The tickets (all incidents, P3; "office" is Mon–Fri 08–18 Berlin with an SLA of 1 h
to respond and 4 business hours to resolve; "printing" has no SLA, so its clock runs
around the clock):

T5  printing, created Fri 02-20 10:00, never touched: open throughout.
T6  printing, created Wed 02-25 09:00, started 09:15, resolved Thu 03-05 09:00:
    192 h (8 days), responded in February.
T1  office,   created Mon 03-02 09:00, started 09:30, on hold Tue 09:00–10:00,
    resolved Tue 03-03 12:00: 27 h wall; business Mon 9 h + Tue 4 h − 1 h held = 12 h;
    resolution due Mon 13:00, so breached.
T2  printing, created Sat 03-28 12:00, started 13:00, resolved Sun 03-29 12:00 across
    the spring-forward night: 23 h, not 24.
T3  office,   created Wed 03-04 10:00, started 10:30, resolved 14:00, reopened Fri
    03-06 09:00, resolved again Thu 04-02 10:00: counted in April (its last
    resolution), 29 days less the lost hour = 695 h wall; reopened.
T4  office,   created Tue 03-10 09:00, started 09:30, moved to another team 10:00,
    resolved 12:00: 3 h, within its SLA, not resolved by its first team.

Their requesters were asked at the first resolution: T6 answered 2 on 03-06, T1 3 on
04-01, T3 4 on 03-04, T4 5 on 03-10; T2 never answered; T5 was never asked.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine

from itsm.services import update_ticket
from metrics import compute, surveys
from metrics.definitions import BY_KEY, Granularity
from metrics.models import KpiMark, KpiValue, Survey

from .conftest import NOW, b, resolve, start


def value(kpi, month, dimension="overall", key="", granularity=Granularity.MONTH):
    found = KpiValue.objects.filter(kpi=kpi, granularity=granularity, dimension=dimension,
                                    key=str(key), period_start=month).first()
    return None if found is None else (round(found.value, 6), found.numerator,
                                       found.denominator)


FEB, MAR, APR, MAY, JUN = (date(2026, m, 1) for m in (2, 3, 4, 5, 6))


@pytest.mark.django_db
def test_mean_time_to_resolve_counts_each_ticket_in_the_month_of_its_last_resolution(desk):
    # March: T6 192 + T1 27 + T2 23 (the DST night) + T4 3 = 245 h over 4.
    assert value("mttr", MAR) == (61.25, 245.0, 4.0)
    # April: T3 alone, 03-04 10:00 CET to 04-02 10:00 CEST.
    assert value("mttr", APR) == (695.0, 695.0, 1.0)
    assert value("mttr", FEB) is None  # nothing resolved: no value, not zero
    assert value("mttr", MAY) is None


@pytest.mark.django_db
def test_business_time_to_resolve_follows_the_sla_calendar_less_the_hold(desk):
    # March: T6 192 (no SLA) + T1 12 + T2 23 (no SLA) + T4 3 = 230 h over 4.
    assert value("mttr_business", MAR) == (57.5, 230.0, 4.0)
    # T3: office hours from Wed 03-04 10:00 to Thu 04-02 10:00 = 21 working days of
    # 10 h, none on hold.
    assert value("mttr_business", APR) == (210.0, 210.0, 1.0)


@pytest.mark.django_db
def test_response_time_counts_in_the_month_of_the_response(desk):
    # February: T6 15 min. March: T1 0.5, T2 1, T3 0.5, T4 0.5 h.
    assert value("response_time", FEB) == (0.25, 0.25, 1.0)
    assert value("response_time", MAR) == (0.625, 2.5, 4.0)


@pytest.mark.django_db
def test_sla_compliance_counts_only_tickets_with_an_sla(desk):
    # Resolved in March with an SLA: T1 (breached) and T4 (in time).
    assert value("sla_compliance_resolution", MAR) == (50.0, 1.0, 2.0)
    assert value("sla_compliance_resolution", APR) == (0.0, 0.0, 1.0)  # T3 took weeks
    # Responded in March with an SLA: T1, T3, T4, each within the hour.
    assert value("sla_compliance_response", MAR) == (100.0, 3.0, 3.0)


@pytest.mark.django_db
def test_first_contact_resolution_and_reassignment_share(desk):
    # March: T4 moved between teams; T6, T1, T2 stayed with their first team.
    assert value("fcr", MAR) == (75.0, 3.0, 4.0)
    assert value("reassignment_share", MAR) == (25.0, 1.0, 4.0)


@pytest.mark.django_db
def test_the_reopen_rate_sees_a_reopened_ticket_in_the_month_it_was_last_resolved(desk):
    assert value("reopen_rate", MAR) == (0.0, 0.0, 4.0)
    assert value("reopen_rate", APR) == (100.0, 1.0, 1.0)


@pytest.mark.django_db
def test_volumes_created_and_resolved(desk):
    assert value("volume_created", FEB) == (2.0, 2.0, None)
    assert value("volume_created", MAR) == (4.0, 4.0, None)
    assert value("volume_created", APR) is None
    assert value("volume_resolved", MAR) == (4.0, 4.0, None)


@pytest.mark.django_db
def test_the_backlog_at_month_end_counts_tickets_opened_before_the_month(desk):
    # End of February: T5 and T6 open, aged 206 h (02-20 10:00 to 03-01 00:00) and
    # 87 h (02-25 09:00 to 03-01 00:00).
    assert value("backlog", FEB) == (2.0, 2.0, None)
    assert value("backlog_age", FEB) == (146.5, 293.0, 2.0)
    # End of March: T5, and T3 (reopened on the 6th, resolved in April).
    assert value("backlog", MAR) == (2.0, 2.0, None)
    # End of May: T5 alone, though nothing happened in May.
    assert value("backlog", MAY) == (1.0, 1.0, None)
    # June is the current month: its level is now's.
    t5_age = NOW.timestamp() / 3600 - b(2026, 2, 20, 10).timestamp() / 3600
    assert value("backlog_age", JUN)[0] == pytest.approx(t5_age)


@pytest.mark.django_db
def test_a_ticket_moved_between_teams_counts_for_the_team_that_has_it(desk):
    other = desk["other_team"].pk
    assert value("mttr", MAR, "team", other) == (3.0, 3.0, 1.0)
    assert value("fcr", MAR, "team", other) == (0.0, 0.0, 1.0)
    first = desk["office"].owner_team_id
    assert value("mttr", MAR, "team", first) == (80.666667, 242.0, 3.0)


@pytest.mark.django_db
def test_values_by_service_and_by_week(desk):
    office = desk["office"].pk
    assert value("mttr", MAR, "service", office) == (15.0, 30.0, 2.0)  # T1 27 + T4 3
    # The week of Monday 03-23 holds T2's resolution on Sunday 03-29.
    assert value("mttr", date(2026, 3, 23), granularity=Granularity.WEEK) == (23.0, 23.0, 1.0)
    assert value("volume_created", date(2026, 3, 28), granularity=Granularity.DAY) == (
        1.0, 1.0, None)


@pytest.mark.django_db
def test_satisfaction_counts_answers_in_the_month_received_and_surveys_in_the_month_sent(
        desk):
    # Answered in March: T6 2, T3 4, T4 5 = 11 over 3; T1's April answer is April's.
    assert value("csat", MAR) == (3.666667, 11.0, 3.0)
    assert value("csat", APR) == (3.0, 3.0, 1.0)
    # Rated 4 or 5 in March: T3 and T4 of the three.
    assert value("csat_satisfied", MAR) == (66.666667, 2.0, 3.0)
    assert value("csat_satisfied", APR) == (0.0, 0.0, 1.0)
    # Sent in March: T6, T1, T2, T3, T4; answered (whenever): all but T2.
    assert value("survey_response_rate", MAR) == (80.0, 4.0, 5.0)
    assert value("survey_response_rate", APR) is None  # none sent
    # By team: T4 was resolved by the other team.
    other = desk["other_team"].pk
    assert value("csat", MAR, "team", other) == (5.0, 5.0, 1.0)


@pytest.mark.django_db
def test_an_answer_marks_its_days_and_the_refresh_equals_a_recompute(desk):
    with time_machine.travel(NOW, tick=False):
        survey = Survey.objects.get(ticket=desk["t2"])
        # Reopened for answers: the fixture's surveys closed long ago.
        Survey.objects.filter(pk=survey.pk).update(expires_at=NOW + timedelta(days=1))
        surveys.answer(survey, rating=1, comment="Never fixed.")
    marked = set(KpiMark.objects.filter(dimension="overall").values_list("part", "day"))
    # The day it was sent (its response rate) and today's (its answer); a value of the
    # ticket changed, so each other family's day too, and no family on another's day.
    assert {("surveyed", date(2026, 3, 29)), ("answered", NOW.date()),
            ("resolved", date(2026, 3, 29)), ("created", date(2026, 3, 28))} <= marked
    assert ("answered", date(2026, 3, 29)) not in marked
    assert_refresh_equals_recompute()
    assert value("survey_response_rate", MAR) == (100.0, 5.0, 5.0)
    assert value("csat", JUN) == (1.0, 1.0, 1.0)


@pytest.mark.django_db
def test_kpis_fed_elsewhere_have_no_values_yet(desk):
    for key in ("routine_completion",):
        assert not BY_KEY[key].computed
        assert not KpiValue.objects.filter(kpi=key).exists()


@pytest.mark.django_db
def test_recompute_is_idempotent(desk):
    before = set(KpiValue.objects.values_list("kpi", "granularity", "dimension", "key",
                                              "period_start", "value"))
    with time_machine.travel(NOW, tick=False):
        compute.recompute()
    after = set(KpiValue.objects.values_list("kpi", "granularity", "dimension", "key",
                                             "period_start", "value"))
    assert after == before


def stored():
    return {row[:5]: pytest.approx(row[5]) for row in KpiValue.objects.values_list(
        "kpi", "granularity", "dimension", "key", "period_start", "value")}


def assert_refresh_equals_recompute():
    """Refresh what is marked, then recompute everything: the same values."""
    compute.refresh(now=NOW)
    assert not KpiMark.objects.exists()
    incremental = stored()
    KpiValue.objects.all().delete()
    compute.recompute(now=NOW)
    assert stored() == incremental


@pytest.mark.django_db
def test_the_incremental_refresh_gives_what_a_full_recompute_gives(desk, agent):
    """T5 is resolved, T3 moves to another service: the marks recompute just the
    periods and slices that changed, and the result equals recomputing everything."""
    with time_machine.travel(NOW, tick=False):
        start(desk["t5"], agent, b(2026, 6, 10, 8))
        resolve(desk["t5"], agent, b(2026, 6, 10, 9))
        update_ticket(desk["t3"], actor=agent, service=desk["printing"])
    # Overall: the days of T5's and T3's moments (their facts changed: T3's business
    # time without an SLA) for the events, and June 10 to now (T5's resolution) for
    # the backlog; nothing else.
    overall = KpiMark.objects.filter(dimension="overall")
    assert set(overall.filter(part__in=compute.EVENT_PARTS).values_list("day", flat=True)) == {
        date(2026, 2, 20), date(2026, 3, 4), date(2026, 4, 2), date(2026, 6, 10)}
    # Each family on the day of its own moment: T5 is created on 02-20 and resolved on
    # 06-10, so its resolutions are not recounted on the day it was created.
    assert overall.filter(part="created", day=date(2026, 2, 20)).exists()
    assert not overall.filter(part="resolved", day=date(2026, 2, 20)).exists()
    assert set(overall.filter(part="levels").values_list("day", flat=True)) == {
        date(2026, 6, day) for day in range(10, 16)}
    # T3 left "office": every day of its life, from March 4th to now, for its levels.
    office = KpiMark.objects.filter(dimension="service", key=str(desk["office"].pk))
    assert office.filter(part="levels").count() == (NOW.date() - date(2026, 3, 4)).days + 1
    assert not KpiMark.objects.filter(part="availability").exists()
    assert_refresh_equals_recompute()
    assert value("mttr", JUN) is not None
    assert value("backlog", JUN) is None  # nothing open any more


@pytest.mark.django_db
def test_every_kind_of_write_refreshes_to_what_a_full_recompute_gives(desk, agent):
    """A reopen long after the resolution (the backlog of every day since changes), a
    priority change (the ticket's whole life moves between slices), time logged, an
    outage: the marked days and the weeks and months holding them, recomputed, equal
    recomputing everything."""
    from itsm import effort, outages
    from itsm.workflow import transition

    from .conftest import S

    with time_machine.travel(NOW, tick=False):
        transition(desk["t6"], S.IN_PROGRESS, actor=agent, when=b(2026, 5, 20, 9),
                   note="It broke again")
        update_ticket(desk["t4"], actor=agent, impact=1, urgency=1)
        effort.log_time(desk["t1"], person=agent, minutes=90, worked_on=date(2026, 3, 3))
        outages.record(actor=agent, service=desk["office"], started_at=b(2026, 4, 7, 9),
                       ended_at=b(2026, 4, 7, 11))
    assert KpiMark.objects.filter(part="levels", dimension="overall",
                                  day=date(2026, 5, 20)).exists()
    moved = KpiMark.objects.filter(dimension="priority", part="resolved", day=date(2026, 3, 10))
    assert set(moved.values_list("key", flat=True)) == {"1", "3"}  # T4: P3 → P1
    assert KpiMark.objects.filter(part="effort").exists()
    assert KpiMark.objects.filter(part="availability").exists()
    assert_refresh_equals_recompute()
    assert value("backlog", date(2026, 5, 20), granularity=Granularity.DAY) == (2.0, 2.0, None)


@pytest.mark.django_db
def test_running_sums_and_the_direct_count_agree_on_every_day(desk):
    tz = compute.organisation_tz()
    first, last = date(2026, 2, 1), NOW.astimezone(tz).date()
    for dimension in ("overall", "service", "team"):
        walked = {(f.kpi.key, f.period_start, f.key): (f.numerator, f.denominator)
                  for f in compute.level_figures(dimension, first, last, now=NOW)}
        direct = {(f.kpi.key, f.period_start, f.key): (f.numerator, f.denominator)
                  for day in compute.periods.starts(first, last, Granularity.DAY)
                  for f in compute.level_figures_at(Granularity.DAY, dimension, day, now=NOW)}
        assert walked.keys() == direct.keys()
        for name, (numerator, denominator) in direct.items():
            assert walked[name] == (pytest.approx(numerator), denominator), (dimension, name)


@pytest.mark.django_db
def test_weeks_and_months_are_their_days_added_up_and_their_last_days_levels(desk):
    """A stored week or month sums its days' numerators and denominators, and its
    backlog is the one counted directly at its end (for the current one: now)."""
    tz = compute.organisation_tz()
    days = KpiValue.objects.filter(granularity="day")
    for granularity in (Granularity.WEEK, Granularity.MONTH):
        stored = KpiValue.objects.filter(granularity=granularity)
        assert stored.exists()
        for row in stored.exclude(kpi__in=compute.LEVEL_KPIS):
            hi = compute.periods.next_start(row.period_start, granularity)
            its_days = days.filter(kpi=row.kpi, dimension=row.dimension, key=row.key,
                                   period_start__gte=row.period_start, period_start__lt=hi)
            numerator = sum(day.numerator for day in its_days)
            assert row.numerator == pytest.approx(numerator), row
            if row.denominator is not None:
                assert row.denominator == pytest.approx(
                    sum(day.denominator for day in its_days)), row
        for dimension in ("overall", "service"):
            for first in compute.periods.starts(date(2026, 2, 1), NOW.astimezone(tz).date(),
                                                granularity):
                direct = {(f.kpi.key, f.key): f.numerator for f in compute.level_figures_at(
                    granularity, dimension, first, now=NOW)}
                assert {(row.kpi, row.key): row.numerator for row in stored.filter(
                    kpi__in=compute.LEVEL_KPIS, dimension=dimension, period_start=first)
                } == pytest.approx(direct), (granularity, dimension, first)


@pytest.mark.django_db
def test_a_broker_outage_loses_no_kpi_update(desk, agent, monkeypatch,
                                             django_capture_on_commit_callbacks):
    """The refresh cannot be queued: the save stands, its marks wait, and the next
    periodic run recomputes them."""
    from metrics import tasks

    def refused(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.refresh_kpis_task, "apply_async", refused)
    with time_machine.travel(NOW, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            start(desk["t5"], agent, b(2026, 6, 10, 8))
            resolve(desk["t5"], agent, b(2026, 6, 10, 9))
        assert KpiMark.objects.exists()
        assert value("volume_resolved", JUN) is None
        assert tasks.refresh_kpis_task() > 0  # what the every-minute beat entry runs
    assert value("volume_resolved", JUN) == (1.0, 1.0, None)
    assert not KpiMark.objects.exists()
