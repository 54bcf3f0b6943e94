"""The API's prepared read path says exactly what DRF's own field walk says.

`PreparedReadMixin` reads each field with one prepared function instead of DRF's
per-field machinery, and a page's related objects in brief. These tests render the
same tickets both ways, for the roles whose output differs (allowed transitions), and
compare the JSON byte for byte; and pin the queries a page reads.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from incidents.api.serializers import IncidentSerializer
from incidents.choices import IncidentStatus as S
from itsm import workflow
from itsm.api.serializers import TicketSerializer
from itsm.base.api.readers import PreparedReadMixin
from itsm.task_kind import add_task

from ..factories import ConfigurationItemFactory, make_incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def varied_incidents(agent, requester, service, team):
    """Incidents in every status, with every nullable relation both null and set
    (assigning a person starts an incident)."""
    bare = make_incident(actor=requester, requester=requester, title="Nothing set")
    new = make_incident(actor=agent, requester=requester, service=service,
                        configuration_item=ConfigurationItemFactory(), impact=1, urgency=1)
    working = make_incident(actor=agent, requester=requester, service=service,
                            assignee=agent, parent=new, is_major=True)
    held = make_incident(actor=agent, requester=requester, team=team, assignee=agent)
    workflow.transition(held, S.ON_HOLD, actor=agent, on_hold_reason="awaiting_caller")
    resolved = make_incident(actor=agent, requester=requester, service=service,
                             assignee=agent)
    workflow.transition(resolved, S.RESOLVED, actor=agent,
                        resolution_code="solved_permanently", resolution_notes="Restarted.")
    closed = make_incident(actor=agent, requester=requester, service=service, assignee=agent)
    workflow.transition(closed, S.RESOLVED, actor=agent, resolution_code="solved_workaround",
                        resolution_notes="Bypassed.")
    workflow.transition(closed, S.CLOSED, actor=requester)
    cancelled = make_incident(actor=agent, requester=requester)
    workflow.transition(cancelled, S.CANCELLED, actor=agent, note="Duplicate")
    return [bare, new, working, held, resolved, closed, cancelled]


def drf_walk(monkeypatch) -> None:
    """Make every PreparedReadMixin serializer use DRF's own `to_representation`."""
    monkeypatch.setattr(PreparedReadMixin, "to_representation",
                        serializers.ModelSerializer.to_representation)


@pytest.mark.parametrize("persona", ["agent", "requester", "manager"], indirect=True)
@pytest.mark.parametrize("path", ["/api/v1/incidents/", "/api/v1/tickets/"])
def test_list_json_is_the_same_as_drfs_own(api_as, varied_incidents, persona, path,
                                           monkeypatch):
    client = api_as(persona)
    client.get(path)  # the token's last_used_at is written on first use only
    fast = client.get(path, {"exact_count": "true"})
    assert fast.status_code == 200
    assert len(fast.data["results"]) == len(varied_incidents)
    drf_walk(monkeypatch)
    slow = client.get(path, {"exact_count": "true"})
    assert fast.content == slow.content


@pytest.mark.parametrize("persona", ["agent", "requester"], indirect=True)
def test_detail_json_is_the_same_as_drfs_own(api_as, varied_incidents, persona, monkeypatch):
    client = api_as(persona)
    fast = [client.get(f"/api/v1/incidents/{i.number}/").content for i in varied_incidents]
    drf_walk(monkeypatch)
    slow = [client.get(f"/api/v1/incidents/{i.number}/").content for i in varied_incidents]
    assert fast == slow


def test_every_field_is_read_by_a_prepared_reader(rf, agent, varied_incidents):
    """The prepared path covers every field, so a new field that it cannot read shows
    up here rather than as a silent fall-back to the slow walk."""
    request = rf.get("/")
    request.user = agent
    serializer = IncidentSerializer(context={"request": request})
    plan = serializer.read_plan()
    assert [name for name, _read in plan.readers] == list(serializer.fields)
    assert {relation.name for relation in plan.relations} == {
        "service", "category", "configuration_item", "customer", "requester",
        "assignment_team", "assignee", "parent"}


@pytest.mark.parametrize("path", ["/api/v1/incidents/", "/api/v1/tickets/", "/api/v1/tasks/"])
def test_a_page_reads_each_related_model_once_and_joins_nothing(api_as, agent, path,
                                                                 varied_incidents):
    """One query per related model (requester and assignee share the users'), whatever
    the number of rows; the page query joins nothing but the kind's own table."""
    for parent in varied_incidents[1:3]:
        add_task(parent, actor=agent, title="Check the logs")
    client = api_as(agent)
    client.get(path)  # the token's last_used_at is written on first use only
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, {"exact_count": "true"})
    assert response.status_code == 200 and response.data["results"]
    reads = [q["sql"] for q in ctx.captured_queries]
    for table in ("itsm_user", "catalog_service", "catalog_team"):
        assert sum(f'FROM "{table}"' in sql for sql in reads) == 1, (table, reads)
    page = next(sql for sql in reads if '"itsm_ticket"."description"' in sql)
    assert "catalog_" not in page and '"itsm_user"' not in page


def test_briefs_of_one_model_share_a_query_and_unset_ones_cost_none(agent, varied_incidents):
    from itsm.base.api.readers import BriefRelation, load_briefs
    from itsm.models import User

    relations = [
        BriefRelation("requester", "requester_id", User, ("pk", "username"), tuple),
        BriefRelation("assignee", "assignee_id", User, ("pk", "username"), tuple),
        BriefRelation("service", "service_id", varied_incidents[1].service.__class__,
                      ("pk", "name"), tuple),
    ]
    with CaptureQueriesContext(connection) as ctx:
        loaded = load_briefs(relations, varied_incidents)
    assert len(ctx.captured_queries) == 2
    assert loaded["requester"][varied_incidents[0].requester_id][1] == "alice"
    assert loaded["assignee"][varied_incidents[2].assignee_id][1] == "carol"
    assert loaded["service"][varied_incidents[1].service_id][1] == "Email"
    with CaptureQueriesContext(connection) as ctx:
        assert load_briefs(relations[2:], varied_incidents[:1]) == {"service": {}}
    assert ctx.captured_queries == []


def test_datetimes_keep_drfs_format_in_another_time_zone(agent, varied_incidents, settings):
    settings.TIME_ZONE = "Europe/Berlin"
    incident = varied_incidents[4]
    fast = TicketSerializer(incident).data
    slow = serializers.ModelSerializer.to_representation(TicketSerializer(incident), incident)
    assert JSONRenderer().render(fast) == JSONRenderer().render(slow)
    assert fast["created_at"].endswith(("+01:00", "+02:00"))


@pytest.mark.parametrize("persona", ["agent", "manager"], indirect=True)
def test_task_json_is_the_same_as_drfs_own(api_as, varied_incidents, persona, agent,
                                           monkeypatch):
    for parent in varied_incidents[1:4]:
        add_task(parent, actor=agent, title="Call the supplier", team=parent.assignment_team)
    client = api_as(persona)
    client.get("/api/v1/tasks/")
    fast = client.get("/api/v1/tasks/", {"exact_count": "true"})
    assert len(fast.data["results"]) == 3
    drf_walk(monkeypatch)
    slow = client.get("/api/v1/tasks/", {"exact_count": "true"})
    assert fast.content == slow.content
