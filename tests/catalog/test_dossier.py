"""The service documentation dossier: every desk role reads it, its owners edit it, and
every edit is kept: who changed what, when, and the earlier text."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.models import (
    RequestItem,
    ServiceRevision,
    SLATarget,
    StandardChange,
    Supplier,
    SupportLevel,
    UnderpinningContract,
)
from catalog.services import (
    LevelSpec,
    StaleDossier,
    diff_part,
    edit_dossier,
    record_revision,
)
from tests.factories import (
    ConfigurationItemFactory,
    CustomerFactory,
    ServiceFactory,
    TeamFactory,
    UserFactory,
    make_sla,
)
from tests.itsm.test_admin import admin_url, form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def supplier(db):
    return Supplier.objects.create(name="Mailsoft", contact_email="support@mailsoft.test")


def edit(service, actor, base=0, **texts):
    return edit_dossier(service, actor=actor, base_revision=base, texts=texts,
                        path=[LevelSpec(team=service.owner_team)], summary="Wrote it up")


# --- the history ----------------------------------------------------------------------


def test_a_revision_is_recorded_only_when_something_changed(service, admin):
    first = record_revision(service, admin)
    assert first.number == 1 and first.changed[0] == "name"

    assert record_revision(service, admin) is None

    service.description = "Mail for everyone."
    service.save()
    second = record_revision(service, admin, "Described it")
    assert (second.number, second.changed, second.summary) == (2, ["description"],
                                                                "Described it")
    assert second.content["description"] == "Mail for everyone."
    assert first.content["description"] == ""  # the earlier text stays readable


def test_an_owner_edits_text_and_support_path_and_the_earlier_state_is_kept(
        service, agent, team, supplier):
    service.description = "Old text."
    service.save()

    revision = edit_dossier(
        service, actor=agent, base_revision=0,
        texts={"description": "New text.", "support_notes": "Call us."},
        path=[LevelSpec(team=team), LevelSpec(supplier=supplier, note="Contract 42")],
        summary="Rewrote the description")

    service.refresh_from_db()
    assert (service.description, service.support_notes) == ("New text.", "Call us.")
    assert [str(level) for level in service.support_levels.all()] == [
        "1. Service desk", "2. Mailsoft"]
    baseline, saved = service.revisions.order_by("number")
    assert (baseline.number, baseline.author, baseline.content["description"]) == (
        1, None, "Old text.")
    assert saved == revision and saved.number == 2 and saved.author == agent
    assert set(saved.changed) == {"description", "support_notes", "support_path"}
    assert saved.content["support_path"] == ["1. Service desk", "2. Mailsoft (Contract 42)"]


@pytest.mark.parametrize("persona", ["other_team_agent", "manager", "team_lead_elsewhere"])
def test_only_the_owner_team_and_admins_edit(service, persona, request):
    if persona == "team_lead_elsewhere":
        user = UserFactory(username="lead2", roles=["team_lead"])
        TeamFactory(name="Elsewhere", lead=user, members=[user])
    else:
        user = request.getfixturevalue(persona)

    with pytest.raises(PermissionDenied):
        edit(service, user, description="Hijacked")

    service.refresh_from_db()
    assert service.description == "" and not ServiceRevision.objects.exists()


def test_an_admin_and_the_owner_teams_lead_may_edit(service, admin, team_lead):
    assert edit(service, admin, description="By the admin").number == 2
    assert edit(service, team_lead, base=2, description="By the lead").number == 3


def test_a_stale_edit_is_refused_and_writes_nothing(service, agent, team_lead):
    edit(service, team_lead, description="First")

    with pytest.raises(StaleDossier) as stale:
        edit(service, agent, base=0, description="Second, from an old page")

    assert stale.value.latest.number == 2 and stale.value.latest.author == team_lead
    service.refresh_from_db()
    assert service.description == "First"
    assert service.revisions.count() == 2


def test_a_diff_shows_removed_and_added_lines():
    lines = diff_part("Backups nightly.\nKept 30 days.", "Backups nightly.\nKept 90 days.")

    assert [(line.op, line.text) for line in lines] == [
        (" ", "Backups nightly."), ("-", "Kept 30 days."), ("+", "Kept 90 days.")]


# --- the pages -------------------------------------------------------------------------


def dossier_url(service, name="service", *args):
    return reverse(f"catalog:{name}", args=[service.code, *args])


@pytest.mark.parametrize("persona, status", [
    ("requester", 404), ("agent", 200), ("other_team_agent", 200), ("team_lead", 200),
    ("change_manager", 200), ("manager", 200), ("admin", 200),
])
def test_every_desk_role_reads_the_dossier(client, service, persona, status, request):
    client.force_login(request.getfixturevalue(persona))
    for url in (reverse("catalog:services"), dossier_url(service),
                dossier_url(service, "service-history")):
        assert client.get(url).status_code == status


def test_anonymous_visitors_log_in_first(client, service):
    response = client.get(dossier_url(service))
    assert response.status_code == 302 and "/accounts/login/" in response.url


@pytest.fixture
def documented(service, team, supplier, office):
    """A service with every part of its dossier filled."""
    service.description = "Mail and calendars for everyone."
    service.operations_notes = "Backups nightly at 01:00."
    service.support_notes = "Outlook profiles: first line."
    service.save()
    make_sla(service, office)
    SupportLevel.objects.create(service=service, position=1, team=team)
    SupportLevel.objects.create(service=service, position=2, supplier=supplier,
                                note="Contract 42")
    RequestItem.objects.create(service=service, name="Shared mailbox", fulfilment_days=2)
    StandardChange.objects.create(service=service, name="Raise a mailbox quota",
                                  implementation_plan="Set the quota.")
    UnderpinningContract.objects.create(supplier=supplier, service=service, name="Mail hosting",
                                        reference="MS-42", valid_from="2026-01-01")
    record_revision(service, None)
    return service


def test_the_dossier_shows_every_part(client, manager, documented):
    client.force_login(manager)

    page = client.get(dossier_url(documented)).content.decode()

    for text in ("Mail and calendars for everyone.", "Backups nightly at 01:00.",
                 "Outlook profiles: first line.", "Email all", "Shared mailbox",
                 "Raise a mailbox quota", "Mailsoft", "Contract 42", "MS-42",
                 "support@mailsoft.test", "History (1 revision)"):
        assert text in page, text
    assert "Edit documentation" not in page  # managers read, owners edit


def test_the_dossier_page_takes_the_same_queries_however_much_it_shows(
        client, manager, documented, office, supplier):
    client.force_login(manager)
    url = dossier_url(documented)
    client.get(url)  # warm the session and the role cache

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    few = count()
    for n in range(3):
        RequestItem.objects.create(service=documented, name=f"Item {n}")
        StandardChange.objects.create(service=documented, name=f"Change {n}",
                                      implementation_plan="Do it.")
        contract = UnderpinningContract.objects.create(
            supplier=supplier, service=documented, name=f"Contract {n}",
            valid_from="2026-01-01")
        contract.targets.create(priority=1, response_minutes=30, resolution_minutes=60)
        SupportLevel.objects.create(service=documented, position=3 + n,
                                    team=TeamFactory(name=f"Team {n}"))
    SLATarget.objects.create(sla=documented.slas.get(), priority=1, response_minutes=15,
                             resolution_minutes=60)
    make_sla(documented, office, customer=CustomerFactory(name="Insurance", code="ins"))
    assert count() == few


def test_the_owner_edits_through_the_page(client, agent, documented, team, supplier):
    client.force_login(agent)
    form = client.get(dossier_url(documented, "service-edit"))
    assert form.status_code == 200
    assert form.context["form"]["base_revision"].value() == 1

    response = client.post(dossier_url(documented, "service-edit"), {
        "base_revision": "1", "description": "Mail, calendars and shared mailboxes.",
        "operations_notes": "Backups nightly at 02:00.", "support_notes": "",
        "summary": "Moved the backup window",
        "level-TOTAL_FORMS": "3", "level-INITIAL_FORMS": "0",
        "level-0-team": str(team.pk), "level-0-supplier": "", "level-0-note": "",
        "level-1-team": "", "level-1-supplier": "", "level-1-note": "",
        "level-2-team": "", "level-2-supplier": str(supplier.pk), "level-2-note": "Hotline",
    })

    assert response.status_code == 302 and response.url == dossier_url(documented)
    revision = documented.revisions.get(number=2)
    assert revision.author == agent and revision.summary == "Moved the backup window"
    assert revision.content["support_path"] == ["1. Service desk", "2. Mailsoft (Hotline)"]
    history = client.get(dossier_url(documented, "service-history")).content.decode()
    assert "Moved the backup window" in history and "Operational notes" in history
    diff = client.get(dossier_url(documented, "service-revision", 2)).content.decode()
    assert "Backups nightly at 01:00." in diff and "Backups nightly at 02:00." in diff
    assert 'class="diff-del"' in diff and 'class="diff-add"' in diff


def test_a_non_owner_cannot_open_the_editor(client, other_team_agent, documented):
    client.force_login(other_team_agent)
    assert client.get(dossier_url(documented, "service-edit")).status_code == 403
    assert client.post(dossier_url(documented, "service-edit"), {}).status_code == 403


def test_a_stale_save_on_the_page_is_a_409_that_says_who(client, agent, team_lead,
                                                       documented):
    edit(documented, team_lead, base=1, description="The lead's text")
    client.force_login(agent)

    response = client.post(dossier_url(documented, "service-edit"), {
        "base_revision": "1", "description": "My older text", "level-TOTAL_FORMS": "0",
        "level-INITIAL_FORMS": "0",
    })

    assert response.status_code == 409
    assert "saved revision 2 while you were editing" in response.content.decode()
    assert "My older text" in response.content.decode()  # nothing typed is lost
    documented.refresh_from_db()
    assert documented.description == "The lead's text"


@pytest.mark.parametrize("rows, message", [
    ({"level-0-team": "TEAM", "level-0-supplier": "SUPPLIER"}, "not both"),
    ({"level-0-team": "TEAM", "level-1-team": "TEAM"}, "only once"),
    ({"level-0-note": "Who?"}, "Choose the team or supplier"),
    ({"level-0-team": "999999"}, "Select a valid choice"),
])
def test_a_bad_support_path_is_a_400_that_says_why(client, agent, documented, team, supplier,
                                                   rows, message):
    client.force_login(agent)
    data = {"base_revision": "1", "description": "x", "level-TOTAL_FORMS": "2",
            "level-INITIAL_FORMS": "0"}
    for key, value in rows.items():
        data[key] = value.replace("TEAM", str(team.pk)).replace("SUPPLIER", str(supplier.pk))

    response = client.post(dossier_url(documented, "service-edit"), data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert documented.revisions.count() == 1


@pytest.mark.parametrize("number", ["9", "99999999999999999999"])
def test_an_unknown_revision_is_a_404(client, agent, documented, number):
    client.force_login(agent)
    assert client.get(f"{dossier_url(documented)}history/{number}/").status_code == 404


def test_the_catalog_lists_services_by_category_with_their_gaps(client, manager, service):
    ServiceFactory(name="Orphan", code="orphan", owner_team=None)
    client.force_login(manager)

    page = client.get(reverse("catalog:services")).content.decode()

    assert "Email" in page and "Orphan" in page and "No owner" in page
    assert "Uncategorised" in page


def test_an_admin_edit_is_kept_in_the_history(client, admin, service):
    client.force_login(admin)
    url = admin_url(type(service), "change", service.pk)
    data = form_data(client.get(url))
    data["description"] = "Edited in the admin."

    assert client.post(url, data).status_code == 302
    revision = service.revisions.get()
    assert revision.author == admin and revision.content["description"] == (
        "Edited in the admin.")


# --- teams: the management groups and what they own -----------------------------------


@pytest.mark.parametrize("persona, status", [
    ("requester", 404), ("agent", 200), ("manager", 200), ("admin", 200),
])
def test_desk_roles_read_the_team_pages(client, team, persona, status, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("catalog:teams")).status_code == status
    assert client.get(reverse("catalog:team", args=[team.pk])).status_code == status


def test_a_team_page_lists_what_the_team_owns(client, manager, documented, team, team_lead):
    ConfigurationItemFactory(name="mail-01", owner_team=team)
    client.force_login(manager)

    page = client.get(reverse("catalog:team", args=[team.pk])).content.decode()

    assert "Email" in page and "mail-01" in page and "level 1" in page
    assert team_lead.email in page
    listing = client.get(reverse("catalog:teams")).content.decode()
    assert "Service desk" in listing


def test_the_team_list_takes_the_same_queries_for_more_teams(client, manager, team):
    client.force_login(manager)
    url = reverse("catalog:teams")
    client.get(url)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    few = count()
    for n in range(4):
        lead = UserFactory(roles=["agent"])
        TeamFactory(name=f"Team {n}", lead=lead, members=[lead])
    assert count() == few


def test_the_team_api_lists_owned_services_and_cis(api_as, agent, service, team):
    ConfigurationItemFactory(name="mail-01", owner_team=team)
    data = api_as(agent).get(f"/api/v1/catalog/teams/{team.pk}/").data

    assert [s["code"] for s in data["owned_services"]] == ["email"]
    assert [c["name"] for c in data["owned_cis"]] == ["mail-01"]
