"""An incident that is really a request becomes one (and back) at the desk, keeping
its timeline, comments and tasks; its old number still finds it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from incidents.models import Incident
from itsm import services, workflow
from itsm.models import Ticket, TicketEvent
from itsm.task_kind import add_task
from service_requests.models import ServiceRequest

from .conftest import order_laptop

pytestmark = pytest.mark.django_db


def test_an_incident_becomes_a_request_keeping_its_history(incident, agent, team):
    services.add_comment(incident, author=agent, body="This is an order, not a fault.")
    task = add_task(incident, actor=agent, title="Check stock")
    events = TicketEvent.objects.filter(ticket=incident).count()
    converted = workflow.convert(incident, "service_request", actor=agent)
    assert isinstance(converted, ServiceRequest) and converted.pk == incident.pk
    assert converted.number.startswith("REQ") and converted.converted_from == incident.number
    assert not Incident.objects.filter(pk=incident.pk).exists()
    assert Ticket.objects.get(pk=incident.pk).kind == "service_request"
    assert converted.comments.count() == 1 and task.parent_id == converted.pk
    assert TicketEvent.objects.filter(ticket=converted).count() == events + 1
    assert converted.status == "new"
    # ... and back: the old number of the first kind is kept.
    again = workflow.convert(converted, "incident", actor=agent)
    assert again.number.startswith("INC") and again.converted_from == incident.number


def test_the_desk_converts_from_the_page_and_the_old_number_redirects(client, agent,
                                                                     incident):
    client.force_login(agent)
    page = client.get(f"/incidents/{incident.number}/")
    assert b"Convert to Request" in page.content
    moved = client.post(f"/incidents/{incident.number}/convert/service_request/",
                        {"version": incident.version})
    converted = Ticket.objects.get(pk=incident.pk)
    assert moved["Location"] == f"/requests/{converted.number}/"
    assert client.get(f"/tickets/{incident.number}/")["Location"] == moved["Location"]
    stale = client.post(f"/requests/{converted.number}/convert/incident/", {"version": 1},
                        follow=True)
    assert Ticket.objects.get(pk=incident.pk).kind == "service_request"
    assert stale.status_code == 200


def test_requesters_and_readers_do_not_convert(client, requester, manager, incident):
    for person in (requester, manager):
        client.force_login(person)
        client.post(f"/incidents/{incident.number}/convert/service_request/",
                    {"version": incident.version})
    assert Ticket.objects.get(pk=incident.pk).kind == "incident"


def test_an_order_with_approvals_stays_a_request(item, requester, boss, agent):
    from service_requests import approvals

    order = order_laptop(item, requester)
    approvals.decide(order.approvals.get(), user=boss, approve=True)
    order.refresh_from_db()
    with pytest.raises(ValidationError) as caught:
        workflow.convert(order, "incident", actor=agent)
    assert "approval steps" in caught.value.messages[0]


def test_only_open_tickets_not_on_hold_are_converted(incident, agent):
    workflow.assign(incident, actor=agent, assignee=agent)
    workflow.transition(incident, "on_hold", actor=agent, on_hold_reason="awaiting_caller")
    with pytest.raises(ValidationError):
        workflow.convert(incident, "service_request", actor=agent)
    workflow.transition(incident, "in_progress", actor=agent)
    converted = workflow.convert(incident, "service_request", actor=agent)
    assert converted.status == "in_progress"
    workflow.transition(converted, "cancelled", actor=agent, note="Duplicate")
    with pytest.raises(ValidationError):
        workflow.convert(converted, "incident", actor=agent)


def test_an_outage_a_major_incident_or_a_related_one_stays_an_incident(incident, agent,
                                                                       requester, service):
    from incidents.services import update_incident

    update_incident(incident, actor=agent, is_outage=True)
    with pytest.raises(ValidationError):
        workflow.convert(Incident.objects.get(pk=incident.pk), "service_request", actor=agent)
    update_incident(Incident.objects.get(pk=incident.pk), actor=agent, is_outage=False)
    from ..factories import make_incident

    child = make_incident(actor=agent, requester=requester, service=service,
                          parent=Incident.objects.get(pk=incident.pk))
    with pytest.raises(ValidationError):
        workflow.convert(child, "service_request", actor=agent)
