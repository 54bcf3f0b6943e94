"""One queue for all work (`/work/`): every kind in one list, named queues, filters,
saved filters, columns, sorting, the SLA column, bulk actions, partial updates."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from incidents.choices import IncidentStatus as S
from itsm import workflow
from itsm.models import Preferences, SavedFilter, TicketEvent
from itsm.task_kind import add_task
from itsm.views.queue import sla_clock

from ..factories import ServiceFactory, TeamFactory, make_incident

pytestmark = pytest.mark.django_db
WORK = "/work/"


def numbers(response) -> list[str]:
    return [row.number for row in response.context["rows"]]


@pytest.fixture
def mixed(incident, agent, team):
    """An incident, a task of it and a ticket without a service."""
    task = add_task(incident, actor=agent, title="Check the mail gateway", team=team)
    loose = make_incident(actor=agent, requester=incident.requester, title="Something odd")
    return SimpleNamespace(incident=incident, task=task, loose=loose)


def test_every_kind_is_in_one_queue_and_the_kind_filter_narrows_it(client, agent, mixed):
    client.force_login(agent)
    assert set(numbers(client.get(WORK))) == {mixed.incident.number, mixed.task.number,
                                              mixed.loose.number}
    assert numbers(client.get(WORK, {"kind": "task"})) == [mixed.task.number]
    page = client.get(WORK).content.decode()
    assert f'href="/tasks/{mixed.task.number}/"' in page
    assert f'href="/incidents/{mixed.incident.number}/"' in page


def test_the_kinds_list_is_the_queue_filtered_to_the_kind(client, agent, mixed):
    client.force_login(agent)
    assert set(numbers(client.get("/incidents/"))) == {mixed.incident.number,
                                                       mixed.loose.number}
    assert numbers(client.get("/tasks/")) == [mixed.task.number]


def test_to_be_categorised_lists_open_tickets_without_a_service(client, agent, mixed):
    client.force_login(agent)
    response = client.get(WORK, {"queue": "uncategorised"})
    assert numbers(response) == [mixed.loose.number]
    assert "To be categorised" in response.content.decode()


def test_the_queue_reads_filters_as_the_api_does(client, api_as, agent, team, service, mixed):
    """A team by name, a service by code, an assignee by username: the same as by id."""
    client.force_login(agent)
    api = api_as(agent)
    for by_key, by_id in ((("team", team.name), ("team", team.pk)),
                          (("service", service.code), ("service", service.pk))):
        page = set(numbers(client.get(WORK, dict([by_key]))))
        assert page == set(numbers(client.get(WORK, dict([by_id]))))
        listed = api.get("/api/v1/tickets/", dict([by_key])).data["results"]
        listed = {row["number"] for row in listed}
        assert page == listed and mixed.loose.number not in page


def test_assignee_suggestions_are_people_who_work_tickets(client, agent, requester):
    client.force_login(agent)
    html = client.get("/lookup/workers/", {"q": ""}).content.decode()
    assert f'value="{agent.username}"' in html and f'value="{requester.username}"' not in html


def test_the_take_shortcut_is_offered_where_the_ticket_page_offers_it(client, agent, other_team,
                                                                     mixed):
    elsewhere = add_task(mixed.incident, actor=agent, title="For others", team=other_team)
    client.force_login(agent)
    page = client.get(WORK).content.decode()
    assert f'data-take="/tasks/{mixed.task.number}/take/"' in page  # my team's, nobody on it
    assert f'data-take="/tasks/{elsewhere.number}/take/"' not in page  # another team's
    ticket_page = client.get(f"/tasks/{elsewhere.number}/").content.decode()
    assert "Assign to me" not in ticket_page


def test_my_teams_has_the_tasks_of_my_team(client, agent, other_team, other_team_agent, mixed):
    elsewhere = add_task(mixed.incident, actor=agent, title="Check the firewall",
                         team=other_team)
    client.force_login(other_team_agent)
    assert numbers(client.get(WORK, {"queue": "my_teams"})) == [elsewhere.number]


def test_ticking_a_status_keeps_the_tab_and_shows_those_statuses(client, agent, mixed):
    workflow.transition(mixed.loose, S.CANCELLED, actor=agent, note="Duplicate")
    client.force_login(agent)
    response = client.get(WORK, {"queue": "open", "status": "cancelled"})
    assert numbers(response) == [mixed.loose.number]
    assert response.context["queue"] == "open"
    assert 'aria-current="page">All open</a>' in response.content.decode()


def test_empty_filters_are_ignored(client, agent, mixed):
    client.force_login(agent)
    response = client.get(WORK, {"q": "", "service": "", "team": "", "breached": ""})
    assert response.status_code == 200 and len(numbers(response)) == 3


def test_sorting_by_the_next_due_time(client, agent, requester, service, office):
    from tests.factories import berlin, log, make_sla

    make_sla(service, office)
    later = log(agent, requester, service, berlin(2026, 3, 2, 11))  # P3: responds by 12:00
    sooner = log(agent, requester, service, berlin(2026, 3, 2, 9))  # by 10:00
    client.force_login(agent)
    assert numbers(client.get(WORK, {"ordering": "sla"}))[:2] == [sooner.number, later.number]
    assert numbers(client.get(WORK, {"ordering": "-sla"}))[:2] == [later.number, sooner.number]


def clock_row(**fields):
    now = timezone.now()
    row = dict(response_breached=False, resolution_breached=False, responded_at=None,
               resolved_at=None, closed_at=None, on_hold_since=None,
               response_due=now + timedelta(hours=2), response_warn_at=now + timedelta(hours=1),
               resolution_due=now + timedelta(hours=8),
               resolution_warn_at=now + timedelta(hours=6))
    row.update(fields)
    return SimpleNamespace(**row), now


@pytest.mark.parametrize(("fields", "state"), [
    ({}, "ok"),
    ({"response_warn_at": "past"}, "warning"),
    ({"response_due": "past", "response_warn_at": "past"}, "breached"),
    ({"responded_at": "past"}, "ok"),
    ({"responded_at": "past", "on_hold_since": "past"}, "paused"),
    ({"resolved_at": "past"}, "met"),
    ({"resolved_at": "past", "resolution_breached": True}, "missed"),
    ({"response_due": None, "response_warn_at": None}, "none"),
])
def test_the_sla_column_tells_the_next_clock(fields, state):
    past = timezone.now() - timedelta(minutes=5)
    row, now = clock_row(**{k: past if v == "past" else v for k, v in fields.items()})
    clock = sla_clock(row, now)
    assert clock.state == state
    if state in ("ok", "warning", "breached"):
        due = row.response_due if row.responded_at is None else row.resolution_due
        assert clock.due == due and clock.seconds_left == int((due - now).total_seconds())


def test_a_saved_filter_is_private_or_shared_with_a_team(client, agent, other_team_agent,
                                                          team_lead, team, mixed):
    client.force_login(agent)
    client.post("/work/filters/", {"name": "Mine, P3", "query": "queue=mine&priority=3"})
    client.post("/work/filters/", {"name": "Team P1", "query": "priority=1", "team": team.pk})
    assert set(SavedFilter.objects.values_list("name", "team")) == {("Mine, P3", None),
                                                                   ("Team P1", team.pk)}
    assert 'href="/work/?queue=mine&amp;priority=3"' in client.get(WORK).content.decode()
    client.force_login(team_lead)  # a member of the team
    assert [f.name for f in client.get(WORK).context["saved_filters"]] == ["Team P1"]
    client.force_login(other_team_agent)
    assert list(client.get(WORK).context["saved_filters"]) == []
    mine = SavedFilter.objects.get(name="Team P1")
    assert client.post(f"/work/filters/{mine.pk}/delete/").status_code == 404
    client.force_login(agent)
    assert client.post(f"/work/filters/{mine.pk}/delete/").status_code == 302
    assert not SavedFilter.objects.filter(pk=mine.pk).exists()


def test_the_chosen_columns_are_shown_and_kept(client, agent, mixed):
    client.force_login(agent)
    client.post("/work/columns/", {"columns": ["number", "title", "requester", "bogus"]})
    assert Preferences.objects.get(user=agent).queue_columns == ["number", "title", "requester"]
    response = client.get(WORK)
    assert [c.key for c in response.context["columns"]] == ["number", "title", "requester"]
    assert str(mixed.incident.requester) in response.content.decode()
    client.post("/work/columns/", {})
    assert "sla" in [c.key for c in client.get(WORK).context["columns"]]


def test_bulk_assign_goes_through_the_workflow_one_event_each(client, agent, team_lead,
                                                               mixed):
    client.force_login(agent)
    response = client.post("/work/bulk/", {
        "action": "assign", "assignee": team_lead.pk,
        "ticket": [mixed.incident.number, mixed.task.number], "next": "/work/"})
    assert response.status_code == 302 and response["Location"] == "/work/"
    for ticket in (mixed.incident, mixed.task):
        ticket.refresh_from_db()
        assert ticket.assignee == team_lead
        assert TicketEvent.objects.filter(ticket=ticket, field="assignee").count() == 1
    assert "2 tickets updated" in client.get(WORK).content.decode()


def test_bulk_transition_reports_each_refusal_by_number(client, agent, mixed):
    workflow.transition(mixed.loose, S.CANCELLED, actor=agent, note="Duplicate")
    client.force_login(agent)
    client.post("/work/bulk/", {
        "action": "transition", "status": "cancelled", "note": "Not ours",
        "ticket": [mixed.incident.number, mixed.loose.number, "INC9999999"]})
    mixed.incident.refresh_from_db()
    assert mixed.incident.status == S.CANCELLED
    page = client.get(WORK).content.decode()
    assert f"Not changed: {mixed.loose.number}: cannot go from" in page
    assert "Not changed: INC9999999: no such ticket." in page


def test_bulk_resolve_needs_the_tickets_page(client, agent, mixed):
    workflow.assign(mixed.incident, actor=agent, assignee=agent)
    client.force_login(agent)
    client.post("/work/bulk/", {"action": "transition", "status": "resolved",
                                "ticket": [mixed.incident.number]})
    mixed.incident.refresh_from_db()
    assert mixed.incident.status == S.IN_PROGRESS
    assert "needs more than a reason" in client.get(WORK).content.decode()


def test_managers_read_the_queue_but_may_not_act_in_bulk(client, manager, mixed):
    client.force_login(manager)
    response = client.get(WORK)
    assert response.status_code == 200 and "bulk_form" not in response.context
    response = client.post("/work/bulk/", {"action": "assign", "ticket": [mixed.task.number]})
    assert response.status_code == 403


def test_an_htmx_request_gets_only_the_results(client, agent, mixed):
    client.force_login(agent)
    response = client.get(WORK, {"kind": "task"}, HTTP_HX_REQUEST="true",
                          HTTP_HX_TARGET="queue-results")
    body = response.content.decode()
    assert "<html" not in body and "<table" in body and mixed.task.number in body
    assert mixed.incident.number not in body


def test_the_new_tickets_hint_counts_what_arrived_since(client, agent, mixed):
    client.force_login(agent)
    since = (timezone.now() - timedelta(minutes=1)).isoformat()
    response = client.get("/work/new-tickets/", {"since": since, "queue": "open"})
    assert "3 new tickets" in response.content.decode()
    response = client.get("/work/new-tickets/", {"since": timezone.now().isoformat()})
    assert response.content.decode().strip() == ""


def test_requesters_are_sent_to_the_portal(client, requester):
    client.force_login(requester)
    response = client.get(WORK)
    assert response.status_code == 302 and response["Location"] == "/portal/"


def test_the_queue_runs_a_fixed_number_of_queries(client, agent, requester, team,
                                                  count_queries):
    client.force_login(agent)

    def add(n):
        for i in range(n):
            parent = make_incident(actor=agent, requester=requester, title=f"Row {i}",
                                   service=ServiceFactory(owner_team=TeamFactory()))
            add_task(parent, actor=agent, title=f"Task {i}", team=team)

    add(2)
    few = count_queries(client, WORK)
    add(6)
    many = count_queries(client, WORK)
    assert few == many


def test_the_at_risk_filter_lists_open_tickets_warned_but_not_breached(client, agent, incident,
                                                                       requester, service):
    from itsm.models import Ticket

    warned = make_incident(actor=agent, requester=requester, service=service, title="Warned")
    breached = make_incident(actor=agent, requester=requester, service=service, title="Late")
    Ticket.objects.filter(pk=warned.pk).update(resolution_warned=True)
    Ticket.objects.filter(pk=breached.pk).update(resolution_warned=True,
                                                 resolution_breached=True)
    client.force_login(agent)
    assert numbers(client.get(WORK, {"at_risk": "true"})) == [warned.number]
    assert warned.number not in numbers(client.get(WORK, {"at_risk": "false"}))
    api = client.get("/api/v1/tickets/", {"at_risk": "maybe"})
    assert api.status_code == 400 and "at_risk" in api.json()
    assert [t["number"] for t in client.get("/api/v1/tickets/", {"at_risk": "true"}).json()[
        "results"]] == [warned.number]
