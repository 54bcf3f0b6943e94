"""A service owner documents their service in headless Chromium: edits the text and the
support path, and a colleague reads the change in the history."""

from __future__ import annotations

import pytest

from catalog.models import Supplier
from tests.browser.conftest import log_in
from tests.factories import ServiceFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_owner_edits_the_dossier_and_a_manager_reads_the_history(live_server,
                                                                   browser):
    owner = UserFactory(username="olga.owner", first_name="Olga", last_name="Owner",
                        roles=["team_lead"])
    UserFactory(username="max.manager", first_name="Max", last_name="Manager",
                roles=["manager"])
    team = TeamFactory(name="Application operations", lead=owner, members=[owner])
    first_line = TeamFactory(name="Service desk")
    Supplier.objects.create(name="Ledgerwise", contact_email="help@ledgerwise.test")
    ServiceFactory(name="ERP", code="erp", owner_team=team,
                   description="The finance ERP.")
    base = live_server.url

    page = browser.new_page()
    log_in(page, base, "olga.owner")
    page.goto(f"{base}/catalog/services/erp/")
    page.get_by_role("link", name="Edit documentation").click()
    page.fill("#id_description", "The finance ERP: ledger, payables and the month-end close.")
    page.fill("#id_operations_notes", "Period-close jobs run on the last working day.")
    page.select_option("#id_level-0-team", label=first_line.name)
    page.select_option("#id_level-1-team", label=team.name)
    page.select_option("#id_level-2-supplier", label="Ledgerwise")
    page.fill("#id_level-2-note", "Contract LW-42")
    page.fill("#id_summary", "Described the close")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"{base}/catalog/services/erp/")
    path = page.locator("ol.support-path")
    assert path.get_by_text("Ledgerwise", exact=True).is_visible()
    assert page.get_by_text("Period-close jobs run on the last working day.").is_visible()

    reader = browser.new_context().new_page()
    log_in(reader, base, "max.manager")
    reader.goto(f"{base}/catalog/services/erp/")
    assert reader.get_by_role("link", name="Edit documentation").count() == 0
    reader.get_by_role("link", name="History (2 revisions)").click()
    assert reader.get_by_text("Described the close").is_visible()
    reader.get_by_role("link", name="r2").click()
    assert reader.locator(".diff-del", has_text="The finance ERP.").is_visible()
    assert reader.locator(".diff-add", has_text="month-end close").first.is_visible()
