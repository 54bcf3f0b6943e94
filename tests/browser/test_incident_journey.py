"""The whole incident journey in headless Chromium (Debian's chromium, driven by
Playwright): an agent logs in, logs an incident, assigns it to themself and resolves
it; the requester then sees it resolved in the portal."""

from __future__ import annotations

import pytest

from incidents.models import Incident
from tests.browser.conftest import log_in
from tests.factories import ServiceFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

def test_agent_resolves_an_incident_and_the_requester_sees_it(live_server, browser, tmp_path):
    agent = UserFactory(username="agent.anna", first_name="Anna", last_name="Agent",
                        roles=["agent"])
    requester = UserFactory(username="req.rob", first_name="Rob", last_name="Requester",
                            roles=["requester"])
    team = TeamFactory(name="Service desk", members=[agent])
    ServiceFactory(name="Email", code="email", owner_team=team)
    base = live_server.url

    agent_page = browser.new_page()
    log_in(agent_page, base, "agent.anna")
    agent_page.goto(f"{base}/incidents/new/")
    agent_page.fill("#id_title", "Outlook cannot connect to the mail server")
    agent_page.fill("#id_description", "Since 09:00, error 0x800CCC0E.")
    # People and services are typed, with suggestions from the server as one types.
    agent_page.locator("#id_requester").press_sequentially("Rob")
    agent_page.wait_for_selector("#id_requester-options option[value='req.rob']",
                                 state="attached")
    agent_page.fill("#id_requester", "req.rob")
    agent_page.locator("#id_service").press_sequentially("Ema")
    agent_page.wait_for_selector("#id_service-options option[value='email']", state="attached")
    agent_page.fill("#id_service", "email")
    agent_page.get_by_role("button", name="Log incident").click()
    agent_page.wait_for_url("**/incidents/INC*/")
    number = agent_page.url.rstrip("/").rsplit("/", 1)[-1]
    assert agent_page.get_by_text("Outlook cannot connect to the mail server").first.is_visible()

    agent_page.get_by_role("button", name="Assign to me").click()
    agent_page.wait_for_load_state()
    agent_page.locator("summary", has_text="Resolve").click()
    resolve = agent_page.locator("form[action$='/transition/resolve/']")
    resolve.locator("select[name=resolve-resolution_code]").select_option("solved_permanently")
    resolve.locator("textarea[name=resolve-resolution_notes]").fill("Recreated the mail profile.")
    resolve.get_by_role("button", name="Resolve").click()
    agent_page.wait_for_load_state()
    agent_page.screenshot(path=str(tmp_path / "agent-resolved.png"), full_page=True)
    assert agent_page.locator(".badge.status-resolved").first.is_visible()

    requester_page = browser.new_context().new_page()
    log_in(requester_page, base, "req.rob")
    requester_page.goto(f"{base}/portal/")
    row = requester_page.locator("tr", has_text=number)
    assert row.locator(".badge.status-resolved").is_visible()
    requester_page.click(f"text={number}")
    requester_page.wait_for_load_state()
    assert requester_page.get_by_text("Recreated the mail profile.").first.is_visible()
    requester_page.screenshot(path=str(tmp_path / "requester-sees-resolved.png"), full_page=True)

    incident = Incident.objects.get(number=number)
    assert (incident.status, incident.assignee, incident.requester) == (
        "resolved", agent, requester)
    assert incident.responded_at is not None and incident.resolved_at is not None
