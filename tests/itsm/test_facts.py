"""The KPI facts a ticket stores as its clocks stop (itsm.facts)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from incidents.choices import IncidentStatus as S
from incidents.choices import OnHoldReason, ResolutionCode
from itsm import facts
from itsm.base.business_time import WorkingCalendar
from itsm.models import Ticket
from itsm.services import add_comment
from itsm.workflow import assign, transition
from tests.factories import berlin, log, make_sla

FIXED = ResolutionCode.choices[0][0]

OFFICE = WorkingCalendar(tz=ZoneInfo("Europe/Berlin"),
                         week={day: [(datetime.min.time().replace(hour=8),
                                      datetime.min.time().replace(hour=18))]
                               for day in range(5)})


def at(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_business_seconds_without_a_calendar_is_elapsed_time_less_the_pause():
    assert facts.business_seconds(None, at(2026, 3, 2, 9), at(2026, 3, 2, 11), 600) == 6600


def test_business_seconds_count_only_office_hours_and_never_go_negative():
    # Friday 17:00 to Monday 09:00 Berlin: 1 h on Friday and 1 h on Monday.
    assert facts.business_seconds(OFFICE, berlin(2026, 3, 6, 17), berlin(2026, 3, 9, 9)) == 7200
    assert facts.business_seconds(OFFICE, berlin(2026, 3, 6, 17), berlin(2026, 3, 6, 17, 30),
                                  paused_seconds=3600) == 0


def test_a_ticket_resolved_across_the_dst_change_has_its_real_length():
    # Saturday 2026-03-28 12:00 to Sunday 12:00 Berlin: clocks went forward, 23 h passed.
    measured = facts.measure_values(
        created_at=berlin(2026, 3, 28, 12), responded_at=None, resolved_at=berlin(2026, 3, 29, 12),
        calendar=WorkingCalendar.always(ZoneInfo("Europe/Berlin")), paused_business_seconds=0,
        on_hold_seconds=0, team_id=1, first_team_id=1)
    assert measured.resolution_seconds == measured.resolution_business_seconds == 23 * 3600


@pytest.mark.django_db
def test_resolving_stores_wall_and_business_time_less_the_hold(agent, requester, service, office):
    """Office hours Mon–Fri 08–18 Berlin. Logged Monday 17:00; started 17:30 (responded:
    30 min, all business time); on hold Tuesday 09:00–10:00 (1 business hour); resolved
    Tuesday 12:00. Wall clock: 19 h. Business: Mon 17–18 (1 h) + Tue 08–12 (4 h) − 1 h
    on hold = 4 h."""
    make_sla(service, office)
    incident = log(agent, requester, service, berlin(2026, 3, 2, 17))
    transition(incident, S.IN_PROGRESS, actor=agent, when=berlin(2026, 3, 2, 17, 30))
    transition(incident, S.ON_HOLD, actor=agent, when=berlin(2026, 3, 3, 9),
               on_hold_reason=OnHoldReason.AWAITING_CALLER)
    transition(incident, S.IN_PROGRESS, actor=agent, when=berlin(2026, 3, 3, 10))
    transition(incident, S.RESOLVED, actor=agent, when=berlin(2026, 3, 3, 12),
               resolution_code=FIXED, resolution_notes="Restarted the connector.")

    stored = Ticket.objects.get(pk=incident.pk)
    assert stored.response_seconds == stored.response_business_seconds == 1800
    assert stored.resolution_seconds == 19 * 3600
    assert stored.resolution_business_seconds == 4 * 3600
    assert stored.resolved_by_first_team is True


@pytest.mark.django_db
def test_a_first_agent_comment_stores_the_response_facts(agent, requester, service):
    incident = log(agent, requester, service, timezone_now := datetime.now(UTC))
    add_comment(incident, author=agent, body="Looking into it.",
                when=timezone_now + timedelta(minutes=5))
    stored = Ticket.objects.get(pk=incident.pk)
    assert stored.response_seconds == 300
    assert stored.resolution_seconds is None


@pytest.mark.django_db
def test_a_reopen_clears_the_resolution_and_the_next_one_is_measured_from_creation(
        agent, requester, service):
    start = at(2026, 3, 2, 9)
    incident = log(agent, requester, service, start)
    transition(incident, S.IN_PROGRESS, actor=agent, when=start + timedelta(hours=1))
    transition(incident, S.RESOLVED, actor=agent, when=start + timedelta(hours=2),
               resolution_code=FIXED, resolution_notes="x")
    transition(incident, S.IN_PROGRESS, actor=agent, when=start + timedelta(hours=3),
               note="Still broken")
    assert Ticket.objects.get(pk=incident.pk).resolution_seconds is None
    transition(incident, S.RESOLVED, actor=agent, when=start + timedelta(hours=5),
               resolution_code=FIXED, resolution_notes="y")
    stored = Ticket.objects.get(pk=incident.pk)
    assert stored.resolution_seconds == 5 * 3600
    assert stored.reopen_count == 1


@pytest.mark.django_db
def test_a_ticket_moved_to_another_team_is_not_resolved_by_its_first_team(
        agent, requester, service, other_team, other_team_agent):
    incident = log(agent, requester, service, datetime.now(UTC) - timedelta(hours=2))
    assign(incident, actor=agent, team=other_team, assignee=other_team_agent)
    transition(incident, S.RESOLVED, actor=other_team_agent, resolution_code=FIXED,
               resolution_notes="x")
    stored = Ticket.objects.get(pk=incident.pk)
    assert stored.resolved_by_first_team is False
    assert stored.reassignment_count == 1


@pytest.mark.django_db
def test_every_write_tells_the_listeners_what_the_ticket_was_before(agent, requester, service):
    heard = []

    def listen(sender, ticket, before, **kwargs):
        heard.append((ticket.status, before and before["resolved_at"]))

    facts.ticket_changed.connect(listen)
    try:
        incident = log(agent, requester, service, datetime.now(UTC))
        transition(incident, S.IN_PROGRESS, actor=agent)
        transition(incident, S.RESOLVED, actor=agent, resolution_code=FIXED,
                   resolution_notes="x")
    finally:
        facts.ticket_changed.disconnect(listen)
    # Opening (once, assigned), starting, resolving.
    assert heard == [(S.NEW, None), (S.IN_PROGRESS, None), (S.RESOLVED, None)]


@pytest.mark.django_db
def test_history_tells_once_how_far_back_it_reaches(agent, requester, service):
    heard = []

    def listen(sender, since, **kwargs):
        heard.append(since)

    facts.history_written.connect(listen)
    per_ticket = []
    facts.ticket_changed.connect(per_ticket.append)
    try:
        with facts.history():
            log(agent, requester, service, at(2026, 3, 5, 9))
            log(agent, requester, service, at(2026, 3, 2, 9))
    finally:
        facts.history_written.disconnect(listen)
        facts.ticket_changed.disconnect(per_ticket.append)
    assert heard == [at(2026, 3, 2, 9)]
    assert per_ticket == []


@pytest.mark.django_db
def test_measure_all_fills_the_facts_of_tickets_written_without_them(agent, requester, service):
    start = at(2026, 3, 2, 9)
    incident = log(agent, requester, service, start)
    transition(incident, S.IN_PROGRESS, actor=agent, when=start + timedelta(minutes=10))
    Ticket.objects.update(response_seconds=None, response_business_seconds=None)

    assert facts.measure_all() == 1
    assert Ticket.objects.get(pk=incident.pk).response_seconds == 600
    assert facts.measure_all() == 0
