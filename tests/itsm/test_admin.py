"""The Django admin: every page opens for an administrator, nobody else gets in, and
the incident admin never writes what the workflow owns."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from django.contrib import admin as django_admin
from django.test import RequestFactory
from django.urls import reverse

from catalog.models import (
    Calendar,
    ConfigurationItem,
    FreezeWindow,
    MaintenanceWindow,
    RequestItem,
    ServiceCategory,
    ServiceLevelAgreement,
    StandardChange,
    Supplier,
    SupportLevel,
    UnderpinningContract,
)
from catalog.services import record_revision
from changes import cab, releases
from changes import services as changes
from changes.models import CabSchedule
from improvement.services import open_suggestion
from incidents.models import Incident
from incidents.process import IncidentProcess
from itsm import outages, workflow
from itsm.choices import EventKind
from itsm.models import ApiToken, PriorityRule, SavedFilter, TicketEvent, TicketSequence
from itsm.task_kind import add_task
from knowledge import services as knowledge
from metrics import compute
from metrics.models import KpiTarget
from problems import services as problems

from ..factories import ServiceFactory, TeamFactory, UserFactory, make_incident

pytestmark = pytest.mark.django_db

REGISTERED = sorted(django_admin.site._registry, key=lambda model: model._meta.label)


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def every_kind_of_row(admin, incident, service, team):
    """At least one row for each model the admin shows."""
    ConfigurationItem.objects.create(name="mail-01", owner_team=team).services.add(service)
    ApiToken.issue(admin, name="ci")
    # Its own calendar: a transactional test may have flushed the migration's default.
    calendar = Calendar.objects.create(name="Office", time_zone="UTC")
    ServiceLevelAgreement.objects.create(name="Email", service=service, calendar=calendar)
    supplier = Supplier.objects.create(name="Hosting AB")
    UnderpinningContract.objects.create(supplier=supplier, service=service, name="Hosting",
                                        valid_from=date(2026, 1, 1))
    service.category = ServiceCategory.objects.create(name="Workplace", code="workplace")
    service.save()
    SupportLevel.objects.create(service=service, position=1, team=team)
    RequestItem.objects.create(service=service, name="Shared mailbox")
    StandardChange.objects.create(service=service, name="Raise quota",
                                  implementation_plan="Set the quota.")
    record_revision(service, admin)
    add_task(incident, actor=admin, title="Check the mail gateway")
    SavedFilter.objects.create(owner=admin, name="P1 open", query="queue=open&priority=1")
    # A transactional test elsewhere may have flushed the rows the migrations seed.
    PriorityRule.objects.get_or_create(impact=1, urgency=1, defaults={"priority": 1})
    KpiTarget.objects.create(kpi="mttr", service=service, target=8)
    outages.record(actor=admin, service=service, started_at=incident.created_at)
    knowledge.create_article(actor=admin, title="Mail", body="Text", owner_team=team)
    problems.create_problem(actor=admin, incidents=[incident], title="Mail drops")
    changes.record_cause(changes.create_change(actor=admin, title="Relay upgrade"), incident,
                         actor=admin)
    cab.create_meeting(actor=admin, title="CAB", starts_at=incident.created_at)
    cab.save_schedule(CabSchedule(name="Weekly CAB", weekday=1, start_time=time(10),
                                  chair=admin), actor=admin)
    releases.create_release(actor=admin, name="2026.1", planned_date=date(2026, 1, 9))
    open_suggestion(title="Document the relay", service=service)
    FreezeWindow.objects.create(name="Year end", starts_at=incident.created_at,
                                ends_at=incident.created_at + timedelta(days=3))
    MaintenanceWindow.objects.create(name="Nightly", service=service, weekdays=[0, 6],
                                     start_time=time(1), duration_minutes=120)
    compute.recompute()  # the incident's volume and backlog
    assert TicketSequence.objects.exists()


@pytest.fixture
def signed_in_admin(client, admin):
    client.force_login(admin)
    return client


def form_data(response) -> dict:
    """What the browser would post back: the form's values and each inline's
    management form (the timeline inline is view-only, so it sends nothing else)."""
    form = response.context["adminform"].form
    data = {name: "" if form[name].value() is None else form[name].value()
            for name in form.fields}
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management[name].value()
    return data


def test_our_models_are_registered():
    labels = {model._meta.label for model in REGISTERED}
    assert {
        "itsm.User", "itsm.PriorityRule", "itsm.ApiToken", "itsm.TicketSequence",
        "catalog.Customer", "catalog.Team", "catalog.Service", "catalog.ConfigurationItem",
        "incidents.Incident",
    } <= labels


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
def test_every_admin_page_opens_for_an_admin(signed_in_admin, admin, every_kind_of_row, model):
    assert signed_in_admin.get(admin_url(model, "changelist")).status_code == 200
    row = model._default_manager.order_by("pk").first()
    assert row is not None, f"no {model._meta.label} row to open"
    assert signed_in_admin.get(admin_url(model, "change", row.pk)).status_code == 200
    request = RequestFactory().get("/")
    request.user = admin
    may_add = django_admin.site.get_model_admin(model).has_add_permission(request)
    assert signed_in_admin.get(admin_url(model, "add")).status_code == (200 if may_add else 403)


def test_the_admin_index_carries_the_desk_header(signed_in_admin):
    page = signed_in_admin.get(reverse("admin:index")).content.decode()
    assert "Service desk administration" in page


@pytest.mark.parametrize("url", [reverse("admin:index"), admin_url(Incident, "changelist")])
def test_a_non_staff_agent_is_sent_to_the_admin_login(client, agent, url):
    client.force_login(agent)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_incidents_cannot_be_added_or_deleted_in_the_admin(signed_in_admin, incident):
    assert signed_in_admin.get(admin_url(Incident, "add")).status_code == 403
    assert signed_in_admin.get(admin_url(Incident, "delete", incident.pk)).status_code == 403
    assert Incident.objects.filter(pk=incident.pk).exists()


def test_the_incident_form_edits_only_what_an_agent_may_edit(signed_in_admin, incident):
    response = signed_in_admin.get(admin_url(Incident, "change", incident.pk))
    fields = set(response.context["adminform"].form.fields)
    assert fields == {*IncidentProcess.editable_fields, "shown_version"}
    assert {"status", "assignee", "assignment_team", "priority", "version"}.isdisjoint(fields)


def test_a_closed_incident_is_read_only(signed_in_admin, agent, incident):
    workflow.transition(incident, "cancelled", actor=agent, note="Logged twice")
    response = signed_in_admin.get(admin_url(Incident, "change", incident.pk))
    assert set(response.context["adminform"].form.fields) == {"shown_version"}


def test_a_correction_goes_through_the_service_and_never_writes_status_or_assignee(
        signed_in_admin, admin, agent, incident):
    url = admin_url(Incident, "change", incident.pk)
    data = form_data(signed_in_admin.get(url))
    data.update(title="Outlook cannot connect to Exchange", impact="1",
                status="closed", assignee=str(admin.pk), priority="1", version="99")

    response = signed_in_admin.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    stored = Incident.objects.get(pk=incident.pk)
    assert stored.title == "Outlook cannot connect to Exchange"
    assert (stored.status, stored.assignee_id) == (incident.status, incident.assignee_id)
    assert stored.version == incident.version + 1
    # impact 1 × urgency 2 is P2 in the matrix, recomputed by the service
    assert stored.priority == 2
    events = TicketEvent.objects.filter(ticket=incident, actor=admin)
    assert set(events.values_list("field", flat=True)) == {"title", "impact", "priority"}
    assert not events.filter(kind__in=[EventKind.STATUS, EventKind.ASSIGNMENT]).exists()


def test_a_stale_correction_is_refused(signed_in_admin, agent, incident):
    url = admin_url(Incident, "change", incident.pk)
    data = form_data(signed_in_admin.get(url))
    workflow.update(incident, actor=agent, editable=["title"], title="Changed meanwhile")
    data["title"] = "The admin's title"

    response = signed_in_admin.post(url, data)

    assert response.status_code == 200
    assert "after you opened it" in response.content.decode()
    assert Incident.objects.get(pk=incident.pk).title == "Changed meanwhile"


def test_revoke_action_revokes_the_selected_tokens(signed_in_admin, admin, agent):
    token, _key = ApiToken.issue(agent, name="laptop")
    other, _other_key = ApiToken.issue(admin, name="kept")

    response = signed_in_admin.post(admin_url(ApiToken, "changelist"), {
        "action": "revoke_tokens", "_selected_action": [token.pk],
    })

    assert response.status_code == 302
    token.refresh_from_db()
    other.refresh_from_db()
    assert token.revoked_at is not None
    assert other.revoked_at is None


def test_tokens_are_read_only_and_never_show_their_hash(signed_in_admin, agent):
    token, _key = ApiToken.issue(agent, name="laptop")
    listing = signed_in_admin.get(admin_url(ApiToken, "changelist")).content.decode()
    page = signed_in_admin.get(admin_url(ApiToken, "change", token.pk))
    assert token.key_hash not in listing
    assert token.key_hash not in page.content.decode()
    assert not page.context["adminform"].form.fields
    assert signed_in_admin.get(admin_url(ApiToken, "add")).status_code == 403


def test_the_ticket_sequence_is_view_only(signed_in_admin, incident):
    url = admin_url(TicketSequence, "change", "incident")
    before = TicketSequence.objects.get(kind="incident").last_value
    assert signed_in_admin.post(url, {"last_value": "0"}).status_code == 403
    assert TicketSequence.objects.get(kind="incident").last_value == before


def add_incidents(n: int) -> None:
    """n incidents, each with its own team and assignee."""
    for _ in range(n):
        worker = UserFactory(roles=["agent"])
        team = TeamFactory(members=[worker])
        make_incident(actor=worker, service=ServiceFactory(owner_team=team), assignee=worker)




def test_the_incident_changelist_runs_a_constant_number_of_queries(signed_in_admin, count_queries):
    url = admin_url(Incident, "changelist")
    add_incidents(2)
    two = count_queries(signed_in_admin, url)
    add_incidents(8)
    ten = count_queries(signed_in_admin, url)
    assert Incident.objects.count() == 10
    assert ten == two
