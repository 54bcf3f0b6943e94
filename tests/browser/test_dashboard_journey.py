"""A manager reads the IT dashboard in headless Chromium: changes the period, follows a
figure to the tickets it counts, opens a service's page; a requester answers the
satisfaction survey their resolved ticket sent."""

from __future__ import annotations

import pytest

from incidents.choices import IncidentStatus as S
from incidents.choices import ResolutionCode
from itsm.workflow import transition
from metrics import compute, surveys
from metrics.models import Survey
from tests.browser.conftest import log_in
from tests.factories import ServiceFactory, TeamFactory, UserFactory, make_incident

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("eager")]


def test_a_manager_follows_a_figure_and_a_requester_answers_the_survey(live_server, browser):
    agent = UserFactory(username="alex.agent", roles=["agent"])
    UserFactory(username="max.manager", first_name="Max", last_name="Manager",
                roles=["manager"])
    requester = UserFactory(username="rita.requester", roles=["requester"])
    team = TeamFactory(name="Service desk", members=[agent])
    service = ServiceFactory(name="Email", code="email", owner_team=team)
    resolved = make_incident(actor=agent, requester=requester, service=service,
                             title="Outlook cannot connect")
    make_incident(actor=agent, requester=requester, service=service, title="Still open")
    transition(resolved, S.IN_PROGRESS, actor=agent)
    transition(resolved, S.RESOLVED, actor=agent, resolution_code=ResolutionCode.SOLVED_PERMANENTLY,
               resolution_notes="Reset the profile.")
    compute.recompute()
    base = live_server.url

    page = browser.new_page()
    log_in(page, base, "max.manager")
    page.get_by_role("link", name="Dashboards").click()
    page.wait_for_url(f"{base}/metrics/")
    assert page.locator(".tile", has_text="Open").first.is_visible()
    assert page.locator("#chart-flow canvas").is_visible()
    page.select_option("select[name=span]", "last_12_months")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**span=last_12_months**")
    assert page.locator("#h-span").inner_text() == "Last 12 months"

    page.locator(".tile", has_text="Tickets resolved").get_by_role("link").click()
    page.wait_for_url("**/metrics/tickets/**")
    assert page.get_by_role("link", name=resolved.number).is_visible()
    assert page.get_by_text("Still open").count() == 0

    page.goto(f"{base}/metrics/services/")
    page.get_by_role("link", name="Email", exact=True).click()
    page.wait_for_url(f"**/metrics/services/{service.pk}/**")
    assert page.get_by_role("heading", name="Email").is_visible()
    assert page.locator("#chart-volume canvas").is_visible()

    survey = Survey.objects.get(ticket=resolved)
    answer = browser.new_context().new_page()  # the email's link: no sign-in
    answer.goto(base + surveys.answer_url(survey))
    assert answer.get_by_text(resolved.number).is_visible()
    answer.locator("label.rating-option", has_text="4 - Satisfied").click()
    answer.fill("textarea[name=comment]", "Quick and friendly.")
    answer.get_by_role("button", name="Send my answer").click()
    assert answer.get_by_text("Thank you for your answer.").is_visible()
    survey.refresh_from_db()
    assert (survey.rating, survey.comment) == (4, "Quick and friendly.")
