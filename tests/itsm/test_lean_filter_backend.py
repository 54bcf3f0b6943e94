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
