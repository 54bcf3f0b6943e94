"""`/api/v1/incidents/`: log, read, filter, and PATCH through the workflow."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.choices import IncidentStatus
from incidents.models import Incident
from itsm.models import Ticket, TicketEvent

from ..factories import ConfigurationItemFactory, CustomerFactory, UserFactory, make_incident

pytestmark = pytest.mark.django_db

LIST = "/api/v1/incidents/"


def detail(incident: Incident) -> str:
    return f"/api/v1/incidents/{incident.number}/"


def state(incident: Incident) -> tuple:
    """Everything a refused write must leave as it was."""
    fresh = Incident.objects.get(pk=incident.pk)
    return (fresh.version, fresh.status, fresh.title, fresh.impact, fresh.assignee_id,
            fresh.assignment_team_id, fresh.resolution_code,
            TicketEvent.objects.filter(ticket=incident).count())


# --- create ---------------------------------------------------------------------------


def test_agent_logs_an_incident_for_a_requester_by_username(api_as, agent, requester, service):
    response = api_as(agent).post(LIST, {
        "title": "VPN drops every hour", "requester": "alice", "service": service.pk,
        "impact": 1, "urgency": 2,
    })
    assert response.status_code == 201, response.data
    body = response.data
    assert body["number"].startswith("INC")
    assert body["status"] == IncidentStatus.NEW
    assert body["priority"] == 2  # impact 1 × urgency 2
    assert body["requester"]["username"] == "alice"
    assert body["customer"]["id"] == requester.customer_id
    assert body["assignment_team"]["id"] == service.owner_team_id
    assert body["channel"] == "api"
    assert response["ETag"] == f'"{body["version"]}"'
    assert response["Location"] == f"/api/v1/incidents/{body['number']}/"


def test_agent_logs_for_a_requester_by_id(api_as, agent, requester):
    response = api_as(agent).post(LIST, {"title": "Printer jam", "requester": requester.pk})
    assert response.status_code == 201
    assert response.data["requester"]["id"] == requester.pk


def test_agent_logs_and_assigns_in_one_request(api_as, agent, team):
    response = api_as(agent).post(LIST, {"title": "Disk full", "assignment_team": team.pk,
                                         "assignee": agent.pk})
    assert response.status_code == 201, response.data
    assert response.data["assignee"]["id"] == agent.pk
    assert response.data["status"] == IncidentStatus.IN_PROGRESS  # assigning starts it


def test_requester_logs_for_themself(api_as, requester, service):
    response = api_as(requester).post(LIST, {"title": "Cannot print", "service": service.pk,
                                             "urgency": 1})
    assert response.status_code == 201, response.data
    assert response.data["requester"]["id"] == requester.pk
    assert response.data["channel"] == "portal"


@pytest.mark.parametrize("field, value", [
    ("assignee", "agent"), ("assignment_team", "team"), ("is_major", True),
    ("channel", "phone"), ("customer", "customer"), ("requester", "other_requester"),
])
def test_requester_cannot_set_desk_fields_on_create(api_as, requester, request, field, value):
    if isinstance(value, str) and value in {"agent", "team", "customer", "other_requester"}:
        value = request.getfixturevalue(value).pk
    before = Ticket.objects.count()
    response = api_as(requester).post(LIST, {"title": "Mine", field: value})
    assert response.status_code == 400
    assert field in response.data
    assert Ticket.objects.count() == before


def test_requester_may_name_themself(api_as, requester):
    response = api_as(requester).post(LIST, {"title": "Mine", "requester": "alice"})
    assert response.status_code == 201


def test_manager_cannot_log_incidents(api_as, manager):
    response = api_as(manager).post(LIST, {"title": "Nope"})
    assert response.status_code == 403
    assert not Incident.objects.exists()


@pytest.mark.parametrize("field", ["service", "customer", "assignment_team", "assignee",
                                   "configuration_item"])
@pytest.mark.parametrize("value", ["abc", 999_999, 10**30, -1, 0, True, 1.5, [1], {"id": 1},
                                   "1.0", " "])
def test_bad_ids_are_400_naming_the_field(api_as, agent, service, team, field, value):
    response = api_as(agent).post(LIST, {"title": "Bad id", field: value})
    assert response.status_code == 400, response.content
    assert field in response.data
    assert not Incident.objects.exists()


@pytest.mark.parametrize("value", [999_999, "nobody", True, 1.5, [], ""])
def test_unknown_requester_is_400(api_as, agent, value):
    response = api_as(agent).post(LIST, {"title": "Who?", "requester": value})
    assert response.status_code == 400
    assert "requester" in response.data


def test_inactive_user_is_not_a_requester(api_as, agent):
    UserFactory(username="gone", is_active=False)
    response = api_as(agent).post(LIST, {"title": "Ghost", "requester": "gone"})
    assert response.status_code == 400
    assert "requester" in response.data


@pytest.mark.parametrize("payload, field", [
    ({}, "title"),
    ({"title": ""}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"title": "ok", "impact": 4}, "impact"),
    ({"title": "ok", "urgency": "high"}, "urgency"),
    ({"title": "ok", "channel": "fax"}, "channel"),
    ({"title": "ok", "parent": "INC9999999"}, "parent"),
    ({"title": "ok", "priority": 1}, "priority"),
    ({"title": "ok", "status": "resolved"}, "status"),
    ({"title": "ok", "nonsense": 1}, "nonsense"),
])
def test_bad_create_input_is_400_naming_the_field(api_as, agent, payload, field):
    response = api_as(agent).post(LIST, payload)
    assert response.status_code == 400
    assert field in response.data


def test_assignee_outside_the_team_is_refused_and_nothing_is_created(
        api_as, agent, team, other_team_agent):
    response = api_as(agent).post(LIST, {"title": "Wrong person", "assignment_team": team.pk,
                                         "assignee": other_team_agent.pk})
    assert response.status_code == 400
    assert "assignee" in response.data
    assert not Ticket.objects.exists()


def test_child_incident_by_parent_number(api_as, agent, incident):
    response = api_as(agent).post(LIST, {"title": "Same outage", "parent": incident.number})
    assert response.status_code == 201
    assert response.data["parent"] == incident.number


# --- read -----------------------------------------------------------------------------


def test_retrieve_by_number_carries_etag_and_allowed_transitions(api_as, agent, incident):
    response = api_as(agent).get(detail(incident))
    assert response.status_code == 200
    assert response["ETag"] == f'"{incident.version}"'
    transitions = {t["status"]: t for t in response.data["allowed_transitions"]}
    assert set(transitions) == {"in_progress", "cancelled"}
    assert transitions["cancelled"]["requires"] == ["note"]
    assert transitions["in_progress"]["name"] == "start"


def test_requester_sees_only_close_and_reopen(api_as, agent, requester, incident):
    resolve(incident, agent)
    response = api_as(requester).get(detail(incident))
    transitions = {t["name"]: t["requires"] for t in response.data["allowed_transitions"]}
    assert transitions == {"close": [], "reopen": ["note"]}


def test_manager_reads_but_has_no_transitions(api_as, manager, incident):
    response = api_as(manager).get(detail(incident))
    assert response.status_code == 200
    assert response.data["allowed_transitions"] == []


def test_other_requester_gets_404(api_as, other_requester, incident):
    assert api_as(other_requester).get(detail(incident)).status_code == 404
    assert api_as(other_requester).get(LIST).data["count"] == 0


def test_customer_sharing_lets_colleagues_read(api_as, requester, agent, customer):
    customer.share_tickets = True
    customer.save()
    colleague = UserFactory(username="amy", roles=["requester"], customer=customer)
    theirs = make_incident(actor=agent, requester=colleague, title="Colleague's")
    assert api_as(requester).get(detail(theirs)).status_code == 200


def test_unknown_number_is_404(api_as, agent):
    assert api_as(agent).get("/api/v1/incidents/INC9999999/").status_code == 404
    assert api_as(agent).get("/api/v1/incidents/nonsense/").status_code == 404


def test_list_filters_with_the_shared_filterset(api_as, agent, requester, service, team):
    p1 = make_incident(actor=agent, requester=requester, title="Core switch down",
                       impact=1, urgency=1)
    p4 = make_incident(actor=agent, requester=requester, title="Mouse squeaks", service=service)
    client = api_as(agent)
    numbers = lambda r: [row["number"] for row in r.data["results"]]  # noqa: E731
    assert numbers(client.get(LIST, {"priority": 1})) == [p1.number]
    assert numbers(client.get(LIST, {"q": "squeaks"})) == [p4.number]
    assert numbers(client.get(LIST, {"q": p1.number.lower()})) == [p1.number]
    assert numbers(client.get(LIST, {"service": service.pk})) == [p4.number]
    assert numbers(client.get(LIST, {"team": team.pk})) == [p4.number]
    assert numbers(client.get(LIST, {"queue": "unassigned"})) == [p4.number, p1.number]
    assert numbers(client.get(LIST, {"status": ["new", "in_progress"]})) == [p4.number,
                                                                            p1.number]


@pytest.mark.parametrize("params, field", [
    ({"status": "bogus"}, "status"),
    ({"priority": 9}, "priority"),
    ({"service": "abc"}, "service"),
    ({"service": 10**30}, "service"),
    ({"team": 999_999}, "team"),
    ({"created_after": "yesterday"}, "created_after"),
    ({"queue": "everything"}, "queue"),
    ({"ordering": "requester__password"}, "ordering"),
    ({"ordering": "title,-nonsense"}, "ordering"),
])
def test_bad_list_parameters_are_400_naming_the_parameter(api_as, agent, params, field):
    response = api_as(agent).get(LIST, params)
    assert response.status_code == 400, response.content
    assert field in response.data


def test_ordering_by_allowed_fields(api_as, agent, requester):
    low = make_incident(actor=agent, requester=requester, impact=3, urgency=3)
    high = make_incident(actor=agent, requester=requester, impact=1, urgency=1)
    client = api_as(agent)
    by_priority = client.get(LIST, {"ordering": "priority"}).data["results"]
    assert [r["number"] for r in by_priority] == [high.number, low.number]
    by_number = client.get(LIST, {"ordering": "-number"}).data["results"]
    assert [r["number"] for r in by_number] == [high.number, low.number]
    default = client.get(LIST).data["results"]
    assert [r["number"] for r in default] == [high.number, low.number]  # newest first


def test_list_query_count_does_not_grow_with_rows(api_as, agent, requester, service):
    client = api_as(agent)
    client.get(LIST)  # token's last_used_at is written once; not part of the pin

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(LIST).status_code == 200
        return len(ctx.captured_queries)

    # Every relation is filled from the start: lists prefetch relations, and one that is
    # empty on every row costs no query at all.
    parent = make_incident(actor=agent, requester=requester, service=service)
    make_incident(actor=agent, requester=requester, service=service, parent=parent,
                  configuration_item=ConfigurationItemFactory(), customer=CustomerFactory(),
                  assignee=agent)
    two = count()
    for _ in range(8):
        make_incident(actor=agent, requester=requester, service=service, parent=parent,
                      customer=CustomerFactory(), assignee=agent)
    assert count() == two


def test_requester_list_query_count_does_not_grow_with_rows(api_as, agent, requester):
    client = api_as(requester)
    client.get(LIST)
    for _ in range(2):
        make_incident(actor=agent, requester=requester)
    with CaptureQueriesContext(connection) as two:
        client.get(LIST)
    for _ in range(8):
        resolve(make_incident(actor=agent, requester=requester), agent)
    with CaptureQueriesContext(connection) as ten:
        response = client.get(LIST)
    assert response.data["count"] == 10
    assert len(ten.captured_queries) == len(two.captured_queries)


# --- PATCH: fields, assignment, status ------------------------------------------------


def patch(client, incident, payload, **headers):
    return client.patch(detail(incident), payload, **headers)


def resolve(incident: Incident, agent) -> Incident:
    from itsm import workflow

    incident.refresh_from_db()
    if incident.status == IncidentStatus.NEW:
        workflow.transition(incident, IncidentStatus.IN_PROGRESS, actor=agent)
    workflow.transition(incident, IncidentStatus.RESOLVED, actor=agent,
                        resolution_code="solved_remotely", resolution_notes="Fixed")
    return incident


def test_agent_edits_fields_and_priority_follows(api_as, agent, incident):
    response = patch(api_as(agent), incident, {"version": incident.version,
                                               "title": "Outlook offline", "impact": 1,
                                               "urgency": 1})
    assert response.status_code == 200, response.data
    assert response.data["title"] == "Outlook offline"
    assert response.data["priority"] == 1
    assert response.data["version"] == incident.version + 1
    assert response["ETag"] == f'"{incident.version + 1}"'


def test_agent_assigns_and_resolves_in_one_patch(api_as, agent, team, incident):
    response = patch(api_as(agent), incident, {
        "version": incident.version, "assignee": agent.pk, "status": "resolved",
        "resolution_code": "solved_remotely", "resolution_notes": "Reset the profile",
    })
    assert response.status_code == 200, response.data
    assert response.data["status"] == "resolved"
    assert response.data["assignee"]["id"] == agent.pk
    assert response.data["resolved_at"] is not None
    kinds = list(TicketEvent.objects.filter(ticket=incident).values_list("kind", flat=True))
    assert kinds.count("status") == 2  # new → in_progress (on assign) → resolved


def test_unassign_with_null(api_as, agent, incident):
    from itsm import workflow

    workflow.assign(incident, actor=agent, assignee=agent)
    response = patch(api_as(agent), incident, {"version": incident.version, "assignee": None})
    assert response.status_code == 200
    assert response.data["assignee"] is None


def test_transition_without_its_required_fields_names_them(api_as, agent, incident):
    from itsm import workflow

    workflow.transition(incident, IncidentStatus.IN_PROGRESS, actor=agent)
    before = state(incident)
    response = patch(api_as(agent), incident, {"version": incident.version,
                                               "status": "resolved"})
    assert response.status_code == 400
    assert set(response.data) == {"resolution_code", "resolution_notes"}
    assert state(incident) == before


def test_illegal_transition_is_400_naming_status_and_undoes_the_whole_patch(
        api_as, agent, incident):
    before = state(incident)
    response = patch(api_as(agent), incident, {"version": incident.version,
                                               "title": "Changed", "status": "closed"})
    assert response.status_code == 400
    assert "status" in response.data
    assert state(incident) == before


def test_field_a_transition_does_not_use_is_400(api_as, agent, incident):
    response = patch(api_as(agent), incident, {"version": incident.version,
                                               "status": "in_progress",
                                               "resolution_code": "duplicate"})
    assert response.status_code == 400
    assert "resolution_code" in response.data


def test_transition_fields_without_a_status_are_400(api_as, agent, incident):
    response = patch(api_as(agent), incident, {"version": incident.version, "note": "hi"})
    assert response.status_code == 400
    assert "note" in response.data


@pytest.mark.parametrize("payload, field", [
    ({"priority": 1}, "priority"),
    ({"number": "INC1"}, "number"),
    ({"requester": 1}, "requester"),
    ({"resolved_at": "2024-01-01T00:00:00Z"}, "resolved_at"),
    ({"impact": 0}, "impact"),
    ({"status": "solved"}, "status"),
    ({"service": "no-such-service"}, "service"),
    ({"assignment_team": 10**30}, "assignment_team"),
    ({"parent": 12}, "parent"),
    ({"is_major": "perhaps"}, "is_major"),
])
def test_bad_patch_input_is_400_naming_the_field(api_as, agent, incident, payload, field):
    before = state(incident)
    response = patch(api_as(agent), incident, {"version": incident.version, **payload})
    assert response.status_code == 400, response.content
    assert field in response.data
    assert state(incident) == before


def test_an_incident_cannot_be_its_own_parent(api_as, agent, incident):
    response = patch(api_as(agent), incident, {"version": incident.version,
                                               "parent": incident.number})
    assert response.status_code == 400
    assert "parent" in response.data


def test_resending_the_current_status_is_a_no_op(api_as, agent, incident):
    response = patch(api_as(agent), incident, {"version": incident.version, "status": "new"})
    assert response.status_code == 200
    assert response.data["version"] == incident.version


# --- PATCH: versions (optimistic concurrency) -----------------------------------------


def test_patch_without_version_or_if_match_is_428_naming_version(api_as, agent, incident):
    before = state(incident)
    response = patch(api_as(agent), incident, {"title": "No version"})
    assert response.status_code == 428
    assert "version" in response.data
    assert state(incident) == before


def test_two_agents_one_stale_version_gets_409(api_as, agent, team_lead, incident):
    first, second = api_as(agent), api_as(team_lead)
    version = first.get(detail(incident)).data["version"]
    assert second.get(detail(incident)).data["version"] == version

    ok = patch(first, incident, {"version": version, "title": "First wins"})
    assert ok.status_code == 200
    stale = patch(second, incident, {"version": version, "title": "Second loses",
                                     "impact": 1})
    assert stale.status_code == 409
    assert stale.data["current_version"] == version + 1
    incident.refresh_from_db()
    assert incident.title == "First wins"
    assert incident.impact == 2


def test_two_agents_one_stale_if_match_gets_412(api_as, agent, team_lead, incident):
    first, second = api_as(agent), api_as(team_lead)
    etag = first.get(detail(incident))["ETag"]
    assert second.get(detail(incident))["ETag"] == etag

    ok = patch(first, incident, {"title": "First wins"}, HTTP_IF_MATCH=etag)
    assert ok.status_code == 200
    assert ok["ETag"] != etag
    stale = patch(second, incident, {"status": "cancelled", "note": "dup"},
                  HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert stale.data["current_version"] == incident.version + 1
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.NEW
    assert incident.title == "First wins"


def test_a_matching_if_match_with_a_stale_body_version_is_409(api_as, agent, incident):
    """Both guards hold: an ETag that matches does not excuse a stale `version`."""
    before = state(incident)
    client = api_as(agent)
    etag = client.get(detail(incident))["ETag"]
    response = patch(client, incident, {"version": incident.version - 1 or 99, "title": "x"},
                     HTTP_IF_MATCH=etag)
    assert response.status_code == 409
    assert response.data["current_version"] == incident.version
    assert state(incident) == before


def test_stale_version_on_a_status_change_writes_no_event(api_as, agent, incident):
    events = TicketEvent.objects.filter(ticket=incident).count()
    response = patch(api_as(agent), incident, {"version": incident.version + 5,
                                               "status": "in_progress"})
    assert response.status_code == 409
    assert TicketEvent.objects.filter(ticket=incident).count() == events


@pytest.mark.parametrize("header", ["*", "abc", '"1", "2"', 'W/"x"'])
def test_unusable_if_match_is_400(api_as, agent, incident, header):
    response = patch(api_as(agent), incident, {"title": "x"}, HTTP_IF_MATCH=header)
    assert response.status_code == 400
    assert "If-Match" in response.data


@pytest.mark.parametrize("value", ["three", 0, -1, None, 1.5, True])
def test_bad_version_is_400(api_as, agent, incident, value):
    response = patch(api_as(agent), incident, {"version": value, "title": "x"})
    assert response.status_code == 400
    assert "version" in response.data


# --- PATCH: who may --------------------------------------------------------------------


def test_requester_closes_their_resolved_incident(api_as, agent, requester, incident):
    resolve(incident, agent)
    response = patch(api_as(requester), incident, {"version": incident.version,
                                                   "status": "closed"})
    assert response.status_code == 200, response.data
    assert response.data["status"] == "closed"


def test_requester_reopens_with_a_note(api_as, agent, requester, incident):
    resolve(incident, agent)
    client = api_as(requester)
    missing = patch(client, incident, {"version": incident.version, "status": "in_progress"})
    assert missing.status_code == 400
    assert "note" in missing.data
    response = patch(client, incident, {"version": incident.version, "status": "in_progress",
                                        "note": "Still broken"})
    assert response.status_code == 200
    assert response.data["reopen_count"] == 1


@pytest.mark.parametrize("payload", [
    {"title": "Mine now"},
    {"impact": 1},
    {"assignee": None},
    {"status": "resolved", "resolution_code": "duplicate", "resolution_notes": "x"},
])
def test_requester_may_change_nothing_but_status(api_as, agent, requester, incident, payload):
    from itsm import workflow

    workflow.transition(incident, IncidentStatus.IN_PROGRESS, actor=agent)
    before = state(incident)
    response = patch(api_as(requester), incident, {"version": incident.version, **payload})
    assert response.status_code == 403
    assert state(incident) == before


def test_requester_cannot_cancel(api_as, requester, incident):
    before = state(incident)
    response = patch(api_as(requester), incident, {"version": incident.version,
                                                   "status": "cancelled", "note": "never mind"})
    assert response.status_code == 403
    assert state(incident) == before


def test_requester_cannot_reopen_after_the_window(api_as, agent, requester, incident, settings):
    from datetime import timedelta

    resolve(incident, agent)
    Incident.objects.filter(pk=incident.pk).update(
        resolved_at=incident.resolved_at - timedelta(days=8))
    before = state(incident)
    response = patch(api_as(requester), incident, {"version": incident.version,
                                                   "status": "in_progress", "note": "Again"})
    assert response.status_code == 403
    assert state(incident) == before


def test_other_requester_gets_404_on_patch(api_as, agent, other_requester, incident):
    resolve(incident, agent)
    before = state(incident)
    response = patch(api_as(other_requester), incident, {"version": incident.version,
                                                         "status": "closed"})
    assert response.status_code == 404
    assert state(incident) == before


def test_manager_patch_is_403(api_as, manager, incident):
    before = state(incident)
    response = patch(api_as(manager), incident, {"version": incident.version, "title": "x"})
    assert response.status_code == 403
    assert state(incident) == before


@pytest.mark.parametrize("method", ["put", "delete"])
def test_no_put_and_no_delete(api_as, admin, incident, method):
    before = state(incident)
    response = getattr(api_as(admin), method)(detail(incident), {"title": "x", "version": 1})
    assert response.status_code == 405
    assert state(incident) == before
