"""API lists count exactly up to a cap, say when they stopped, and page on past it."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator

from itsm.base.api.pagination import StandardPagination

from ..factories import make_incident

pytestmark = pytest.mark.django_db

LIST = "/api/v1/incidents/"


@pytest.fixture
def seven(agent, requester):
    return [make_incident(actor=agent, requester=requester, title=f"Incident {n}")
            for n in range(7)]


def test_a_count_under_the_cap_is_exact(api_as, agent, seven):
    body = api_as(agent).get(LIST, {"page_size": 2}).json()
    assert body["count"] == 7
    assert body["count_is_capped"] is False
    assert list(body) == ["count", "count_is_capped", "next", "previous", "results"]


def test_past_the_cap_the_count_says_so_and_paging_goes_on(api_as, agent, seven, monkeypatch):
    monkeypatch.setattr(StandardPagination, "count_cap", 3)
    client = api_as(agent)
    first = client.get(LIST, {"page_size": 2}).json()
    assert (first["count"], first["count_is_capped"]) == (3, True)
    assert "page=2" in first["next"]

    seen, url = [], LIST + "?page_size=2"
    while url:
        body = client.get(url).json()
        seen += [row["number"] for row in body["results"]]
        url = body["next"]
    assert sorted(seen) == sorted(i.number for i in seven)

    last = client.get(LIST, {"page_size": 2, "page": 4}).json()
    assert last["next"] is None and len(last["results"]) == 1
    assert "page=3" in last["previous"]
    assert client.get(LIST, {"page_size": 2, "page": 5}).status_code == 404


def test_exact_count_on_request(api_as, agent, seven, monkeypatch):
    monkeypatch.setattr(StandardPagination, "count_cap", 3)
    body = api_as(agent).get(LIST, {"page_size": 2, "exact_count": "true"}).json()
    assert (body["count"], body["count_is_capped"]) == (7, False)


def test_the_last_page_by_name_counts_exactly(api_as, agent, seven, monkeypatch):
    monkeypatch.setattr(StandardPagination, "count_cap", 3)
    body = api_as(agent).get(LIST, {"page_size": 2, "page": "last"}).json()
    assert (body["count"], body["count_is_capped"]) == (7, False)
    assert len(body["results"]) == 1 and body["next"] is None


@pytest.mark.parametrize("page", ["0", "-1", "two", "2.5", str(10**30), "9223372036854775807"])
def test_bad_page_numbers_are_404_past_the_cap_too(api_as, agent, seven, monkeypatch, page):
    monkeypatch.setattr(StandardPagination, "count_cap", 3)
    assert api_as(agent).get(LIST, {"page_size": 2, "page": page}).status_code == 404


def test_a_capped_list_still_renders_in_the_browsable_api(api_as, agent, seven, monkeypatch):
    monkeypatch.setattr(StandardPagination, "count_cap", 3)
    response = api_as(agent).get(LIST, {"page_size": 2, "page": 3}, HTTP_ACCEPT="text/html")
    assert response.status_code == 200


def test_the_schema_documents_the_capped_count():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    page = schema["components"]["schemas"]["PaginatedIncidentList"]
    assert "count_is_capped" in page["required"]
    assert "1,000" in page["properties"]["count_is_capped"]["description"]
    parameters = schema["paths"]["/api/v1/incidents/"]["get"]["parameters"]
    assert "exact_count" in {p["name"] for p in parameters}
