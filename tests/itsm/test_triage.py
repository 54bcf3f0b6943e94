"""Tickets that name no service go to the triage team under the default SLA, and the
queue shows them as "to be categorised" until someone chooses the service."""

from __future__ import annotations

import pytest
from django.db import IntegrityError

from catalog.models import Team
from catalog.signals import announce_terms_changed
from itsm import sla
from itsm.services import update_ticket

from ..factories import ServiceFactory, TeamFactory, berlin, log, make_incident, make_sla

pytestmark = pytest.mark.django_db


@pytest.fixture
def triage(team):
    team.is_triage = True
    team.save()
    return team


def test_a_portal_ticket_without_a_service_goes_to_triage_under_the_default_sla(
        requester, triage, office):
    default = make_sla(None, office, name="Default")
    # A requester's ticket: the desk assesses impact (3); urgent for them: P3.
    ticket = make_incident(actor=requester, requester=requester, title="Something is off",
                           urgency=1)
    assert ticket.service is None and ticket.assignment_team == triage
    assert ticket.sla == default and ticket.resolution_due is not None


def test_a_service_whose_owner_team_is_inactive_goes_to_triage(requester, agent, triage):
    gone = TeamFactory(name="Disbanded", is_active=False)
    service = ServiceFactory(name="Legacy", code="legacy", owner_team=gone)
    ticket = make_incident(actor=agent, requester=requester, service=service)
    assert ticket.assignment_team == triage


def test_without_a_triage_team_nothing_routes_it(requester):
    ticket = make_incident(actor=requester, requester=requester, title="Lost")
    assert ticket.assignment_team is None


def test_choosing_the_service_files_routes_and_times_it(agent, requester, triage, office,
                                                        service):
    make_sla(None, office, name="Default", p3=(120, 480))
    make_sla(service, office)
    ticket = log(agent, requester, None, berlin(2026, 3, 2, 9))
    assert ticket.resolution_due == berlin(2026, 3, 2, 17)
    update_ticket(ticket, actor=agent, service=service)
    ticket.refresh_from_db()
    assert ticket.resolution_due == berlin(2026, 3, 2, 13) and ticket.sla.service == service


def test_there_is_one_triage_team_and_one_default_sla(triage, office):
    with pytest.raises(IntegrityError):
        Team.objects.create(name="Another desk", is_triage=True)


def test_there_is_one_active_default_sla(office):
    make_sla(None, office, name="Default")
    with pytest.raises(IntegrityError):
        make_sla(None, office, name="Second default")


def test_changed_default_terms_re_time_the_tickets_without_a_service(agent, requester, office,
                                                                     triage):
    default = make_sla(None, office, name="Default")
    ticket = log(agent, requester, None, berlin(2026, 3, 2, 9))
    assert ticket.resolution_due == berlin(2026, 3, 2, 13)
    default.targets.filter(priority=3).update(resolution_minutes=480)
    assert sla.recompute(services=[None]) == 1
    ticket.refresh_from_db()
    assert ticket.resolution_due == berlin(2026, 3, 2, 17)


def test_the_terms_announcement_keeps_the_default_sla_apart(monkeypatch):
    from catalog.signals import terms_changed

    heard = []
    terms_changed.connect(lambda sender, **kw: heard.append(kw), weak=False,
                          dispatch_uid="test-default")
    try:
        announce_terms_changed(services=[3, None, 1, 3])
    finally:
        terms_changed.disconnect(dispatch_uid="test-default")
    assert heard[0]["services"] == [None, 1, 3]
