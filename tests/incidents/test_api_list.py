"""The incident list's fast read path says exactly what DRF's own field walk says.

`CompiledReadMixin` reads each field with one prepared function instead of DRF's
per-field machinery. These tests render the same incidents both ways, for the roles
whose output differs (allowed transitions), and compare the JSON byte for byte.
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
from itsm.api.serializers import CompiledReadMixin, TicketSerializer

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
    """Make every CompiledReadMixin serializer use DRF's own `to_representation`."""
    monkeypatch.setattr(CompiledReadMixin, "to_representation",
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
    """The fast path covers every field, so a new field that it cannot read shows up here
    rather than as a silent fall-back to the slow walk."""
    request = rf.get("/")
    request.user = agent
    serializer = IncidentSerializer(context={"request": request})
    plan = serializer.read_plan()
    assert [name for name, _read in plan.readers] == list(serializer.fields)
    assert {relation.name for relation in plan.relations} == {
        "service", "category", "configuration_item", "customer", "requester",
        "assignment_team", "assignee", "parent"}


def test_the_read_plan_is_shared_by_every_response_of_a_class(
        rf, agent, requester, varied_incidents):
    """Planned once per class (context-free fields); the method fields still see each
    response's own request."""
    from itsm.api.serializers import _READ_PLANS

    _READ_PLANS.clear()
    first, second = rf.get("/"), rf.get("/")
    first.user, second.user = agent, requester
    a = IncidentSerializer(context={"request": first})
    b = IncidentSerializer(context={"request": second})
    assert a.read_plan() is b.read_plan()
    assert [key for key in _READ_PLANS if key[0] is IncidentSerializer] == [
        (IncidentSerializer, "UTC")]

    new = varied_incidents[1]
    assert {t["status"] for t in a.to_representation(new)["allowed_transitions"]} == {
        t.target for t in workflow.allowed_transitions(new, agent)}
    assert {t["status"] for t in b.to_representation(new)["allowed_transitions"]} == {
        t.target for t in workflow.allowed_transitions(new, requester)}


def test_a_page_reads_all_its_related_objects_in_one_query(api_as, agent, varied_incidents):
    """Seven relations, one UNION ALL (requester and assignee share a part), and the
    page query itself joins nothing but the incident's own ticket row."""
    client = api_as(agent)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/api/v1/incidents/", {"exact_count": "true"})
    assert response.status_code == 200
    reads = [q["sql"] for q in ctx.captured_queries if "UNION ALL" in q["sql"]]
    assert len(reads) == 1
    for table in ("itsm_user", "catalog_service", "catalog_customer", "catalog_team",
                  "catalog_configurationitem", "incidents_incident"):
        assert reads[0].count(f'FROM "{table}"') == 1, table
    page = next(q["sql"] for q in ctx.captured_queries
                if '"itsm_ticket"."description"' in q["sql"])
    assert "catalog_" not in page and '"itsm_user"' not in page
    working = next(r for r in response.data["results"] if r["parent"])
    assert working["parent"] == varied_incidents[1].number
    assert working["assignee"]["name"] == str(varied_incidents[2].assignee)
    assert working["service"]["name"] == varied_incidents[2].service.name


def test_briefs_that_are_not_all_text_are_read_on_their_own(agent, varied_incidents):
    """A UNION needs columns of one type: a brief with other columns keeps its query."""
    from itsm import briefs
    from itsm.models import User

    relations = [
        briefs.BriefRelation("requester", "requester_id", User,
                             ("pk", "username", "is_active"), tuple),
        briefs.BriefRelation("service", "service_id", varied_incidents[1].service.__class__,
                             ("pk", "name"), tuple),
    ]
    with CaptureQueriesContext(connection) as ctx:
        loaded = briefs.load(relations, varied_incidents)
    assert len(ctx.captured_queries) == 2
    assert not any("UNION" in q["sql"] for q in ctx.captured_queries)
    assert loaded["requester"][varied_incidents[0].requester_id][2] is True
    assert loaded["service"][varied_incidents[1].service_id][1] == "Email"


def test_datetimes_keep_drfs_format_in_another_time_zone(agent, varied_incidents, settings):
    settings.TIME_ZONE = "Europe/Berlin"
    incident = varied_incidents[4]
    fast = TicketSerializer(incident).data
    slow = serializers.ModelSerializer.to_representation(TicketSerializer(incident), incident)
    assert JSONRenderer().render(fast) == JSONRenderer().render(slow)
    assert fast["created_at"].endswith(("+01:00", "+02:00"))


def test_values_are_passed_as_stored_only_where_drf_would_not_change_them():
    from django.db import models
    from rest_framework import serializers as drf

    from itsm.api.serializers import represents_as_stored

    class Shouting(drf.CharField):
        def to_representation(self, value):
            return value.upper()

    text, number = models.CharField(max_length=5), models.IntegerField()
    assert represents_as_stored(drf.CharField(), text)
    assert represents_as_stored(drf.IntegerField(), number)
    assert represents_as_stored(drf.ChoiceField(choices=[("a", "A")]), text)
    assert represents_as_stored(drf.ChoiceField(choices=[(1, "One")]), number)
    # "1" stored, 1 shown: DRF's choice lookup changes the type.
    assert not represents_as_stored(drf.ChoiceField(choices=[(1, "One")]), text)
    assert not represents_as_stored(drf.ChoiceField(choices=[(True, "Yes")]), number)
    assert not represents_as_stored(drf.IntegerField(), text)
    assert not represents_as_stored(Shouting(), text)
    assert not represents_as_stored(drf.DateTimeField(), models.DateTimeField())
