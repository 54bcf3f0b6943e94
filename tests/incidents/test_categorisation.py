"""The catalog steers categorisation: a ticket takes its service's category, team and SLA,
and they follow when its service changes."""

from __future__ import annotations

import pytest

from catalog.models import ServiceCategory
from incidents.services import create_incident, update_incident
from tests.factories import ConfigurationItemFactory, ServiceFactory, make_sla

pytestmark = pytest.mark.django_db


@pytest.fixture
def workplace(service):
    category = ServiceCategory.objects.create(name="Workplace", code="workplace")
    service.category = category
    service.save()
    return category


@pytest.fixture
def applications(other_team, office):
    category = ServiceCategory.objects.create(name="Business applications", code="apps")
    erp = ServiceFactory(name="ERP", code="erp", owner_team=other_team, category=category)
    make_sla(erp, office)
    return erp


def test_a_ticket_takes_its_services_category(agent, requester, service, workplace):
    incident = create_incident(actor=agent, requester=requester, title="Mail", service=service)

    incident.refresh_from_db()
    assert incident.category == workplace


def test_a_ticket_naming_only_a_ci_takes_the_category_of_the_service_it_implies(
        agent, requester, service, workplace):
    ci = ConfigurationItemFactory(name="mail-01")
    ci.services.add(service)

    incident = create_incident(actor=agent, requester=requester, title="Mail",
                               configuration_item=ci)

    assert (incident.service, incident.category) == (service, workplace)


def test_changing_the_service_moves_category_and_sla(agent, requester, service, workplace,
                                                    applications):
    incident = create_incident(actor=agent, requester=requester, title="Slow", service=service,
                               impact=2, urgency=2)
    assert incident.sla is None

    update_incident(incident, actor=agent, service=applications)

    incident.refresh_from_db()
    assert incident.category.code == "apps"
    assert incident.sla == applications.slas.get()
    assert incident.resolution_due is not None


def test_clearing_the_service_clears_the_category(agent, requester, service, workplace):
    incident = create_incident(actor=agent, requester=requester, title="Mail", service=service)

    update_incident(incident, actor=agent, service=None)

    incident.refresh_from_db()
    assert incident.category is None and incident.sla is None


def test_a_ticket_keeps_its_category_when_the_catalog_is_restructured(
        agent, requester, service, workplace):
    incident = create_incident(actor=agent, requester=requester, title="Mail", service=service)
    service.category = ServiceCategory.objects.create(name="Communication", code="comms")
    service.save()

    incident.refresh_from_db()
    assert incident.category == workplace  # filed as it was when logged


def test_the_api_and_the_queue_show_and_filter_by_category(client, api_as, agent, requester,
                                                           service, workplace, applications):
    filed = create_incident(actor=agent, requester=requester, title="Mail", service=service)
    other = create_incident(actor=agent, requester=requester, title="ERP", service=applications)
    api = api_as(agent)

    data = api.get(f"/api/v1/incidents/{filed.number}/").data
    assert data["category"] == {"id": workplace.pk, "name": "Workplace", "code": "workplace"}
    listed = api.get(f"/api/v1/incidents/?category={workplace.pk}").data["results"]
    assert [row["number"] for row in listed] == [filed.number]
    assert api.get(f"/api/v1/tickets/{other.number}/").data["category"]["code"] == "apps"

    client.force_login(agent)
    page = client.get(f"/incidents/?queue=open&category={workplace.pk}").content.decode()
    assert filed.number in page and other.number not in page
