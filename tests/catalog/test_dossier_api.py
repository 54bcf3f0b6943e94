"""The dossier over the API: categories, orders, standard changes, support paths and the
documentation history (`/api/v1/catalog/…`), scoped by role, read-only, N+1-free."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import (
    ApprovalStep,
    RequestItem,
    ServiceCategory,
    StandardChange,
    Supplier,
    SupportLevel,
)
from catalog.services import record_revision

from ..factories import ServiceFactory, TeamFactory, make_sla

pytestmark = pytest.mark.django_db

BASE = "/api/v1/catalog"


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.data["results"]]


@pytest.fixture
def documented(service, team):
    category = ServiceCategory.objects.create(name="Workplace", code="workplace")
    service.category = category
    service.save()
    supplier = Supplier.objects.create(name="Mailsoft")
    SupportLevel.objects.create(service=service, position=1, team=team)
    SupportLevel.objects.create(service=service, position=2, supplier=supplier, note="24/7")
    mailbox = RequestItem.objects.create(service=service, name="Shared mailbox")
    ApprovalStep.objects.create(item=mailbox, name="Manager")
    RequestItem.objects.create(service=service, name="Old item", is_active=False)
    StandardChange.objects.create(service=service, name="Raise quota",
                                  implementation_plan="Set the quota.")
    record_revision(service, None, "First")
    service.description = "Mail."
    service.save()
    record_revision(service, None, "Described")
    return service


def test_a_service_shows_its_category_notes_and_support_path(api_as, agent, documented, team):
    data = api_as(agent).get(f"{BASE}/services/{documented.pk}/").data

    assert data["category"]["code"] == "workplace"
    assert data["support_path"] == [
        {"position": 1, "team": {"id": team.pk, "name": "Service desk"}, "supplier": None,
         "note": ""},
        {"position": 2, "team": None,
         "supplier": {"id": Supplier.objects.get().pk, "name": "Mailsoft"}, "note": "24/7"},
    ]
    assert {"operations_notes", "support_notes"} <= set(data)


@pytest.mark.parametrize("persona", ["agent", "manager", "admin"], indirect=True)
def test_desk_roles_read_categories_items_changes_and_history(api_as, persona, documented):
    client = api_as(persona)
    assert names(client.get(f"{BASE}/categories/")) == ["Workplace"]
    assert names(client.get(f"{BASE}/items/")) == ["Old item", "Shared mailbox"]
    assert names(client.get(f"{BASE}/standard-changes/")) == ["Raise quota"]
    revisions = client.get(f"{BASE}/revisions/?service={documented.pk}").data["results"]
    assert [(r["number"], r["summary"]) for r in revisions] == [(2, "Described"), (1, "First")]
    assert revisions[0]["changed"] == ["description"]
    assert revisions[0]["content"]["description"] == "Mail."


def test_requesters_see_what_they_can_order_and_nothing_internal(api_as, requester,
                                                                 documented):
    client = api_as(requester)
    assert names(client.get(f"{BASE}/items/")) == ["Shared mailbox"]
    assert names(client.get(f"{BASE}/standard-changes/")) == []
    assert client.get(f"{BASE}/revisions/").data["results"] == []
    assert names(client.get(f"{BASE}/categories/")) == []


def test_filters_by_service_category_and_risk(api_as, agent, documented, other_team):
    other = ServiceFactory(name="CRM", code="crm", owner_team=other_team)
    RequestItem.objects.create(service=other, name="CRM licence")
    client = api_as(agent)

    assert names(client.get(f"{BASE}/items/?service={other.pk}")) == ["CRM licence"]
    assert names(client.get(f"{BASE}/items/?requires_approval=true")) == ["Shared mailbox"]
    category = documented.category_id
    assert names(client.get(f"{BASE}/services/?category={category}")) == ["Email"]
    assert names(client.get(f"{BASE}/standard-changes/?risk=high")) == []
    response = client.get(f"{BASE}/revisions/?service=999999")
    assert response.status_code == 400 and "service" in response.data


@pytest.mark.parametrize("resource", ["services", "items", "standard-changes", "revisions",
                                      "categories"],
                         ids=["svc", "item", "change", "revision", "category"])
def test_list_queries_do_not_grow_with_rows(api_as, admin, resource):
    client = api_as(admin)
    client.get(f"{BASE}/{resource}/")

    def rows(n: int) -> None:
        for _ in range(n):
            team = TeamFactory()
            category = ServiceCategory.objects.create(name=f"Cat {team.pk}",
                                                      code=f"cat-{team.pk}")
            service = ServiceFactory(owner_team=team, category=category)
            SupportLevel.objects.create(service=service, position=1, team=team)
            SupportLevel.objects.create(
                service=service, position=2,
                supplier=Supplier.objects.create(name=f"Supplier {team.pk}"))
            RequestItem.objects.create(service=service, name="Item", fulfilment_team=team)
            StandardChange.objects.create(service=service, name="Change",
                                          implementation_plan="Do it.")
            record_revision(service, admin)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"{BASE}/{resource}/").status_code == 200
        return len(ctx.captured_queries)

    rows(2)
    two = queries()
    rows(6)
    assert queries() == two


def test_calendars_and_slas_filter(api_as, agent, service, other_team, office):
    crm = ServiceFactory(name="CRM", code="crm", owner_team=other_team)
    make_sla(service, office)
    make_sla(crm, office)
    client = api_as(agent)

    assert names(client.get(f"{BASE}/slas/?service={crm.pk}")) == ["CRM all"]
    assert names(client.get(f"{BASE}/slas/?calendar={office.pk}&is_active=true")) == [
        "CRM all", "Email all"]
    assert names(client.get(f"{BASE}/calendars/?q=berlin")) == ["Berlin office"]
    response = client.get(f"{BASE}/slas/?service=nonsense")
    assert response.status_code == 400 and "service" in response.data


def test_the_default_sla_reads_with_no_service(api_as, agent, office):
    default = make_sla(None, office, name="Default")
    rows = api_as(agent).get(f"{BASE}/slas/").data["results"]
    assert [(row["name"], row["service"]) for row in rows] == [("Default", None)]
    assert default.pk == rows[0]["id"]


def test_the_schema_says_an_slas_service_may_be_null(api_as, agent):
    schema = api_as(agent).get("/api/schema/", HTTP_ACCEPT="application/json").json()
    agreement = schema["components"]["schemas"]["ServiceLevelAgreement"]["properties"]
    assert agreement["service"]["nullable"] is True
