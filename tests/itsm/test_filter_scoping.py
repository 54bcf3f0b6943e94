"""Filters choose among the rows the user may see: an id a requester may not see
answers exactly like an id that does not exist, so filters reveal no ids."""

from __future__ import annotations

import pytest
from django.db.models import Max

from ..factories import ServiceFactory, make_incident

pytestmark = pytest.mark.django_db

# (list URL with the filter, persona or fixture whose id the requester may not see)
INVISIBLE = [
    ("/api/v1/tickets/?team={}", "other_team"),
    ("/api/v1/tickets/?customer={}", "other_customer"),
    ("/api/v1/tickets/?requester={}", "other_requester"),
    ("/api/v1/tickets/?assignee={}", "other_team_agent"),
    ("/api/v1/incidents/?team={}", "other_team"),
    ("/api/v1/incidents/?customer={}", "other_customer"),
    ("/api/v1/catalog/services/?owner_team={}", "other_team"),
]


@pytest.fixture
def bobs_incident(agent, other_requester, other_team, other_team_agent):
    """An incident of another customer, worked by another team."""
    service = ServiceFactory(name="VPN", code="vpn", owner_team=other_team)
    return make_incident(actor=agent, requester=other_requester, service=service,
                         assignee=other_team_agent, title="VPN drops")


def nonexistent_pk(model) -> int:
    return (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1000


@pytest.mark.parametrize(("url", "hidden"), INVISIBLE)
def test_an_invisible_id_answers_like_a_missing_one(request, api_as, requester, incident,
                                                    bobs_incident, url, hidden):
    row = request.getfixturevalue(hidden)
    client = api_as(requester)

    invisible = client.get(url.format(row.pk))
    missing = client.get(url.format(nonexistent_pk(type(row))))

    assert invisible.status_code == missing.status_code == 400
    assert invisible.json() == missing.json()
    field = url.split("?")[1].split("=")[0]
    assert list(invisible.json()) == [field]


def test_a_requester_still_filters_on_their_customer_and_themself(api_as, requester, incident,
                                                                  bobs_incident):
    client = api_as(requester)
    for url in (f"/api/v1/tickets/?customer={requester.customer_id}",
                f"/api/v1/tickets/?requester={requester.pk}",
                f"/api/v1/incidents/?customer={requester.customer_id}"):
        response = client.get(url)
        assert response.status_code == 200, (url, response.content)
        assert [row["number"] for row in response.json()["results"]] == [incident.number]


@pytest.mark.parametrize("url", [
    "/api/v1/tickets/?team={other_team}",
    "/api/v1/tickets/?customer={other_customer}",
    "/api/v1/tickets/?requester={other_requester}",
    "/api/v1/tickets/?assignee={other_team_agent}",
    "/api/v1/incidents/?team={other_team}",
    "/api/v1/incidents/?customer={other_customer}",
])
@pytest.mark.parametrize("persona", ["agent", "manager"], indirect=True)
def test_staff_filter_on_any_id(api_as, persona, incident, bobs_incident, other_team,
                                other_customer, other_requester, other_team_agent, url):
    response = api_as(persona).get(url.format(
        other_team=other_team.pk, other_customer=other_customer.pk,
        other_requester=other_requester.pk, other_team_agent=other_team_agent.pk,
    ))
    assert response.status_code == 200, response.content
    assert [row["number"] for row in response.json()["results"]] == [bobs_incident.number]


def test_staff_filter_the_catalog_on_any_team(api_as, agent, bobs_incident, other_team):
    response = api_as(agent).get(f"/api/v1/catalog/services/?owner_team={other_team.pk}")
    assert response.status_code == 200
    assert [row["code"] for row in response.json()["results"]] == ["vpn"]
