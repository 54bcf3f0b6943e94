"""Incident verbs: logging, parents and children, major incidents."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from incidents.choices import IncidentStatus as S
from incidents.services import create_incident, update_incident
from itsm import workflow
from tests.factories import make_incident

pytestmark = pytest.mark.django_db


def test_a_requester_logs_for_themself_through_the_portal(requester, other_requester, service,
                                                          agent):
    incident = create_incident(actor=requester, requester=other_requester, title="Printer",
                               service=service, assignee=agent, is_major=True, impact=1)
    assert incident.requester == requester
    assert incident.channel == "portal"
    assert incident.assignee is None and not incident.is_major
    assert incident.assignment_team == service.owner_team
    assert incident.customer == requester.customer
    assert incident.events.get(kind="created").actor == requester


def test_a_manager_cannot_log_incidents(manager):
    with pytest.raises(PermissionDenied):
        create_incident(actor=manager, title="x")


def test_an_agent_logs_on_behalf_of_a_caller(agent, requester, service):
    incident = create_incident(actor=agent, requester=requester, title="VPN", service=service,
                               channel="phone")
    assert incident.requester == requester and incident.channel == "phone"
    assert incident.customer == requester.customer


def test_a_title_is_required(agent, requester):
    with pytest.raises(ValidationError) as excinfo:
        create_incident(actor=agent, requester=requester, title="")
    assert "title" in excinfo.value.message_dict


@pytest.fixture
def major(agent, requester, service):
    return make_incident(actor=agent, requester=requester, service=service, is_major=True,
                         title="Mail down for everyone", impact=1, urgency=1)


def test_children_resolve_with_their_parent(major, agent, requester, service):
    children = [make_incident(actor=agent, requester=requester, service=service, parent=major)
                for _ in range(2)]
    workflow.transition(children[1], S.IN_PROGRESS, actor=agent)
    workflow.transition(major, S.IN_PROGRESS, actor=agent)
    workflow.transition(major, S.RESOLVED, actor=agent, resolution_code="solved_permanently",
                        resolution_notes="Replaced the failed disk")
    for child in children:
        child.refresh_from_db()
        assert child.status == S.RESOLVED
        assert child.resolution_code == "resolved_by_parent"
        assert major.number in child.resolution_notes
        assert child.events.filter(kind="status", new_value=S.RESOLVED, actor=None).exists()


def test_resolved_children_are_left_alone(major, agent, requester):
    child = make_incident(actor=agent, requester=requester, parent=major)
    workflow.transition(child, S.CANCELLED, actor=agent, note="dup")
    workflow.transition(major, S.IN_PROGRESS, actor=agent)
    workflow.transition(major, S.RESOLVED, actor=agent, resolution_code="solved_permanently",
                        resolution_notes="done")
    child.refresh_from_db()
    assert child.status == S.CANCELLED


@pytest.mark.parametrize("case", ["self", "grandchild", "closed_parent", "parent_with_children"])
def test_parent_links_are_validated(case, major, agent, requester):
    child = make_incident(actor=agent, requester=requester, parent=major)
    other = make_incident(actor=agent, requester=requester)
    if case == "self":
        target, parent = other, other
    elif case == "grandchild":
        target, parent = other, child
    elif case == "closed_parent":
        workflow.transition(other, S.CANCELLED, actor=agent, note="x")
        target = make_incident(actor=agent, requester=requester)
        parent = other
    else:
        target, parent = major, other
    with pytest.raises(ValidationError) as excinfo:
        update_incident(target, actor=agent, parent=parent)
    assert "parent" in excinfo.value.message_dict


def test_flagging_a_major_incident_is_on_the_timeline(agent, requester):
    incident = make_incident(actor=agent, requester=requester)
    update_incident(incident, actor=agent, is_major=True)
    assert incident.events.filter(kind="field", field="is_major").exists()


def test_status_cannot_be_edited_as_a_field(agent, requester):
    incident = make_incident(actor=agent, requester=requester)
    with pytest.raises(ValidationError) as excinfo:
        update_incident(incident, actor=agent, status="closed")
    assert "status" in excinfo.value.message_dict


def test_requesters_do_not_set_impact(requester):
    incident = create_incident(actor=requester, title="Everything is down", impact=1, urgency=1)
    assert (incident.impact, incident.urgency, incident.priority) == (3, 1, 3)


def test_an_inactive_owner_team_receives_nothing(requester, service):
    service.owner_team.is_active = False
    service.owner_team.save()
    incident = create_incident(actor=requester, title="Printer jam", service=service)
    assert incident.assignment_team is None


def test_a_ci_implies_its_most_critical_service_with_its_team(agent, requester, team,
                                                              other_team):
    from tests.factories import ConfigurationItemFactory, ServiceFactory

    minor = ServiceFactory(name="Intranet", code="intranet", owner_team=other_team,
                           criticality="low")
    vital = ServiceFactory(name="Payments", code="payments", owner_team=team,
                           criticality="critical")
    ci = ConfigurationItemFactory(name="db-07")
    ci.services.add(minor, vital)
    incident = create_incident(actor=agent, requester=requester, title="DB slow",
                               configuration_item=ci)
    assert incident.service == vital and incident.assignment_team == team


def test_naming_a_ci_later_fills_an_empty_service(agent, requester, service):
    from tests.factories import ConfigurationItemFactory

    ci = ConfigurationItemFactory(name="mail-01")
    ci.services.add(service)
    incident = create_incident(actor=agent, requester=requester, title="Mail")
    update_incident(incident, actor=agent, configuration_item=ci)
    incident.refresh_from_db()
    assert incident.service == service
