"""Read endpoints for suppliers and underpinning contracts, and the new service, CI and
team fields and filters (`/api/v1/catalog/…`)."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import (
    CIRelation,
    CIRelationKind,
    ContractTarget,
    Criticality,
    Lifecycle,
    ServiceType,
    Supplier,
    UnderpinningContract,
)

from ..factories import ConfigurationItemFactory, ServiceFactory, TeamFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/catalog"


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.data["results"]]


def make_contract(n: int, service=None) -> UnderpinningContract:
    supplier = Supplier.objects.create(name=f"Supplier {n}", contact_email=f"s{n}@x.test")
    contract = UnderpinningContract.objects.create(
        supplier=supplier, service=service, name=f"Contract {n}", reference=f"UC-{n}",
        valid_from=date(2026, 1, 1))
    ContractTarget.objects.bulk_create(
        ContractTarget(contract=contract, priority=p, response_minutes=15 * p,
                       resolution_minutes=240 * p) for p in (1, 2))
    return contract


def test_a_contract_shows_its_supplier_service_and_targets(api_as, agent, service):
    contract = make_contract(1, service)
    data = api_as(agent).get(f"{BASE}/contracts/{contract.pk}/").data
    assert data["supplier"] == {"id": contract.supplier_id, "name": "Supplier 1"}
    assert data["service"] == {"id": service.pk, "name": "Email", "code": "email"}
    assert data["targets"] == [
        {"priority": 1, "response_minutes": 15, "resolution_minutes": 240},
        {"priority": 2, "response_minutes": 30, "resolution_minutes": 480},
    ]
    assert data["valid_to"] is None


def test_requesters_see_no_suppliers_or_contracts(api_as, requester, service):
    contract = make_contract(1, service)
    client = api_as(requester)
    assert names(client.get(f"{BASE}/suppliers/")) == []
    assert names(client.get(f"{BASE}/contracts/")) == []
    assert client.get(f"{BASE}/contracts/{contract.pk}/").status_code == 404


def test_supplier_and_contract_filters(api_as, agent, service):
    make_contract(1, service)
    other = make_contract(2)
    other.supplier.is_active = False
    other.supplier.save()
    client = api_as(agent)
    assert names(client.get(f"{BASE}/suppliers/", {"is_active": "true"})) == ["Supplier 1"]
    assert names(client.get(f"{BASE}/contracts/", {"service": service.pk})) == ["Contract 1"]
    assert names(client.get(f"{BASE}/contracts/", {"supplier": other.supplier_id})) == [
        "Contract 2"]
    assert names(client.get(f"{BASE}/contracts/", {"q": "uc-2"})) == ["Contract 2"]


def test_service_ci_and_team_fields(api_as, agent, service, team):
    network = ServiceFactory(name="Network", code="network",
                             service_type=ServiceType.TECHNICAL)
    service.depends_on.add(network)
    app, vm = ConfigurationItemFactory(name="app-01"), ConfigurationItemFactory(name="vm-01")
    CIRelation.objects.create(source=app, target=vm, kind=CIRelationKind.RUNS_ON)
    client = api_as(agent)
    svc = client.get(f"{BASE}/services/{service.pk}/").data
    assert (svc["service_type"], svc["criticality"], svc["lifecycle"]) == (
        "business", "medium", "live")
    assert svc["depends_on"] == [{"id": network.pk, "name": "Network", "code": "network"}]
    ci = client.get(f"{BASE}/cis/{app.pk}/").data
    assert ci["relations"] == [{"kind": "runs_on", "target": {
        "id": vm.pk, "name": "vm-01", "ci_type": "other"}}]
    assert client.get(f"{BASE}/teams/{team.pk}/").data["meeting_cadence"] == "none"


def test_service_filters(api_as, agent, service):
    ServiceFactory(name="Network", code="network", service_type=ServiceType.TECHNICAL,
                   criticality=Criticality.CRITICAL, lifecycle=Lifecycle.PLANNED)
    client = api_as(agent)
    assert names(client.get(f"{BASE}/services/", {"service_type": "technical"})) == ["Network"]
    assert names(client.get(f"{BASE}/services/", {"criticality": ["critical", "medium"]})) == [
        "Email", "Network"]
    assert names(client.get(f"{BASE}/services/", {"lifecycle": "live"})) == ["Email"]
    response = client.get(f"{BASE}/services/", {"lifecycle": "zombie"})
    assert response.status_code == 400
    assert "lifecycle" in response.data


def make_rows(n: int) -> None:
    """n suppliers with a contract each, and services and CIs with their relations."""
    for _ in range(n):
        service = ServiceFactory(owner_team=TeamFactory())
        service.depends_on.add(ServiceFactory())
        make_contract(Supplier.objects.count() + 1, service)
        app, vm = ConfigurationItemFactory(), ConfigurationItemFactory()
        CIRelation.objects.create(source=app, target=vm)


@pytest.mark.parametrize("resource", ["suppliers", "contracts", "services", "cis"],
                         ids=["supplier", "contract", "service", "ci"])
def test_list_query_count_does_not_grow_with_rows(api_as, admin, resource):
    client = api_as(admin)
    client.get(f"{BASE}/{resource}/")

    def queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"{BASE}/{resource}/")
        assert response.status_code == 200
        return len(ctx.captured_queries), response.data["count"]

    make_rows(2)
    two, count_two = queries()
    make_rows(6)
    eight, count_eight = queries()
    assert count_eight > count_two
    assert eight == two
