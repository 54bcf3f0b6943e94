"""`visible_to(user)`: the one scoping rule per model, checked for every persona."""

from __future__ import annotations

import pytest

from catalog.models import ConfigurationItem, Customer, Service, Team
from itsm.models import Attachment, Comment, Ticket, TicketEvent
from itsm.services import add_comment
from tests.factories import ConfigurationItemFactory, make_incident

pytestmark = pytest.mark.django_db

STAFF = ["agent", "other_team_agent", "team_lead", "change_manager", "manager", "admin"]


@pytest.fixture
def tickets(agent, requester, other_requester, service):
    mine = make_incident(actor=agent, requester=requester, service=service)
    theirs = make_incident(actor=agent, requester=other_requester, service=service)
    return mine, theirs


@pytest.mark.parametrize("persona", STAFF, indirect=True)
def test_staff_see_every_ticket(persona, tickets):
    assert set(Ticket.objects.visible_to(persona)) == {t.ticket_ptr for t in tickets}


def test_requester_sees_only_their_own(requester, tickets):
    assert list(Ticket.objects.visible_to(requester)) == [tickets[0].ticket_ptr]


def test_requester_sees_their_customers_tickets_when_shared(requester, customer, agent):
    from tests.factories import UserFactory

    colleague = UserFactory(username="colleague", roles=["requester"], customer=customer)
    shared = make_incident(actor=agent, requester=colleague)
    assert shared.customer == customer
    assert not Ticket.objects.visible_to(requester).filter(pk=shared.pk).exists()
    customer.share_tickets = True
    customer.save()
    requester.refresh_from_db()
    assert Ticket.objects.visible_to(requester).filter(pk=shared.pk).exists()


def test_anonymous_and_inactive_users_see_nothing(tickets, requester):
    from django.contrib.auth.models import AnonymousUser

    assert not Ticket.objects.visible_to(AnonymousUser()).exists()
    requester.is_active = False
    requester.save()
    assert not Ticket.objects.visible_to(requester).exists()


def test_requesters_never_see_internal_comments_or_events(tickets, agent, requester):
    mine = tickets[0]
    add_comment(mine, author=agent, body="Call the vendor", is_public=False)
    add_comment(mine, author=agent, body="We are on it", is_public=True)
    assert [c.body for c in Comment.objects.visible_to(requester)] == ["We are on it"]
    assert set(Comment.objects.visible_to(agent).values_list("body", flat=True)) == {
        "Call the vendor", "We are on it"}
    requester_events = TicketEvent.objects.visible_to(requester)
    assert requester_events.exists()
    assert not requester_events.filter(is_public=False).exists()
    assert not requester_events.filter(kind="assignment").exists()


def test_other_requesters_see_no_comments_events_or_files(tickets, agent, other_requester):
    add_comment(tickets[0], author=agent, body="Public note")
    visible = Comment.objects.visible_to(other_requester)
    assert not visible.filter(ticket=tickets[0]).exists()
    assert not TicketEvent.objects.visible_to(other_requester).filter(ticket=tickets[0]).exists()
    assert not Attachment.objects.visible_to(other_requester).filter(ticket=tickets[0]).exists()


def test_catalog_scoping(requester, agent, service, customer, other_customer, team):
    ConfigurationItemFactory()
    Service.objects.create(name="Retired", code="retired", is_active=False)
    assert Service.objects.visible_to(agent).count() == 2
    assert list(Service.objects.visible_to(requester)) == [service]
    assert list(Customer.objects.visible_to(requester)) == [customer]
    assert Customer.objects.visible_to(agent).count() == 2
    assert not Team.objects.visible_to(requester).exists()
    assert not ConfigurationItem.objects.visible_to(requester).exists()
    assert ConfigurationItem.objects.visible_to(agent).count() == 1
