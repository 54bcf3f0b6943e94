"""Assignment: teams, assignees, reassignment counting, starting work on assign."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from incidents.choices import IncidentStatus as S
from itsm import workflow
from itsm.choices import EventKind

pytestmark = pytest.mark.django_db


def test_service_routes_a_new_incident_to_its_owner_team(incident, team):
    assert incident.assignment_team == team
    assert incident.first_assignment_team == team
    assert incident.reassignment_count == 0


def test_assigning_a_person_starts_work_and_responds(incident, agent):
    workflow.assign(incident, actor=agent, assignee=agent)
    incident.refresh_from_db()
    assert incident.assignee == agent
    assert incident.status == S.IN_PROGRESS
    assert incident.responded_at is not None
    kinds = list(incident.events.values_list("kind", "field"))
    assert (EventKind.ASSIGNMENT, "assignee") in kinds
    assert (EventKind.STATUS, "status") in kinds


def test_moving_to_another_team_counts_a_reassignment_and_drops_the_assignee(
    incident, agent, other_team
):
    workflow.assign(incident, actor=agent, assignee=agent)
    workflow.assign(incident, actor=agent, team=other_team)
    incident.refresh_from_db()
    assert incident.assignment_team == other_team
    assert incident.assignee is None
    assert incident.reassignment_count == 1
    assert incident.first_assignment_team.name == "Service desk"


def test_assignee_must_belong_to_the_team(incident, agent, other_team_agent, team):
    with pytest.raises(ValidationError) as excinfo:
        workflow.assign(incident, actor=agent, team=team, assignee=other_team_agent)
    assert "assignee" in excinfo.value.message_dict
    incident.refresh_from_db()
    assert incident.assignee is None


def test_assignee_must_work_tickets(incident, agent, requester):
    with pytest.raises(ValidationError) as excinfo:
        workflow.assign(incident, actor=agent, assignee=requester)
    assert "assignee" in excinfo.value.message_dict


def test_assignee_without_team_brings_their_team(agent, requester, other_team,
                                                 other_team_agent):
    from tests.factories import make_incident

    incident = make_incident(actor=agent, requester=requester)
    assert incident.assignment_team is None
    workflow.assign(incident, actor=agent, assignee=other_team_agent)
    assert incident.assignment_team == other_team
    assert incident.reassignment_count == 0


@pytest.mark.parametrize("persona", ["requester", "manager"], indirect=True)
def test_only_workers_assign(persona, incident, agent):
    version = incident.version
    with pytest.raises(PermissionDenied):
        workflow.assign(incident, actor=persona, assignee=agent)
    incident.refresh_from_db()
    assert incident.assignee is None and incident.version == version


def test_a_closed_ticket_cannot_be_reassigned(incident, agent, other_team):
    workflow.transition(incident, S.CANCELLED, actor=agent, note="dup")
    with pytest.raises(ValidationError):
        workflow.assign(incident, actor=agent, team=other_team)


def test_assigning_the_same_again_writes_nothing(incident, agent, team):
    events = incident.events.count()
    workflow.assign(incident, actor=agent, team=team)
    assert incident.events.count() == events
