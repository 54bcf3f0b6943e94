"""The ownership report: every active service and CI without an owner team and every
active service without an active SLA, for desk roles (API and page)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.models import Calendar, Lifecycle, ServiceLevelAgreement
from catalog.ownership import unowned

from ..factories import ConfigurationItemFactory, ServiceFactory, UserFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/catalog/ownership/"
DESK = ["agent", "team_lead", "change_manager", "manager", "admin"]


def give_sla(service) -> ServiceLevelAgreement:
    return ServiceLevelAgreement.objects.create(name=f"{service.name} SLA", service=service,
                                                calendar=Calendar.default())


@pytest.fixture
def gaps(team):
    """Owned with SLA: email. Unowned: orphan (no SLA either). No SLA: wiki (its SLA is
    inactive). Switched off and ignored: fax (retired), legacy (inactive)."""
    give_sla(ServiceFactory(name="Email", code="email", owner_team=team))
    orphan = ServiceFactory(name="Orphan", code="orphan", owner_team=None)
    wiki = ServiceFactory(name="Wiki", code="wiki", owner_team=team)
    inactive_sla = give_sla(wiki)
    inactive_sla.is_active = False
    inactive_sla.save()
    ServiceFactory(name="Fax", code="fax", owner_team=None, lifecycle=Lifecycle.RETIRED)
    ServiceFactory(name="Legacy", code="legacy", owner_team=None, is_active=False)
    ConfigurationItemFactory(name="mail-01", owner_team=team)
    stray = ConfigurationItemFactory(name="stray-01", owner_team=None)
    ConfigurationItemFactory(name="old-01", owner_team=None, is_active=False)
    return {"orphan": orphan, "wiki": wiki, "stray": stray}


def names(rows) -> list[str]:
    return [row.name if hasattr(row, "name") else row["name"] for row in rows]


def test_the_report_lists_what_nobody_owns(gaps):
    report = unowned()
    assert names(report.services_without_owner) == ["Orphan"]
    assert names(report.cis_without_owner) == ["stray-01"]
    assert names(report.services_without_sla) == ["Orphan", "Wiki"]


def test_the_report_is_a_fixed_number_of_queries(gaps):
    """The three lists, the services of the unowned CIs, and whether a triage team and a
    default SLA exist."""
    with CaptureQueriesContext(connection) as ctx:
        report = unowned()
        for rows in (report.services_without_owner, report.cis_without_owner,
                     report.services_without_sla):
            for row in rows:
                getattr(row, "services", None) and list(row.services.all())
    assert len(ctx.captured_queries) == 6


def test_the_report_page_is_tables_and_names_the_missing_triage_setup(client, manager, gaps):
    client.force_login(manager)
    html = client.get("/catalog/ownership/").content.decode()
    assert html.count('<table class="data">') == 3
    assert "No team is the triage team" in html and "There is no default SLA" in html


def test_the_api_shows_the_report_in_brief(api_as, manager, gaps):
    response = api_as(manager).get(API)
    assert response.status_code == 200
    orphan, stray = gaps["orphan"], gaps["stray"]
    assert response.data == {
        "services_without_owner": [{"id": orphan.pk, "name": "Orphan", "code": "orphan"}],
        "cis_without_owner": [{"id": stray.pk, "name": "stray-01", "ci_type": "other"}],
        "services_without_sla": [
            {"id": orphan.pk, "name": "Orphan", "code": "orphan"},
            {"id": gaps["wiki"].pk, "name": "Wiki", "code": "wiki"},
        ],
        "no_triage_team": True,
        "no_default_sla": True,
    }


@pytest.mark.parametrize("persona", DESK, indirect=True)
def test_desk_roles_read_the_report(api_as, persona, gaps):
    assert api_as(persona).get(API).status_code == 200


@pytest.mark.parametrize("persona", ["requester", "other_requester"], indirect=True)
def test_requesters_are_refused_the_report(api_as, persona, gaps):
    response = api_as(persona).get(API)
    assert response.status_code == 403
    assert "services_without_owner" not in response.data


def test_anonymous_gets_401(api, gaps):
    assert api.get(API).status_code == 401


def test_the_report_is_read_only(api_as, admin, gaps):
    assert api_as(admin).post(API, {}).status_code == 405


def test_api_query_count_does_not_grow_with_rows(api_as, manager, gaps):
    client = api_as(manager)
    client.get(API)  # the token's last_used_at is written once

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(API).status_code == 200
        return len(ctx.captured_queries)

    before = queries()
    for n in range(5):
        ServiceFactory(code=f"extra-{n}", owner_team=None)
        ConfigurationItemFactory(owner_team=None)
    assert queries() == before


# --- the page ----------------------------------------------------------------------

PAGE = reverse("catalog:ownership")


def test_anonymous_is_sent_to_login(client, gaps):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["requester", "other_requester"], indirect=True)
def test_requesters_get_404_on_the_page(client, persona, gaps):
    client.force_login(persona)
    assert client.get(PAGE).status_code == 404


@pytest.mark.parametrize("persona", ["agent", "manager"], indirect=True)
def test_managers_and_agents_see_the_gaps_on_the_page(client, persona, gaps):
    client.force_login(persona)
    response = client.get(PAGE)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Orphan" in content and "stray-01" in content and "Wiki" in content
    assert "mail-01" not in content and "Fax" not in content and "old-01" not in content


def test_an_empty_report_says_so(client, manager):
    client.force_login(manager)
    content = client.get(PAGE).content.decode()
    assert "every service has an owner team" in content
    assert "every configuration item has an owner team" in content


def test_page_query_count_does_not_grow_with_rows(client, manager, gaps):
    client.force_login(manager)
    client.get(PAGE)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(PAGE).status_code == 200
        return len(ctx.captured_queries)

    before = queries()
    for n in range(5):
        ServiceFactory(code=f"extra-{n}", owner_team=None)
        ConfigurationItemFactory(owner_team=None)
    assert queries() == before


def test_a_user_without_a_role_gets_404(client, gaps):
    client.force_login(UserFactory(username="nobody"))
    assert client.get(PAGE).status_code == 404
