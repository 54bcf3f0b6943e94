"""Lists skip django-filter when the request names no filter, and only then."""

from __future__ import annotations

import pytest

from incidents.filters import IncidentFilterSet

pytestmark = pytest.mark.django_db


@pytest.fixture
def built(monkeypatch):
    calls = []
    real_init = IncidentFilterSet.__init__

    def init(self, *args, **kwargs):
        calls.append(kwargs.get("data"))
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(IncidentFilterSet, "__init__", init)
    return calls


def test_an_unfiltered_list_builds_no_filterset(api_as, agent, incident, built):
    response = api_as(agent).get("/api/v1/incidents/?page_size=10&ordering=-priority")

    assert response.status_code == 200 and response.data["count"] == 1
    assert built == []


def test_a_filter_parameter_still_filters_and_validates(api_as, agent, incident, built):
    client = api_as(agent)

    assert client.get("/api/v1/incidents/?status=closed").data["count"] == 0
    assert client.get("/api/v1/incidents/?status=new").data["count"] == 1
    response = client.get("/api/v1/incidents/?priority=9")
    assert response.status_code == 400 and "priority" in response.data
    assert len(built) == 3


def test_the_filterset_holds_only_the_named_filters(api_as, agent, incident, monkeypatch):
    from itsm.api import filters

    seen = []
    real = filters.narrowed_filterset

    def spy(filterset_class, names):
        narrowed = real(filterset_class, names)
        seen.append(set(narrowed.base_filters))
        return narrowed

    monkeypatch.setattr(filters, "narrowed_filterset", spy)
    client = api_as(agent)
    response = client.get("/api/v1/incidents/?status=new&priority=3&q=printer&page_size=5")

    assert response.status_code == 200
    assert seen == [{"status", "priority", "q"}]
    assert real(IncidentFilterSet, frozenset({"q", "status", "priority"})) is real(
        IncidentFilterSet, frozenset({"priority", "q", "status"}))


def test_a_narrowed_filterset_keeps_methods_and_request(api_as, agent, team, incident):
    """Method filters (the queue, breached) and filters scoped by the request still
    work on their own."""
    client = api_as(agent)

    assert client.get("/api/v1/incidents/?queue=mine").data["count"] == 0
    assert client.get("/api/v1/incidents/?queue=unassigned").data["count"] == 1
    assert client.get("/api/v1/incidents/?breached=false").data["count"] == 1
    response = client.get("/api/v1/incidents/?team=999999")
    assert response.status_code == 400 and "team" in response.data


def test_the_browsable_api_still_offers_every_filter(client, agent, incident):
    """Narrowing is for filtering only: the HTML filter form lists all the filters."""
    client.force_login(agent)
    for path in ("/api/v1/incidents/", "/api/v1/incidents/?status=new"):
        page = client.get(path, HTTP_ACCEPT="text/html").content.decode()
        for name in ("q", "status", "priority", "team", "assignee", "breached"):
            assert f'name="{name}"' in page, (path, name)
