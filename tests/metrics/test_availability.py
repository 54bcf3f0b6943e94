"""Availability: service hours less unplanned outages, clipped and merged (pure), and as
the KPI engine stores it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from hypothesis import given
from hypothesis import strategies as st

from itsm import outages
from itsm.base.business_time import WorkingCalendar, working_intervals
from itsm.models import Outage
from itsm.services import update_ticket
from metrics import compute
from metrics.availability import agreed_and_down, merged, overlap, without
from metrics.models import KpiMark, KpiValue

from .conftest import NOW, b, resolve, start

BERLIN = ZoneInfo("Europe/Berlin")
DAY = (datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 3, tzinfo=UTC))
moments = st.integers(min_value=0, max_value=24 * 60).map(
    lambda minutes: DAY[0] + timedelta(minutes=minutes))
intervals = st.lists(st.tuples(moments, moments).map(sorted).map(tuple), max_size=6)
OFFICE = [(datetime(2026, 3, 2, 8, tzinfo=UTC), datetime(2026, 3, 2, 12, tzinfo=UTC)),
          (datetime(2026, 3, 2, 13, tzinfo=UTC), datetime(2026, 3, 2, 17, tzinfo=UTC))]


@given(intervals)
def test_an_outage_never_counts_twice(outs):
    assert agreed_and_down(OFFICE, outs) == agreed_and_down(OFFICE, outs + outs)
    assert agreed_and_down(OFFICE, outs) == agreed_and_down(OFFICE, merged(outs))


@given(intervals)
def test_down_time_never_falls_outside_service_hours(outs):
    agreed, down = agreed_and_down(OFFICE, outs)
    assert agreed == 8 * 60
    assert 0 <= down <= agreed
    # Only what lies within service hours counts: the lunch hour and the night do not.
    assert down == agreed_and_down(OFFICE, [(max(s, OFFICE[0][0]), min(e, OFFICE[1][1]))
                                            for s, e in outs])[1]


@given(intervals, intervals)
def test_planned_work_is_cut_out_of_outages_exactly(outs, holes):
    kept = without(outs, holes)
    assert overlap(kept, merged(holes)).total_seconds() == 0
    total = sum((end - start for start, end in merged(outs)), timedelta(0))
    assert sum((end - start for start, end in kept), timedelta(0)) + overlap(
        merged(outs), merged(holes)) == total


def test_a_dst_day_has_its_real_length():
    always = WorkingCalendar.always(BERLIN)
    spring = working_intervals(always, datetime(2026, 3, 29, tzinfo=BERLIN),
                               datetime(2026, 3, 30, tzinfo=BERLIN))
    autumn = working_intervals(always, datetime(2026, 10, 25, tzinfo=BERLIN),
                               datetime(2026, 10, 26, tzinfo=BERLIN))
    assert agreed_and_down(spring, [])[0] == 23 * 60
    assert agreed_and_down(autumn, [])[0] == 25 * 60


def availability(month, dimension="overall", key=""):
    found = KpiValue.objects.filter(kpi="availability", granularity="month",
                                    dimension=dimension, key=str(key), period_start=month).first()
    return None if found is None else (round(found.value, 6), found.numerator,
                                       found.denominator)


@pytest.mark.django_db
def test_availability_counts_unplanned_outages_in_service_hours_once(desk, agent):
    """March 2026 in the office calendar: 22 working days of 10 h = 13,200 minutes.
    Tuesday 3rd 09–11 and 10–12 overlap: 3 h down. Saturday 7th 10–12 is outside
    service hours, Wednesday 4th 09–10 was planned: neither counts. (13,200 − 180) /
    13,200 = 98.636 %."""
    office = desk["office"]
    with time_machine.travel(NOW, tick=False):
        for started, ended, planned in ((b(2026, 3, 3, 9), b(2026, 3, 3, 11), False),
                                        (b(2026, 3, 3, 10), b(2026, 3, 3, 12), False),
                                        (b(2026, 3, 7, 10), b(2026, 3, 7, 12), False),
                                        (b(2026, 3, 4, 9), b(2026, 3, 4, 10), True)):
            outages.record(actor=agent, service=office, started_at=started, ended_at=ended,
                           planned=planned)
        assert KpiMark.objects.filter(dimension="service", key=str(office.pk)).exists()
        compute.refresh()
        incremental = availability(date(2026, 3, 1), "service", office.pk)
        compute.recompute()
    assert incremental == availability(date(2026, 3, 1), "service", office.pk) == (
        round(100 * 13020 / 13200, 6), 13020.0, 13200.0)
    assert availability(date(2026, 3, 1)) == incremental  # the only service with an SLA
    assert availability(date(2026, 4, 1), "service", office.pk)[0] == 100.0
    assert availability(date(2026, 3, 1), "service", desk["printing"].pk) is None  # no SLA


@pytest.mark.django_db
def test_an_incident_flagged_as_an_outage_keeps_one_that_follows_its_times(desk, agent):
    incident = desk["t3"]  # office, created 03-04 10:00, resolved 04-02 10:00
    with time_machine.travel(NOW, tick=False):
        update_ticket(incident, actor=agent, is_outage=True)
        outage = Outage.objects.get(ticket=incident)
        assert (outage.service, outage.started_at, outage.ended_at) == (
            desk["office"], b(2026, 3, 4, 10), b(2026, 4, 2, 10))
        assert outage.source == Outage.Source.INCIDENT

        incident.refresh_from_db()
        update_ticket(incident, actor=agent, service=desk["printing"])
        assert Outage.objects.get(ticket=incident).service == desk["printing"]
        update_ticket(incident, actor=agent, is_outage=False)
        assert not Outage.objects.filter(ticket=incident).exists()


@pytest.mark.django_db
def test_the_outage_of_an_open_incident_ends_when_it_is_resolved(desk, agent, requester):
    from tests.factories import log

    with time_machine.travel(NOW, tick=False):
        incident = log(agent, requester, desk["office"], NOW - timedelta(hours=3),
                       is_outage=True)
        assert Outage.objects.get(ticket=incident).ended_at is None
        start(incident, agent, NOW - timedelta(hours=2))
        resolve(incident, agent, NOW - timedelta(hours=1))
        assert Outage.objects.get(ticket=incident).ended_at == NOW - timedelta(hours=1)
        changes = list(Outage.objects.get(ticket=incident).changes.values_list("field", flat=True))
    assert changes == ["created", "ended_at"]


@pytest.mark.django_db
def test_an_outage_cannot_end_before_it_starts_or_be_recorded_by_a_requester(desk, agent,
                                                                            requester):
    from django.core.exceptions import PermissionDenied, ValidationError

    with pytest.raises(ValidationError) as refused:
        outages.record(actor=agent, service=desk["office"], started_at=b(2026, 3, 3, 9),
                       ended_at=b(2026, 3, 3, 8))
    assert "ended_at" in refused.value.message_dict
    with pytest.raises(PermissionDenied):
        outages.record(actor=requester, service=desk["office"], started_at=b(2026, 3, 3, 9))
    assert not Outage.objects.exists()


@pytest.mark.django_db
def test_an_incidents_page_shows_its_outage(client, desk, agent):
    incident = desk["t3"]
    with time_machine.travel(NOW, tick=False):
        update_ticket(incident, actor=agent, is_outage=True)
    client.force_login(agent)
    from itsm import registry

    page = client.get(registry.ticket_url(incident.kind, incident.number)).content.decode()
    assert "Service outage" in page and "Email down from" in page


@pytest.mark.django_db
def test_an_outage_inside_an_approved_changes_window_is_planned(desk, agent, change_manager):
    """March 2026, 13,200 agreed minutes. The outage of Tuesday 3rd 09–12 (180 min)
    overlaps the window of an approved change, 10–11: 60 of its minutes were planned.
    A change still awaiting authorization over 09–10 plans nothing. (13,200 − 120) /
    13,200 = 99.0909 %."""
    from changes import approvals, services
    from changes.models import Change
    from itsm import workflow

    office = desk["office"]

    def change(start, end, *, approve):
        logged = start - timedelta(days=2)
        found = services.create_change(
            actor=agent, title="Patch", service=office, risk_answers={"outage": True},
            implementation_plan="Do.", backout_plan="Undo.", planned_start=start,
            planned_end=end, when=logged)
        for target in ("assessment", "authorization"):
            found = workflow.transition(Change.objects.get(pk=found.pk), target, actor=agent,
                                        when=logged)
        if approve:
            approvals.decide(found.approvals.get(), user=change_manager, approve=True,
                             when=logged + timedelta(hours=1))
        return found

    with time_machine.travel(NOW, tick=False):
        change(b(2026, 3, 3, 10), b(2026, 3, 3, 11), approve=True)
        change(b(2026, 3, 3, 9), b(2026, 3, 3, 10), approve=False)
        outages.record(actor=agent, service=office, started_at=b(2026, 3, 3, 9),
                       ended_at=b(2026, 3, 3, 12))
        compute.refresh()
        incremental = availability(date(2026, 3, 1), "service", office.pk)
        compute.recompute()
    assert incremental == availability(date(2026, 3, 1), "service", office.pk) == (
        round(100 * 13080 / 13200, 6), 13080.0, 13200.0)
