"""The request journey in headless Chromium: a requester orders a laptop that needs
their manager's approval, the manager approves it from "My approvals", the fulfilment
team completes its tasks in turn, and the requester sees it fulfilled."""

from __future__ import annotations

import pytest

from catalog.models import ApprovalStep, RequestItem, TaskTemplate
from itsm.models import Task
from service_requests.models import ServiceRequest
from tests.browser.conftest import log_in
from tests.factories import CustomerFactory, ServiceFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_order_approve_fulfil_and_the_requester_sees_it(live_server, browser, tmp_path):
    customer = CustomerFactory(name="Finance", code="finance")
    boss = UserFactory(username="mia.boss", first_name="Mia", last_name="Boss",
                       roles=["requester"], customer=customer)
    UserFactory(username="req.rob", first_name="Rob", last_name="Requester",
                roles=["requester"], customer=customer, manager=boss)
    agent = UserFactory(username="agent.anna", first_name="Anna", last_name="Agent",
                        roles=["agent"])
    team = TeamFactory(name="Workplace services", members=[agent])
    service = ServiceFactory(name="Workplace devices", code="devices", owner_team=team)
    laptop = RequestItem.objects.create(
        service=service, name="Standard laptop", description="A 14-inch laptop.",
        fulfilment_days=5, order_form=[
            {"name": "model", "label": "Model", "kind": "choice", "required": True,
             "choices": [["std", "Standard"], ["dev", "Developer"]]},
            {"name": "reason", "label": "Why the developer model", "kind": "text",
             "required": True, "shown_when": {"field": "model", "equals": "dev"}}])
    ApprovalStep.objects.create(item=laptop, name="Manager")
    TaskTemplate.objects.create(item=laptop, position=1, title="Order the laptop")
    TaskTemplate.objects.create(item=laptop, position=2, title="Set up the laptop")
    base = live_server.url

    # The requester orders; the conditional field appears only for the developer model.
    page = browser.new_context().new_page()
    log_in(page, base, "req.rob")
    page.goto(f"{base}/portal/")
    page.get_by_role("link", name="Order something").first.click()
    page.get_by_role("link", name="Standard laptop").click()
    page.wait_for_url("**/portal/requests/items/*/")
    page.wait_for_load_state()
    page.locator("#id_answer-reason").wait_for(state="hidden")
    page.select_option("#id_answer-model", "dev")
    page.locator("#id_answer-reason").wait_for(state="visible")
    page.fill("#id_answer-reason", "I build the mobile app")
    page.get_by_role("button", name="Order").click()
    page.wait_for_url("**/portal/tickets/REQ*/")
    number = page.url.rstrip("/").rsplit("/", 1)[-1]
    assert page.get_by_text("Your order is waiting for approval").is_visible()
    assert page.get_by_text("I build the mobile app").is_visible()

    # The manager approves from "My approvals".
    manager_page = browser.new_context().new_page()
    log_in(manager_page, base, "mia.boss")
    manager_page.goto(f"{base}/portal/requests/")
    manager_page.get_by_role("link", name="My approvals").click()
    card = manager_page.locator("section.approval", has_text=number)
    card.locator("textarea").fill("Fine, the old one is slow.")
    card.get_by_role("button", name="Approve").click()
    manager_page.wait_for_load_state()
    assert manager_page.get_by_text(f"You approved {number}.").is_visible()
    manager_page.screenshot(path=str(tmp_path / "approved.png"), full_page=True)

    # The fulfilment team completes the tasks, one after the other.
    desk = browser.new_context().new_page()
    log_in(desk, base, "agent.anna")
    for title in ("Order the laptop", "Set up the laptop"):
        task = Task.objects.get(parent__number=number, title=title)
        desk.goto(f"{base}/tasks/{task.number}/")
        desk.get_by_role("button", name="Complete").click()
        desk.wait_for_load_state()
        assert desk.locator(".badge.status-done").first.is_visible()
    assert ServiceRequest.objects.get(number=number).status == "fulfilled"

    page.reload()
    assert page.get_by_text("Your order is fulfilled").is_visible()
    assert page.locator(".badge.status-fulfilled").first.is_visible()
    page.screenshot(path=str(tmp_path / "fulfilled.png"), full_page=True)
