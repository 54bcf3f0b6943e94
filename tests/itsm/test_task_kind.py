"""The Task kind (TSK…): work items of another ticket, added on its page or through
`/api/v1/tasks/`, worked by a team through their own workflow."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from incidents.choices import IncidentStatus
from itsm import workflow
from itsm.models import Task, TaskStatus
from itsm.task_kind import add_task

pytestmark = pytest.mark.django_db


def test_a_task_is_numbered_and_runs_on_its_parents_service_for_its_team(incident, agent,
                                                                         other_team):
    task = add_task(incident, actor=agent, title="Check the gateway",
                    description="Look at the queue.")
    assert task.number.startswith("TSK") and task.status == TaskStatus.OPEN
    assert (task.parent_id, task.service, task.customer) == (incident.pk, incident.service,
                                                             incident.customer)
    assert task.assignment_team == incident.assignment_team  # the parent's, by default
    assert task.requester == agent and task.sla == incident.sla
    other = add_task(incident, actor=agent, title="Check the firewall", team=other_team)
    assert other.assignment_team == other_team


def test_a_task_moves_open_in_progress_done(incident, agent):
    task = add_task(incident, actor=agent, title="Restart the service")
    workflow.transition(task, TaskStatus.IN_PROGRESS, actor=agent)
    assert task.responded_at is not None
    workflow.transition(task, TaskStatus.DONE, actor=agent)
    assert task.resolved_at is not None and task.closed_at is not None
    with pytest.raises(ValidationError):
        workflow.transition(task, TaskStatus.OPEN, actor=agent)


def test_cancelling_a_task_needs_a_reason(incident, agent):
    task = add_task(incident, actor=agent, title="Restart the service")
    with pytest.raises(ValidationError) as refused:
        workflow.transition(task, TaskStatus.CANCELLED, actor=agent)
    assert "note" in refused.value.message_dict
    workflow.transition(task, TaskStatus.CANCELLED, actor=agent, note="Not needed")
    assert task.closed_at is not None and task.resolved_at is None


def test_a_task_needs_an_open_parent_that_is_not_a_task(incident, agent):
    task = add_task(incident, actor=agent, title="First")
    with pytest.raises(ValidationError) as refused:
        add_task(task, actor=agent, title="Nested")
    assert "parent" in refused.value.message_dict
    workflow.transition(incident, IncidentStatus.CANCELLED, actor=agent, note="Duplicate")
    with pytest.raises(ValidationError, match="closed"):
        add_task(incident, actor=agent, title="Late")


RESOLVE = {"resolution_code": "solved_permanently", "resolution_notes": "Restarted the gateway."}


def test_a_ticket_is_not_resolved_while_its_tasks_are_open(incident, agent):
    done = add_task(incident, actor=agent, title="Check the logs")
    workflow.transition(done, TaskStatus.DONE, actor=agent)
    first = add_task(incident, actor=agent, title="Restart the gateway")
    second = add_task(incident, actor=agent, title="Tell the users")
    workflow.transition(incident, IncidentStatus.IN_PROGRESS, actor=agent)
    with pytest.raises(ValidationError) as refused:
        workflow.transition(incident, IncidentStatus.RESOLVED, actor=agent, **RESOLVE)
    assert refused.value.message_dict["status"] == [
        f"{first.number}, {second.number} are still open: complete or cancel them first."]
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.IN_PROGRESS and incident.resolved_at is None

    workflow.transition(first, TaskStatus.DONE, actor=agent)
    workflow.transition(second, TaskStatus.CANCELLED, actor=agent, note="Mail was enough")
    workflow.transition(incident, IncidentStatus.RESOLVED, actor=agent, **RESOLVE)
    assert incident.resolved_at is not None


def test_a_follow_up_task_does_not_hold_up_closing_a_resolved_ticket(incident, agent):
    workflow.transition(incident, IncidentStatus.IN_PROGRESS, actor=agent)
    workflow.transition(incident, IncidentStatus.RESOLVED, actor=agent, **RESOLVE)
    review = add_task(incident, actor=agent, title="Post-incident review")
    workflow.transition(incident, IncidentStatus.CLOSED, actor=agent)
    review.refresh_from_db()
    assert incident.closed_at is not None and review.status == TaskStatus.OPEN


def test_cancelling_a_ticket_cancels_its_open_tasks_with_it(incident, agent):
    done = add_task(incident, actor=agent, title="Check the logs")
    workflow.transition(done, TaskStatus.DONE, actor=agent)
    open_task = add_task(incident, actor=agent, title="Restart the gateway")
    workflow.transition(open_task, TaskStatus.IN_PROGRESS, actor=agent)
    workflow.transition(incident, IncidentStatus.CANCELLED, actor=agent, note="Duplicate")
    open_task.refresh_from_db()
    done.refresh_from_db()
    assert open_task.status == TaskStatus.CANCELLED and open_task.closed_at is not None
    assert done.status == TaskStatus.DONE
    event = open_task.events.get(field="status", new_value=TaskStatus.CANCELLED)
    assert event.actor == agent
    assert event.note == f"Cancelled along with {incident.number}. Duplicate"


def test_the_api_refuses_resolving_with_open_tasks_naming_the_field(api_as, agent, incident):
    task = add_task(incident, actor=agent, title="Restart the gateway")
    workflow.transition(incident, IncidentStatus.IN_PROGRESS, actor=agent)
    incident.refresh_from_db()
    response = api_as(agent).patch(f"/api/v1/incidents/{incident.number}/", {
        "version": incident.version, "status": "resolved", **RESOLVE}, format="json")
    assert response.status_code == 400
    assert task.number in response.json()["status"][0]


def test_requesters_add_no_tasks(incident, requester):
    with pytest.raises(PermissionDenied):
        add_task(incident, actor=requester, title="Mine")
    assert not Task.objects.exists()


def test_an_agent_adds_a_task_on_the_tickets_page_and_both_pages_link(client, agent,
                                                                     incident, other_team):
    client.force_login(agent)
    response = client.post(f"/incidents/{incident.number}/add-task/", {
        "title": "Call the supplier", "description": "Ask for the case number.",
        "assignment_team": other_team.pk, "assignee": ""})
    assert response.status_code == 302
    task = Task.objects.get()
    assert task.assignment_team == other_team
    page = client.get(f"/incidents/{incident.number}/").content.decode()
    assert f'href="/tasks/{task.number}/"' in page and "Call the supplier" in page
    page = client.get(f"/tasks/{task.number}/").content.decode()
    assert incident.number in page and "Part of" in page
    assert "Add a task" not in page  # tasks have no tasks


def test_a_task_without_a_title_is_refused_on_the_form(client, agent, incident):
    client.force_login(agent)
    response = client.post(f"/incidents/{incident.number}/add-task/", {"title": ""})
    assert response.status_code == 400
    assert response.context["task_form"].errors["title"]
    assert not Task.objects.exists()


def test_a_task_is_worked_on_its_own_page(client, agent, incident):
    task = add_task(incident, actor=agent, title="Restart the service")
    client.force_login(agent)
    response = client.post(f"/tasks/{task.number}/transition/start/",
                           {"start-version": task.version})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.IN_PROGRESS


def test_the_api_adds_a_task_by_the_parents_number(api_as, agent, incident):
    client = api_as(agent)
    response = client.post("/api/v1/tasks/", {"title": "Check the logs",
                                              "parent": incident.number}, format="json")
    assert response.status_code == 201, response.data
    assert response.data["parent"] == incident.number
    assert response["Location"] == f"/api/v1/tasks/{response.data['number']}/"
    listed = client.get("/api/v1/tasks/", {"parent": incident.number}).data["results"]
    assert [row["number"] for row in listed] == [response.data["number"]]


def test_a_task_is_booked_for_its_planned_time(client, api_as, agent, incident):
    client.force_login(agent)
    response = client.post(f"/incidents/{incident.number}/add-task/", {
        "title": "Swap the disk", "assignment_team": "", "assignee": "",
        "planned_start": "2027-01-05T09:00", "planned_end": "2027-01-05T11:30"})
    assert response.status_code == 302
    task = Task.objects.get()
    assert (task.planned_end - task.planned_start).total_seconds() == 2.5 * 3600
    assert "Planned" in client.get(f"/incidents/{incident.number}/").content.decode()
    api = api_as(agent)
    moved = api.patch(f"/api/v1/tasks/{task.number}/", {
        "version": task.version, "planned_start": "2027-01-05T12:00:00Z",
        "planned_end": "2027-01-05T10:00:00Z"}, format="json")
    assert moved.status_code == 400 and "planned_end" in moved.data
    created = api.post("/api/v1/tasks/", {"title": "Half booked", "parent": incident.number,
                                          "planned_start": "2027-01-05T09:00:00Z"},
                       format="json")
    assert created.status_code == 400 and "planned_end" in created.data


@pytest.mark.parametrize(("body", "field"), [
    ({"title": "x"}, "parent"),
    ({"title": "x", "parent": "INC9999999"}, "parent"),
    ({"title": "x", "parent": "INC0000001", "service": "email"}, "service"),
])
def test_a_bad_task_is_a_400_naming_the_field(api_as, agent, incident, body, field):
    response = api_as(agent).post("/api/v1/tasks/", body, format="json")
    assert response.status_code == 400
    assert field in response.data


def test_requesters_never_see_tasks(client, requester, agent, incident):
    task = add_task(incident, actor=agent, title="Internal work")
    client.force_login(requester)
    assert client.get(f"/portal/tickets/{task.number}/").status_code == 404
    page = client.get(f"/portal/tickets/{incident.number}/").content.decode()
    assert task.number not in page


def test_the_page_says_which_tasks_hold_up_resolving(client, agent, incident):
    task = add_task(incident, actor=agent, title="Restart the gateway")
    workflow.transition(incident, IncidentStatus.IN_PROGRESS, actor=agent)
    incident.refresh_from_db()
    client.force_login(agent)
    response = client.post(f"/incidents/{incident.number}/transition/resolve/", {
        "resolve-version": incident.version,
        **{f"resolve-{name}": value for name, value in RESOLVE.items()}})
    assert response.status_code == 400
    assert f"{task.number} is still open: complete or cancel it first." in (
        response.content.decode())
