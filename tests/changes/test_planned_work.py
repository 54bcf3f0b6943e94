"""An approved change's window is planned work: requesters of its services are told
ahead on the portal, and the outage list shows the change an outage fell inside."""

from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import ServiceLevelAgreement
from changes import services
from itsm import outages, registry, workflow
from tests.changes.conftest import authorise
from tests.factories import ServiceFactory, make_office


def scheduled(agent, change_manager, service, start, hours=2, *, approve=True):
    change = services.create_change(actor=agent, title=f"Upgrade {service.name}",
                                    service=service, risk_answers={"outage": True},
                                    implementation_plan="Do.", backout_plan="Undo.",
                                    planned_start=start,
                                    planned_end=start + timedelta(hours=hours))
    for target in ("assessment", "authorization"):
        change = workflow.transition(change, target, actor=agent)
    return authorise(change, change_manager) if approve else change


@pytest.mark.django_db
def test_requesters_are_told_of_planned_work_on_the_services_they_use(
        client, requester, agent, change_manager, service):
    ServiceLevelAgreement.objects.create(name="Email for ACME", service=service,
                                         customer=requester.customer, calendar=make_office())
    other = ServiceFactory(name="Payroll", code="payroll")
    soon = timezone.now() + timedelta(days=3)
    told = scheduled(agent, change_manager, service, soon)
    scheduled(agent, change_manager, service, soon + timedelta(days=1), approve=False)
    scheduled(agent, change_manager, other, soon)
    scheduled(agent, change_manager, service, soon + timedelta(days=30))
    client.force_login(requester)
    page = client.get("/portal/").content.decode()
    assert "Planned work" in page
    assert page.count("Upgrade Email") == 1 and told.title in page
    assert "Upgrade Payroll" not in page
    assert told.number not in page  # the desk's number and page are not the portal's


@pytest.mark.django_db
def test_nothing_planned_shows_no_notice(client, requester):
    client.force_login(requester)
    assert "Planned work" not in client.get("/portal/").content.decode()


@pytest.mark.django_db
def test_the_outage_list_shows_the_change_an_outage_fell_inside(client, agent,
                                                               change_manager, service):
    start = timezone.now() - timedelta(minutes=30)
    change = scheduled(agent, change_manager, service, start)
    assert [work.number for work in registry.planned_work([service.pk], start,
                                                          start + timedelta(hours=1))] == [
        change.number]
    outages.record(actor=agent, service=service, started_at=timezone.now() - timedelta(hours=1))
    client.force_login(agent)
    page = client.get("/outages/").content.decode()
    assert change.number in page and "in the window of" in page


@pytest.mark.django_db
def test_routine_standard_changes_are_not_announced(client, requester, agent, service):
    from catalog.models import StandardChange

    ServiceLevelAgreement.objects.create(name="Email for ACME", service=service,
                                         customer=requester.customer, calendar=make_office())
    template = StandardChange.objects.create(service=service, name="Add a mailbox alias",
                                             implementation_plan="Add it.",
                                             backout_plan="Remove it.")
    start = timezone.now() + timedelta(days=2)
    change = services.create_change(actor=agent, change_type="standard",
                                    standard_change=template, planned_start=start,
                                    planned_end=start + timedelta(hours=1))
    workflow.transition(change, "scheduled", actor=agent)
    client.force_login(requester)
    assert "Add a mailbox alias" not in client.get("/portal/").content.decode()
