"""The SLA clock on tickets: due times from the SLA's calendar, kept honest on change."""

from __future__ import annotations

import pytest

from incidents.choices import IncidentStatus as S
from incidents.services import update_incident
from itsm import workflow
from tests.factories import CustomerFactory, ServiceFactory, berlin, log, make_sla

pytestmark = pytest.mark.django_db


def test_due_times_run_in_business_hours(agent, requester, service, office):
    sla = make_sla(service, office)
    incident = log(agent, requester, service, berlin(2026, 3, 2, 17))  # a Monday
    assert incident.sla == sla
    assert incident.response_due == berlin(2026, 3, 2, 18)  # a due at 18:00 stays there
    assert incident.resolution_due == berlin(2026, 3, 3, 11)


def test_without_an_sla_there_is_no_clock(agent, requester, service):
    incident = log(agent, requester, service, berlin(2026, 3, 2, 17))
    assert (incident.sla, incident.response_due, incident.resolution_due) == (None, None, None)


def test_a_priority_without_a_target_has_no_clock(agent, requester, service, office):
    make_sla(service, office)
    incident = log(agent, requester, service, berlin(2026, 3, 2, 9), impact=3, urgency=3)
    assert incident.priority == 4
    assert incident.sla is not None and incident.resolution_due is None


def test_a_priority_change_recomputes_from_creation_with_an_event(agent, requester, service,
                                                                 office):
    make_sla(service, office)
    incident = log(agent, requester, service, berlin(2026, 3, 2, 9))
    assert incident.resolution_due == berlin(2026, 3, 2, 13)
    update_incident(incident, actor=agent, urgency=1)  # P2: 120 minutes
    incident.refresh_from_db()
    assert incident.priority == 2
    assert incident.resolution_due == berlin(2026, 3, 2, 11)
    event = incident.events.get(kind="sla")
    assert event.field == "resolution_due" and event.new_value.startswith("2026-03-02T10:00")


def test_on_hold_moves_resolution_due_by_business_time(agent, requester, service, office):
    make_sla(service, office)
    incident = log(agent, requester, service, berlin(2026, 3, 2, 9))
    workflow.transition(incident, S.IN_PROGRESS, actor=agent, when=berlin(2026, 3, 2, 9, 30))
    workflow.transition(incident, S.ON_HOLD, actor=agent, on_hold_reason="awaiting_caller",
                        when=berlin(2026, 3, 2, 17))
    workflow.transition(incident, S.IN_PROGRESS, actor=agent, when=berlin(2026, 3, 3, 9))
    incident.refresh_from_db()
    # Held 17:00 Monday to 09:00 Tuesday: 60 + 60 business minutes, not 16 hours.
    assert incident.sla_paused_minutes == 120
    assert incident.resolution_due == berlin(2026, 3, 2, 15)
    assert incident.response_due == berlin(2026, 3, 2, 10)  # the response clock never pauses


def test_on_hold_moves_the_resolution_warning_by_exactly_the_business_time_held(
        agent, requester, service, office):
    make_sla(service, office)  # P3: resolution 240 minutes, warned at 75 %
    incident = log(agent, requester, service, berlin(2026, 3, 2, 9))
    assert incident.resolution_warn_at == berlin(2026, 3, 2, 12)
    workflow.transition(incident, S.IN_PROGRESS, actor=agent, when=berlin(2026, 3, 2, 9, 30))
    workflow.transition(incident, S.ON_HOLD, actor=agent, on_hold_reason="awaiting_caller",
                        when=berlin(2026, 3, 2, 11))
    workflow.transition(incident, S.IN_PROGRESS, actor=agent, when=berlin(2026, 3, 2, 14, 30))
    incident.refresh_from_db()
    assert incident.sla_paused_minutes == 210
    assert incident.resolution_warn_at == berlin(2026, 3, 2, 15, 30)
    assert incident.resolution_due == berlin(2026, 3, 2, 16, 30)
    assert incident.response_warn_at == berlin(2026, 3, 2, 9, 45)  # never paused


def test_the_customers_own_sla_wins_and_a_service_change_follows(agent, requester, service,
                                                                office, customer):
    general = make_sla(service, office)
    own = make_sla(service, office, customer=customer, p3=(15, 60))
    incident = log(agent, requester, service, berlin(2026, 3, 2, 9))
    assert incident.customer == customer and incident.sla == own
    assert incident.resolution_due == berlin(2026, 3, 2, 10)
    update_incident(incident, actor=agent, customer=CustomerFactory(name="Other", code="other"))
    incident.refresh_from_db()
    assert incident.sla == general and incident.resolution_due == berlin(2026, 3, 2, 13)
    update_incident(incident, actor=agent, service=ServiceFactory(name="No SLA", code="nosla"))
    incident.refresh_from_db()
    assert (incident.sla, incident.resolution_due) == (None, None)


def test_an_edit_to_the_terms_applies_to_the_next_ticket(agent, requester, service, office):
    sla = make_sla(service, office)
    assert log(agent, requester, service, berlin(2026, 3, 2, 9)).resolution_due == berlin(
        2026, 3, 2, 13)
    sla.targets.filter(priority=3).update(resolution_minutes=300)  # bypasses save()
    target = sla.targets.get(priority=3)
    target.save()  # what the admin does: clears the cached terms
    assert log(agent, requester, service, berlin(2026, 3, 2, 9)).resolution_due == berlin(
        2026, 3, 2, 14)


def test_once_warm_an_sla_costs_a_create_no_queries(agent, requester, service, office):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    plain = ServiceFactory(name="Without SLA", code="plain", owner_team=service.owner_team)
    make_sla(service, office)
    counts = {}
    for name, target in (("with", service), ("without", plain)):
        log(agent, requester, target, berlin(2026, 3, 2, 9))  # warm
        with CaptureQueriesContext(connection) as queries:
            log(agent, requester, target, berlin(2026, 3, 2, 9))
        counts[name] = len(queries)
    assert counts["with"] == counts["without"]
