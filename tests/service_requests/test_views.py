"""The pages: the portal's catalog and item page, the request's page for its
requester and the desk, the desk's order for a caller, and my approvals."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from service_requests.choices import RequestStatus
from service_requests.models import ServiceRequest

from ..factories import UserFactory
from .conftest import order_laptop

pytestmark = pytest.mark.django_db


def test_the_catalog_lists_what_the_requester_may_order_and_searches(
        client, requester, item, plain_item, other_requester):
    from catalog.models import Customer

    plain_item.customers.add(Customer.objects.get(pk=other_requester.customer_id))
    client.force_login(requester)
    page = client.get("/portal/requests/")
    assert page.status_code == 200
    assert b"Laptop" in page.content and b"Software" not in page.content
    assert b"Laptop" not in client.get("/portal/requests/?q=mailbox").content
    assert b"Laptop" in client.get("/portal/requests/?q=lapt").content


def test_the_portal_home_offers_ordering(client, requester):
    client.force_login(requester)
    assert b'href="/portal/requests/"' in client.get("/portal/").content


def test_the_item_page_shows_the_form_and_what_to_expect(client, requester, item):
    client.force_login(requester)
    page = client.get(f"/portal/requests/items/{item.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'name="answer-model"' in body and 'data-shown-when="answer-model"' in body
    assert "Approval by your manager" in body and "3 working days of approval" in body


def test_an_order_with_errors_comes_back_with_them_per_field(client, requester, item, boss):
    client.force_login(requester)
    page = client.post(f"/portal/requests/items/{item.pk}/", {"answer-model": "dev"})
    assert page.status_code == 400
    assert page.context["form"].errors == {"reason": ["This field is required."]}
    assert not ServiceRequest.objects.exists()


def test_ordering_in_the_portal_leads_to_the_request_page(client, requester, item, boss):
    client.force_login(requester)
    page = client.post(f"/portal/requests/items/{item.pk}/",
                       {"answer-model": "std", "answer-monitor": "no"}, follow=True)
    order = ServiceRequest.objects.get()
    assert page.redirect_chain[-1][0] == f"/portal/tickets/{order.number}/"
    body = page.content.decode()
    assert "Standard" in body and "waiting for approval" in body and "Manager" in body


def test_an_item_not_offered_to_the_requester_is_a_404(client, other_requester, item):
    from catalog.models import Customer

    item.customers.add(Customer.objects.create(name="Other", code="o"))
    client.force_login(other_requester)
    assert client.get(f"/portal/requests/items/{item.pk}/").status_code == 404


def test_the_desk_orders_for_a_caller(client, agent, requester, item, boss):
    client.force_login(agent)
    assert b"Laptop" in client.get("/requests/new/").content
    form = client.get(f"/requests/new/?item={item.pk}")
    assert form.status_code == 200 and b'name="requester"' in form.content
    page = client.post("/requests/new/", {
        "item": item.pk, "requester": requester.username, "channel": "phone", "urgency": 2,
        "answer-model": "std"})
    order = ServiceRequest.objects.get()
    assert page.status_code == 302 and page["Location"] == f"/requests/{order.number}/"
    assert (order.requester, order.ordered_by, order.channel) == (requester, agent, "phone")
    detail = client.get(page["Location"]).content.decode()
    assert "Standard" in detail and "ordered by" in detail


def test_requesters_and_managers_cannot_use_the_desk_order(client, requester, manager, item):
    client.force_login(requester)
    assert client.get("/requests/new/").status_code == 404
    client.force_login(manager)
    assert client.get("/requests/new/").status_code == 403


def test_my_approvals_lists_and_decides(client, requester, boss, item):
    order = order_laptop(item, requester)
    client.force_login(boss)
    page = client.get("/portal/requests/approvals/")
    assert order.number.encode() in page.content and b"Standard" in page.content
    approval = order.approvals.get()
    refused = client.post(f"/portal/requests/approvals/{approval.pk}/decide/",
                          {"decision": "reject", "comment": ""}, follow=True)
    assert b"Say why you refuse" in refused.content
    client.post(f"/portal/requests/approvals/{approval.pk}/decide/", {"decision": "approve"})
    order.refresh_from_db()
    assert order.status == RequestStatus.IN_PROGRESS


def test_nobody_decides_anothers_approval_through_the_page(client, requester, boss, item,
                                                           agent):
    order = order_laptop(item, requester)
    approval = order.approvals.get()
    for person in (requester, agent, UserFactory(username="zed", roles=["requester"])):
        client.force_login(person)
        assert client.post(f"/portal/requests/approvals/{approval.pk}/decide/",
                           {"decision": "approve"}).status_code == 404
    approval.refresh_from_db()
    assert approval.decision == "pending"


def test_the_desk_page_of_a_request_shows_its_order_and_approvals(client, agent, requester,
                                                                  boss, item):
    order = order_laptop(item, requester)
    client.force_login(agent)
    page = client.get(f"/requests/{order.number}/").content.decode()
    assert "Standard" in page and "Awaiting decision" in page and str(boss) in page
    assert "Tasks still to come" in page and "Order the laptop" in page


def test_the_requests_queue_lists_requests_and_the_unified_queue_too(client, agent,
                                                                     requester, boss, item):
    order = order_laptop(item, requester)
    client.force_login(agent)
    assert order.number.encode() in client.get("/requests/").content
    assert order.number.encode() in client.get("/work/").content


def test_the_requester_cancels_from_the_portal(client, requester, boss, item):
    order = order_laptop(item, requester)
    client.force_login(requester)
    page = client.get(f"/portal/tickets/{order.number}/")
    assert b"/transition/cancel/" in page.content
    client.post(f"/portal/tickets/{order.number}/transition/cancel/",
                {"cancel-version": order.version, "cancel-note": "Not needed any more"})
    order.refresh_from_db()
    assert order.status == RequestStatus.CANCELLED


def test_the_portal_request_page_reads_a_bounded_number_of_queries(client, requester, boss,
                                                                   item, agent):
    order = order_laptop(item, requester)
    client.force_login(requester)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/portal/tickets/{order.number}/").status_code == 200
        return len(queries)

    few = count()
    from itsm import workflow
    from itsm.models import Task
    from service_requests import approvals

    approvals.decide(order.approvals.get(), user=boss, approve=True)
    workflow.transition(Task.objects.get(parent=order), "done", actor=agent)
    assert count() <= few + 2


def test_the_portal_home_lists_my_requests_apart(client, requester, boss, item, incident):
    order = order_laptop(item, requester)
    client.force_login(requester)
    mine = client.get("/portal/?kind=service_request").content.decode()
    assert order.number in mine and incident.number not in mine
    every = client.get("/portal/?kind=nonsense").content.decode()
    assert order.number in every and incident.number in every


def test_an_approver_names_a_delegate_for_while_away(client, requester, boss, item):
    from datetime import timedelta

    from django.utils import timezone

    deputy = UserFactory(username="dora", roles=["requester"])
    client.force_login(boss)
    until = (timezone.localdate() + timedelta(days=5)).isoformat()
    refused = client.post("/accounts/preferences/", {"away_until": until})
    assert refused.status_code == 400 and "delegate" in refused.context["form"].errors
    itself = client.post("/accounts/preferences/", {"delegate": "mona", "away_until": until})
    assert "delegate" in itself.context["form"].errors
    saved = client.post("/accounts/preferences/", {"delegate": "dora", "away_until": until})
    assert saved.status_code == 302
    boss.refresh_from_db()
    assert (boss.delegate, boss.is_away()) == (deputy, True)
    order = order_laptop(item, requester)
    client.force_login(deputy)
    assert order.number.encode() in client.get("/portal/requests/approvals/").content


def test_an_odd_item_number_is_the_catalog_not_a_500(client, agent):
    client.force_login(agent)
    assert client.get("/requests/new/?item=²").status_code == 200


def test_the_user_menu_leads_to_my_approvals(client, agent, requester):
    from django.urls import reverse

    client.force_login(agent)
    assert reverse("requests:approvals") in client.get(reverse("work")).text
    client.force_login(requester)
    assert reverse("portal:requests:approvals") in client.get(reverse("portal:home")).text
