"""Problem management and the knowledge base in headless Chromium: an agent ticks
three alike incidents in the queue and opens a problem from them, records the root
cause and workaround, which publishes the known error; opened to requesters, the
article is suggested to a requester typing a matching title in the portal."""

from __future__ import annotations

import pytest

from incidents.services import create_incident
from knowledge.models import Article
from problems.models import Problem, ProblemLink
from tests.browser.conftest import log_in
from tests.factories import CustomerFactory, ServiceFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_problem_from_incidents_to_a_known_error_suggested_in_the_portal(live_server, browser,
                                                                        tmp_path):
    customer = CustomerFactory(name="Finance", code="finance")
    requester = UserFactory(username="req.rob", first_name="Rob", last_name="Requester",
                            roles=["requester"], customer=customer)
    agent = UserFactory(username="agent.anna", first_name="Anna", last_name="Agent",
                        roles=["agent"])
    team = TeamFactory(name="Messaging", members=[agent])
    service = ServiceFactory(name="Email", code="email", owner_team=team)
    incidents = [create_incident(actor=agent, requester=requester, service=service,
                                 title=f"Outlook keeps asking for my password ({n})")
                 for n in range(3)]
    base = live_server.url

    # The agent ticks the three incidents and opens a problem from them.
    desk = browser.new_context().new_page()
    log_in(desk, base, "agent.anna")
    desk.goto(f"{base}/incidents/")
    for incident in incidents:
        desk.get_by_label(f"Tick {incident.number}").check()
    desk.get_by_role("button", name="Open a problem").click()
    desk.wait_for_url("**/problems/from-incidents/")
    desk.fill("#id_title", "Outlook prompts for the password again and again")
    desk.get_by_role("button", name="Open problem").click()
    desk.wait_for_url("**/problems/PRB*/")
    number = desk.url.rstrip("/").rsplit("/", 1)[-1]
    assert ProblemLink.objects.filter(problem__number=number).count() == 3
    for incident in incidents:
        assert desk.get_by_role("link", name=incident.number).first.is_visible()

    # It records the root cause and the workaround: the known error is published.
    desk.get_by_text("Start investigating").click()
    desk.wait_for_load_state()
    desk.locator("summary", has_text="Record known error").click()
    desk.select_option("#id_known_error-cause_category", "configuration")
    desk.fill("#id_known_error-root_cause", "The new certificate breaks legacy sign-in.")
    desk.fill("#id_known_error-workaround",
              "Remove the saved mail password in Credential Manager and restart Outlook.")
    desk.locator("form", has_text="Workaround").get_by_role(
        "button", name="Record known error").click()
    desk.wait_for_load_state()
    assert desk.locator(".badge.status-known_error").first.is_visible()
    problem = Problem.objects.get(number=number)
    article = problem.known_error_article
    assert article is not None and article.state == "published"
    desk.screenshot(path=str(tmp_path / "known-error.png"), full_page=True)

    # Its owner opens the article to requesters.
    desk.goto(f"{base}/kb/{article.pk}/edit/")
    desk.select_option("#id_audience", "requesters")
    desk.get_by_role("button", name="Save").click()
    desk.wait_for_url(f"**/kb/{article.pk}/")
    assert Article.objects.get(pk=article.pk).audience == "requesters"

    # A requester typing a matching title sees it suggested, and reads it.
    portal = browser.new_context().new_page()
    log_in(portal, base, "req.rob")
    portal.goto(f"{base}/portal/incidents/new/")
    portal.fill("#id_title", "Outlook asks for my password all the time")
    suggestion = portal.get_by_role("link", name=article.title)
    suggestion.wait_for(state="visible")
    portal.screenshot(path=str(tmp_path / "suggested.png"), full_page=True)
    with portal.context.expect_page() as opened:
        suggestion.click()
    reading = opened.value
    reading.wait_for_load_state()
    assert reading.get_by_text("Credential Manager").first.is_visible()
    assert article.views.filter(source="suggestion", user=requester).exists()
