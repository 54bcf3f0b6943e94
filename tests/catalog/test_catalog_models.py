"""The catalog's structure: service fields, CI relations and the impact walk, and the
constraints on relations and supplier contracts."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from catalog.models import (
    CIRelation,
    CIRelationKind,
    ContractTarget,
    Criticality,
    Lifecycle,
    MeetingCadence,
    Service,
    ServiceType,
    Supplier,
    UnderpinningContract,
    impacted_services,
)
from catalog.models.catalog import MAX_IMPACT_DEPTH

from ..factories import ConfigurationItemFactory, ServiceFactory, TeamFactory

pytestmark = pytest.mark.django_db

DEPENDS_ON = CIRelationKind.DEPENDS_ON
RUNS_ON = CIRelationKind.RUNS_ON


def relate(source, target, kind=DEPENDS_ON) -> CIRelation:
    return CIRelation.objects.create(source=source, target=target, kind=kind)


def codes(queryset) -> list[str]:
    return sorted(queryset.values_list("code", flat=True))


def test_a_new_service_is_a_live_medium_business_service():
    service = ServiceFactory()
    assert service.service_type == ServiceType.BUSINESS
    assert service.criticality == Criticality.MEDIUM
    assert service.lifecycle == Lifecycle.LIVE


def test_service_dependencies_are_directed():
    email = ServiceFactory(code="email")
    network = ServiceFactory(code="network", service_type=ServiceType.TECHNICAL)
    email.depends_on.add(network)
    assert codes(email.depends_on.all()) == ["network"]
    assert codes(network.supports.all()) == ["email"]
    assert codes(network.depends_on.all()) == []


def test_a_team_does_not_meet_until_told_otherwise():
    team = TeamFactory()
    assert team.meeting_cadence == MeetingCadence.NONE
    team.meeting_cadence = MeetingCadence.WEEKLY
    team.full_clean()


def test_a_ci_impacts_the_services_it_supports_directly():
    email = ServiceFactory(code="email")
    server = ConfigurationItemFactory()
    server.services.add(email)
    assert codes(impacted_services(server)) == ["email"]


def test_impact_travels_up_depends_on_and_runs_on_transitively():
    """storage ← vm (runs on) ← app (depends on); app supports email, vm supports backup."""
    email, backup = ServiceFactory(code="email"), ServiceFactory(code="backup")
    ServiceFactory(code="unrelated").configuration_items.add(ConfigurationItemFactory())
    storage, vm, app = (ConfigurationItemFactory() for _ in range(3))
    relate(vm, storage, RUNS_ON)
    relate(app, vm, DEPENDS_ON)
    app.services.add(email)
    vm.services.add(backup)

    assert codes(impacted_services(storage)) == ["backup", "email"]
    assert codes(impacted_services(vm.pk)) == ["backup", "email"]
    # Impact flows from what is depended on to what depends on it, never downwards.
    assert codes(impacted_services(app)) == ["email"]


def test_a_relation_cycle_terminates():
    a, b, c = (ConfigurationItemFactory() for _ in range(3))
    relate(a, b)
    relate(b, c)
    relate(c, a, RUNS_ON)
    b.services.add(ServiceFactory(code="email"))
    assert codes(impacted_services(a)) == ["email"]
    assert codes(impacted_services(c)) == ["email"]


def test_the_walk_is_one_query_per_level():
    chain = [ConfigurationItemFactory() for _ in range(4)]
    for upper, lower in zip(chain[1:], chain, strict=False):
        relate(upper, lower)
    chain[-1].services.add(ServiceFactory(code="top"))
    with CaptureQueriesContext(connection) as ctx:
        assert codes(impacted_services(chain[0])) == ["top"]
    # three levels with parents, one empty level, then the services (the codes query).
    assert len(ctx.captured_queries) == 3 + 1 + 1


def test_the_walk_is_bounded():
    chain = [ConfigurationItemFactory() for _ in range(MAX_IMPACT_DEPTH + 3)]
    CIRelation.objects.bulk_create(CIRelation(source=upper, target=lower)
                                   for upper, lower in zip(chain[1:], chain, strict=False))
    chain[-1].services.add(ServiceFactory(code="too-far"))
    chain[MAX_IMPACT_DEPTH].services.add(ServiceFactory(code="reached"))
    assert codes(impacted_services(chain[0])) == ["reached"]


def test_a_ci_cannot_relate_to_itself():
    ci = ConfigurationItemFactory()
    with pytest.raises(ValidationError):
        CIRelation(source=ci, target=ci, kind=DEPENDS_ON).full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        relate(ci, ci)


def test_a_relation_is_unique_per_kind():
    app, vm = ConfigurationItemFactory(), ConfigurationItemFactory()
    relate(app, vm, DEPENDS_ON)
    relate(app, vm, RUNS_ON)
    with pytest.raises(IntegrityError), transaction.atomic():
        relate(app, vm, DEPENDS_ON)
    assert CIRelation.objects.count() == 2


@pytest.fixture
def contract() -> UnderpinningContract:
    supplier = Supplier.objects.create(name="Hosting AB", contact_email="noc@hosting.test")
    return UnderpinningContract.objects.create(
        supplier=supplier, service=ServiceFactory(code="email"), name="Hosting",
        reference="UC-1", valid_from=date(2026, 1, 1), valid_to=date(2026, 12, 31))


def test_a_contract_promises_response_within_resolution(contract):
    ContractTarget.objects.create(contract=contract, priority=1, response_minutes=15,
                                  resolution_minutes=240)
    late = ContractTarget(contract=contract, priority=2, response_minutes=300,
                          resolution_minutes=240)
    with pytest.raises(ValidationError) as error:
        late.full_clean()
    assert "response_minutes" in error.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        late.save()
    assert contract.targets.count() == 1


def test_a_contract_has_one_target_per_priority_in_range(contract):
    ContractTarget.objects.create(contract=contract, priority=1, response_minutes=15,
                                  resolution_minutes=240)
    with pytest.raises(IntegrityError), transaction.atomic():
        ContractTarget.objects.create(contract=contract, priority=1, response_minutes=30,
                                      resolution_minutes=240)
    with pytest.raises(IntegrityError), transaction.atomic():
        ContractTarget.objects.create(contract=contract, priority=5, response_minutes=30,
                                      resolution_minutes=240)


def test_a_contract_cannot_end_before_it_starts(contract):
    contract.valid_to = date(2025, 12, 31)
    with pytest.raises(IntegrityError), transaction.atomic():
        contract.save()


def test_deleting_a_service_keeps_its_supplier_contracts(contract):
    Service.objects.filter(pk=contract.service_id).delete()
    contract.refresh_from_db()
    assert contract.service is None
