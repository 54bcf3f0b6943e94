"""`/api/v1/tickets/`: every kind, read-only, by number, scoped per role."""

from __future__ import annotations

import pytest

from itsm.models import Ticket

from ..factories import make_incident

pytestmark = pytest.mark.django_db

LIST = "/api/v1/tickets/"


def test_agent_lists_tickets_of_every_kind(api_as, agent, incident):
    response = api_as(agent).get(LIST)
    assert response.status_code == 200
    row = response.data["results"][0]
    assert row["number"] == incident.number
    assert row["kind"] == "incident"
    assert row["status_label"] == "New"
    assert row["service"]["name"] == "Email"


def test_retrieve_by_number(api_as, requester, incident):
    response = api_as(requester).get(f"{LIST}{incident.number}/")
    assert response.status_code == 200
    assert response.data["title"] == incident.title


def test_requesters_see_their_own_tickets_only(api_as, agent, requester, other_requester,
                                               incident):
    theirs = make_incident(actor=agent, requester=other_requester, title="Bob's")
    client = api_as(requester)
    assert [r["number"] for r in client.get(LIST).data["results"]] == [incident.number]
    assert client.get(f"{LIST}{theirs.number}/").status_code == 404


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_tickets_are_read_only(api_as, admin, incident, method):
    url = LIST if method == "post" else f"{LIST}{incident.number}/"
    version = incident.version
    response = getattr(api_as(admin), method)(url, {"title": "x", "version": version})
    assert response.status_code == 405
    assert Ticket.objects.get(pk=incident.pk).version == version


def test_filters_and_ordering(api_as, agent, requester, incident):
    urgent = make_incident(actor=agent, requester=requester, title="Core down",
                           impact=1, urgency=1)
    client = api_as(agent)
    numbers = lambda params: [r["number"] for r in client.get(LIST, params).data["results"]]  # noqa: E731
    assert numbers({"kind": "incident", "priority": 1}) == [urgent.number]
    assert numbers({"q": incident.number}) == [incident.number]
    assert numbers({"q": "core"}) == [urgent.number]
    assert numbers({"is_open": "true", "ordering": "priority"}) == [urgent.number,
                                                                     incident.number]
    assert numbers({"kind": "change"}) == []


@pytest.mark.parametrize("params, field", [
    ({"kind": "ticket"}, "kind"),
    ({"priority": "high"}, "priority"),
    ({"assignee": "nobody"}, "assignee"),
    ({"ordering": "description"}, "ordering"),
    ({"created_before": "not a date"}, "created_before"),
])
def test_bad_parameters_are_400_naming_them(api_as, agent, params, field):
    response = api_as(agent).get(LIST, params)
    assert response.status_code == 400
    assert field in response.data
