"""Read endpoints of the catalog (`/api/v1/catalog/…`), scoped by `visible_to`.

The rule: desk roles (agents, leads, managers, admins) read everything; a requester
reads active services and their own customer, and gets an empty list (404 on detail)
for teams and configuration items.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Customer

from ..factories import (
    ConfigurationItemFactory,
    CustomerFactory,
    ServiceFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

RESOURCES = ["customers", "services", "teams", "cis"]
# Explicit ids: conftest treats a test whose keywords include "services" as needing
# PostgreSQL and Redis, and a parameter id is a keyword.
RESOURCE_IDS = ["customer", "service", "team", "ci"]

BASE = "/api/v1/catalog"


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.data["results"]]


@pytest.fixture
def catalog(customer, other_customer, service, team, other_team):
    retired = ServiceFactory(name="Fax", code="fax", owner_team=other_team, is_active=False)
    server = ConfigurationItemFactory(name="mail-01", ci_type="server", owner_team=team)
    server.services.add(service)
    ConfigurationItemFactory(name="fax-01", ci_type="other", owner_team=other_team)
    return {"retired": retired, "server": server}


@pytest.mark.parametrize("persona", ["agent", "team_lead", "manager", "admin"], indirect=True)
def test_desk_roles_read_the_whole_catalog(api_as, persona, catalog):
    client = api_as(persona)
    assert names(client.get(f"{BASE}/customers/")) == ["Insurance", "Retail banking"]
    assert names(client.get(f"{BASE}/services/")) == ["Email", "Fax"]
    assert names(client.get(f"{BASE}/teams/")) == ["Network operations", "Service desk"]
    assert names(client.get(f"{BASE}/cis/")) == ["fax-01", "mail-01"]


def test_requesters_see_active_services_and_their_own_customer(api_as, requester, catalog):
    client = api_as(requester)
    assert names(client.get(f"{BASE}/services/")) == ["Email"]
    assert names(client.get(f"{BASE}/customers/")) == ["Retail banking"]
    assert names(client.get(f"{BASE}/teams/")) == []
    assert names(client.get(f"{BASE}/cis/")) == []
    assert client.get(f"{BASE}/services/{catalog['retired'].pk}/").status_code == 404
    assert client.get(f"{BASE}/cis/{catalog['server'].pk}/").status_code == 404
    other = Customer.objects.get(code="insurance")
    assert client.get(f"{BASE}/customers/{other.pk}/").status_code == 404


def test_a_requester_without_a_customer_sees_no_customer(api_as, catalog):
    loner = UserFactory(username="loner", roles=["requester"])
    assert names(api_as(loner).get(f"{BASE}/customers/")) == []


@pytest.mark.parametrize("resource", RESOURCES, ids=RESOURCE_IDS)
def test_anonymous_is_401(api, resource, catalog):
    assert api.get(f"{BASE}/{resource}/").status_code == 401


@pytest.mark.parametrize("resource", RESOURCES, ids=RESOURCE_IDS)
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_catalog_is_read_only_over_the_api(api_as, admin, catalog, resource, method):
    client = api_as(admin)
    first = client.get(f"{BASE}/{resource}/").data["results"][0]
    url = f"{BASE}/{resource}/" if method == "post" else f"{BASE}/{resource}/{first['id']}/"
    response = getattr(client, method)(url, {"name": "Changed"})
    assert response.status_code == 405
    assert client.get(f"{BASE}/{resource}/{first['id']}/").data["name"] == first["name"]


def test_detail_shapes(api_as, agent, catalog, service, team):
    client = api_as(agent)
    svc = client.get(f"{BASE}/services/{service.pk}/").data
    assert svc["owner_team"] == {"id": team.pk, "name": "Service desk"}
    crew = client.get(f"{BASE}/teams/{team.pk}/").data
    assert crew["lead"]["username"] == "erin"
    assert {m["username"] for m in crew["members"]} == {"carol", "erin"}
    ci = client.get(f"{BASE}/cis/{catalog['server'].pk}/").data
    assert [s["name"] for s in ci["services"]] == ["Email"]


def test_filters(api_as, agent, catalog, service, team, other_team):
    client = api_as(agent)
    assert names(client.get(f"{BASE}/services/", {"is_active": "false"})) == ["Fax"]
    assert names(client.get(f"{BASE}/services/", {"owner_team": team.pk})) == ["Email"]
    assert names(client.get(f"{BASE}/services/", {"q": "mai"})) == ["Email"]
    assert names(client.get(f"{BASE}/cis/", {"service": service.pk})) == ["mail-01"]
    assert names(client.get(f"{BASE}/cis/", {"ci_type": "server"})) == ["mail-01"]
    assert names(client.get(f"{BASE}/teams/", {"member": agent.pk})) == ["Service desk"]
    assert names(client.get(f"{BASE}/customers/", {"q": "retail"})) == ["Retail banking"]


def test_ordering(api_as, agent, catalog):
    client = api_as(agent)
    assert names(client.get(f"{BASE}/services/", {"ordering": "-name"})) == ["Fax", "Email"]
    assert names(client.get(f"{BASE}/cis/", {"ordering": "ci_type,name"})) == ["fax-01",
                                                                               "mail-01"]


@pytest.mark.parametrize("resource, params, field", [
    pytest.param("services", {"ordering": "description"}, "ordering", id="service-ordering"),
    pytest.param("services", {"owner_team": "abc"}, "owner_team", id="service-team-abc"),
    pytest.param("services", {"owner_team": 10**30}, "owner_team", id="service-team-huge"),
    ("cis", {"ci_type": "toaster"}, "ci_type"),
    ("cis", {"service": 999_999}, "service"),
    ("teams", {"member": "x"}, "member"),
    ("teams", {"ordering": "members"}, "ordering"),
])
def test_bad_parameters_are_400_naming_them(api_as, agent, catalog, resource, params, field):
    response = api_as(agent).get(f"{BASE}/{resource}/", params)
    assert response.status_code == 400
    assert field in response.data


@pytest.mark.parametrize("value", ["abc", "0", "-1", str(10**30), "1.5"])
def test_bad_ids_in_the_path_are_404(api_as, agent, catalog, value):
    assert api_as(agent).get(f"{BASE}/services/{value}/").status_code == 404


def test_page_size_is_capped_at_200(api_as, agent):
    Customer.objects.bulk_create(
        Customer(name=f"Customer {n:03d}", code=f"c{n:03d}") for n in range(205)
    )
    client = api_as(agent)
    response = client.get(f"{BASE}/customers/", {"page_size": 1000})
    assert response.status_code == 200
    assert response.data["count"] == 205
    assert len(response.data["results"]) == 200
    assert response.data["next"] is not None
    assert len(client.get(f"{BASE}/customers/", {"page_size": 5}).data["results"]) == 5
    assert len(client.get(f"{BASE}/customers/").data["results"]) == 50


@pytest.mark.parametrize("page", ["999", "abc", "0"])
def test_pages_out_of_range_are_404(api_as, agent, catalog, page):
    assert api_as(agent).get(f"{BASE}/customers/", {"page": page}).status_code == 404


def make_rows(n: int) -> None:
    """n customers, teams (with lead and members), services and CIs (with services)."""
    for _ in range(n):
        lead = UserFactory(roles=["agent"])
        team = TeamFactory(members=[lead, UserFactory(roles=["agent"])])
        team.lead = lead
        team.save()
        CustomerFactory()
        service = ServiceFactory(owner_team=team)
        ci = ConfigurationItemFactory(owner_team=team)
        ci.services.add(service, ServiceFactory(owner_team=team))


@pytest.mark.parametrize("resource", RESOURCES, ids=RESOURCE_IDS)
def test_list_query_count_does_not_grow_with_rows(api_as, admin, resource):
    client = api_as(admin)
    client.get(f"{BASE}/{resource}/")  # the token's last_used_at is written once

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"{BASE}/{resource}/")
        assert response.status_code == 200
        return len(ctx.captured_queries), response.data["count"]

    make_rows(2)
    two, count_two = queries()
    make_rows(8)
    ten, count_ten = queries()
    assert count_ten > count_two
    assert ten == two
