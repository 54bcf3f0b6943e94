"""The change journey in headless Chromium: an agent raises a normal change and sends
it for authorisation, the change manager approves it from the change calendar, and a
second change booked over the first on the same service shows the conflict."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from changes.models import Change
from tests.browser.conftest import log_in
from tests.factories import ServiceFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def raise_change(page, base: str, title: str, start) -> str:
    """Log a normal change on the mail service in the given window, assess it and send
    it for authorisation; its number."""
    page.goto(f"{base}/changes/new/")
    page.fill("#id_title", title)
    page.fill("#id_service", "email")
    page.fill("#id_planned_start", start.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_planned_end", (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    page.check("#id_risk_outage")
    page.fill("#id_implementation_plan", "Upgrade the relay packages.")
    page.fill("#id_backout_plan", "Restore the snapshot.")
    page.get_by_role("button", name="Log change").click()
    page.wait_for_url("**/changes/CHG*/")
    number = page.url.rstrip("/").rsplit("/", 1)[-1]
    for action in ("Start assessment", "Submit for authorization"):
        page.get_by_role("button", name=action).first.click()
        page.wait_for_load_state()
    return number


def test_raise_approve_from_the_calendar_and_see_the_conflict(live_server, browser):
    agent = UserFactory(username="agent.anna", first_name="Anna", last_name="Agent",
                        roles=["agent"])
    UserFactory(username="cm.carl", first_name="Carl", last_name="Changes",
                roles=["change_manager"])
    team = TeamFactory(name="Messaging", members=[agent])
    ServiceFactory(name="Email", code="email", owner_team=team)
    base = live_server.url
    start = timezone.localtime(timezone.now() + timedelta(days=3)).replace(
        hour=20, minute=0, second=0, microsecond=0)

    page = browser.new_context().new_page()
    log_in(page, base, "agent.anna")
    first = raise_change(page, base, "Upgrade the mail relay", start)
    assert Change.objects.get(number=first).status == "authorization"

    # The change manager finds it on the calendar and approves it there.
    boss = browser.new_context().new_page()
    log_in(boss, base, "cm.carl")
    boss.goto(f"{base}/changes/calendar/?date={start.date().isoformat()}")
    decide = boss.locator(f"#decide-{first}")
    assert decide.get_by_text("Upgrade the mail relay").is_visible()
    decide.get_by_role("button", name="Approve").click()
    boss.wait_for_load_state()
    assert "/changes/calendar/" in boss.url
    assert boss.locator(f"#decide-{first}").count() == 0
    assert Change.objects.get(number=first).status == "scheduled"

    # A second change on the same service, an hour into the first one's window.
    second = raise_change(page, base, "Patch the mail servers", start + timedelta(hours=1))
    page.goto(f"{base}/changes/{second}/")
    conflicts = page.get_by_text(first, exact=False)
    assert conflicts.first.is_visible()
    assert page.get_by_text("Schedule conflicts").is_visible()
    boss.goto(f"{base}/changes/calendar/?date={start.date().isoformat()}&view=list")
    row = boss.locator("tr", has_text=second)
    assert row.locator(".cal-conflict").first.is_visible()
