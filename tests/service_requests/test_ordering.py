"""Ordering: who may order what for whom, the form checked per field, the answers kept
as the form stood, the fulfilment target on the SLA's calendar."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError

from catalog.models import Customer
from itsm.choices import Channel
from service_requests import ordering
from service_requests.choices import RequestStatus
from service_requests.models import ServiceRequest

from ..factories import BERLIN, UserFactory
from .conftest import order_laptop

pytestmark = pytest.mark.django_db


def test_an_order_keeps_its_answers_with_their_labels(item, requester, boss):
    order = order_laptop(item, requester)
    assert order.number.startswith("REQ")
    assert order.kind == "service_request" and order.channel == Channel.PORTAL
    assert order.item_name == "Laptop" and order.service == item.service
    assert [(a["name"], a["label"], a["value"], a["shown"]) for a in order.answers] == [
        ("model", "Model", "std", "Standard"), ("monitor", "Extra monitor", True, "Yes")]
    assert order.status == RequestStatus.AWAITING_APPROVAL


def test_old_requests_read_as_ordered_after_the_form_changes(item, requester, boss):
    order = order_laptop(item, requester)
    item.order_form = [{"name": "colour", "label": "Colour", "kind": "text"}]
    item.full_clean()
    item.save()
    fresh = ServiceRequest.objects.get(pk=order.pk)
    assert [a["label"] for a in fresh.answers] == ["Model", "Extra monitor"]


@pytest.mark.parametrize(("answers", "errors"), [
    ({}, {"model"}),
    ({"model": "gold"}, {"model"}),
    ({"model": "dev"}, {"reason"}),  # shown by the answer, and required
    ({"model": "std", "monitor": "maybe"}, {"monitor"}),
])
def test_the_form_is_checked_per_field_and_nothing_is_written(item, requester, boss,
                                                               answers, errors):
    with pytest.raises(ValidationError) as caught:
        ordering.order(item, actor=requester, answers=answers)
    assert set(caught.value.message_dict) == errors
    assert not ServiceRequest.objects.exists()


def test_a_hidden_conditional_answer_is_not_kept(item, requester, boss):
    order = order_laptop(item, requester, answers={"model": "std", "reason": "ignored"})
    assert "reason" not in {a["name"] for a in order.answers}


def test_only_the_customers_and_roles_named_may_order(item, requester, other_requester,
                                                      boss, agent):
    item.customers.add(Customer.objects.get(pk=requester.customer_id))
    with pytest.raises(ValidationError) as caught:
        order_laptop(item, other_requester)
    assert "requester" in caught.value.message_dict
    assert list(ordering.orderable(other_requester)) == []
    assert list(ordering.orderable(requester)) == [item]
    item.roles.add(Group.objects.get(name="agent"))
    assert list(ordering.orderable(requester)) == []
    assert item in ordering.orderable(agent)  # the desk orders anything active


def test_requesters_order_for_others_only_where_the_item_allows(item, requester, boss):
    colleague = UserFactory(username="cole", roles=["requester"], customer=requester.customer)
    with pytest.raises(ValidationError) as caught:
        order_laptop(item, requester, requester=colleague)
    assert "requester" in caught.value.message_dict
    item.on_behalf = True
    item.save()
    order = order_laptop(item, requester, requester=colleague)
    assert order.requester == colleague and order.ordered_by == requester


def test_the_desk_orders_for_a_caller_by_phone(item, agent, requester, boss):
    order = order_laptop(item, agent, requester=requester, channel=Channel.PHONE)
    assert order.requester == requester and order.ordered_by == agent
    assert order.channel == Channel.PHONE


def test_managers_read_and_do_not_order(item, manager):
    with pytest.raises(PermissionDenied):
        order_laptop(item, manager)


def test_an_inactive_item_cannot_be_ordered(item, requester, boss):
    item.is_active = False
    item.save()
    with pytest.raises(ValidationError) as caught:
        order_laptop(item, requester)
    assert "request_item" in caught.value.message_dict


def test_fulfilment_is_due_at_the_end_of_the_working_days_and_waits_for_approval(
        item, requester, boss, office_sla):
    # Ordered on a Friday afternoon; 3 working days: Mon, Tue, Wed, closing 18:00.
    order = order_laptop(item, requester, when=datetime(2026, 3, 6, 15, 0, tzinfo=BERLIN))
    assert order.status == RequestStatus.AWAITING_APPROVAL
    from service_requests import approvals

    # The manager approves on Monday at 10:00: the wait (Fri 15:00–18:00, Mon 08:00–10:00)
    # moves the delivery by five working hours, into Thursday.
    approvals.decide(order.approvals.get(), user=boss, approve=True,
                     when=datetime(2026, 3, 9, 10, 0, tzinfo=BERLIN))
    order.refresh_from_db()
    assert order.status == RequestStatus.IN_PROGRESS
    assert order.resolution_due == datetime(2026, 3, 12, 13, 0, tzinfo=BERLIN)


def test_the_due_time_without_approval_is_the_end_of_the_nth_working_day(
        plain_item, requester, office_sla):
    plain_item.fulfilment_days = 2
    plain_item.save()
    order = ordering.order(plain_item, actor=requester,
                           when=datetime(2026, 3, 6, 15, 0, tzinfo=BERLIN))
    assert order.resolution_due == datetime(2026, 3, 10, 18, 0, tzinfo=BERLIN)
    assert order.status == RequestStatus.NEW  # nothing planned: an agent picks it up


def test_an_order_goes_to_its_items_fulfilment_team_however_placed(item, requester, boss,
                                                                   agent, other_team):
    item.fulfilment_team = other_team
    item.save()
    assert order_laptop(item, requester).assignment_team == other_team
    assert order_laptop(item, agent, requester=requester).assignment_team == other_team
