"""The agent pages for incidents: queue, create, detail and its forms."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents.choices import IncidentStatus, OnHoldReason, ResolutionCode
from incidents.models import Incident
from itsm import effort, services, workflow
from itsm.choices import EventKind
from itsm.models import Attachment, Comment, TicketEvent

from ..factories import ServiceFactory, make_incident

pytestmark = pytest.mark.django_db


STAFF = ("agent", "other_team_agent", "team_lead", "change_manager", "manager", "admin")


def url(view: str, incident: Incident | None = None, **kwargs) -> str:
    if incident is not None:
        kwargs["number"] = incident.number
    return reverse(f"incidents:{view}", kwargs=kwargs)




def fresh(incident: Incident) -> Incident:
    return Incident.objects.get(pk=incident.pk)


# --- access per role ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["list", "create", "detail"])
def test_anonymous_is_sent_to_login(client, incident, name):
    path = url(name, incident if name == "detail" else None)
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", ["list", "create", "detail"])
@pytest.mark.parametrize("persona", ["requester", "other_requester"], indirect=True)
def test_requesters_opening_desk_pages_are_sent_to_the_portal(client, incident, persona, name):
    """A link from an email to the desk's page lands on the portal's page of the ticket
    (where someone who may not see it gets a 404)."""
    client.force_login(persona)
    response = client.get(url(name, incident if name == "detail" else None))
    assert response.status_code == 302
    expected = (reverse("portal:ticket", args=[incident.number]) if name == "detail"
                else reverse("portal:home"))
    assert response["Location"] == expected
    status = 200 if persona.username == "alice" else 404
    assert client.get(response["Location"]).status_code == (200 if name != "detail" else status)


@pytest.mark.parametrize("persona", STAFF, indirect=True)
def test_desk_roles_read_queue_and_detail(client, incident, persona):
    client.force_login(persona)
    assert incident.number in client.get(url("list")).content.decode()
    assert client.get(url("detail", incident)).status_code == 200


def test_manager_reads_detail_without_any_form(client, incident, manager):
    client.force_login(manager)
    page = client.get(url("detail", incident)).content.decode()
    assert "Read only" in page
    assert 'method="post"' not in page.split("</header>", 1)[1]  # only the logout form
    assert client.get(url("create")).status_code == 403


@pytest.mark.parametrize("action,data", [
    ("take", {"version": 1}),
    ("assign", {"version": 1, "team": "", "assignee": ""}),
    ("edit", {"version": 1, "title": "Changed", "impact": 1, "urgency": 1,
              "channel": "phone"}),
    ("comment", {"body": "hello", "visibility": "public"}),
])
def test_manager_writes_are_refused_and_change_nothing(client, incident, manager, action, data):
    client.force_login(manager)
    events = TicketEvent.objects.filter(ticket=incident).count()
    response = client.post(url(action, incident), data)
    assert response.status_code == 403
    assert TicketEvent.objects.filter(ticket=incident).count() == events
    assert fresh(incident).version == incident.version


def test_manager_cannot_transition_or_create(client, incident, manager, requester):
    client.force_login(manager)
    response = client.post(url("transition", incident, name="cancel"),
                           {"cancel-version": 1, "cancel-note": "no"})
    assert response.status_code == 403
    assert fresh(incident).status == IncidentStatus.NEW
    response = client.post(url("create"), {"title": "x", "requester": requester.pk,
                                           "impact": 3, "urgency": 3, "channel": "phone"})
    assert response.status_code == 403
    assert Incident.objects.count() == 1


def test_requester_posting_to_a_desk_form_gets_404(client, incident, requester):
    client.force_login(requester)
    response = client.post(url("take", incident), {"version": 1})
    assert response.status_code == 404
    assert fresh(incident).assignee is None


# --- the queue ------------------------------------------------------------------------


def test_queue_defaults_to_open_incidents(client, agent, requester, service):
    open_one = make_incident(actor=agent, requester=requester, service=service, title="Open")
    done = make_incident(actor=agent, requester=requester, service=service, title="Done")
    workflow.transition(done, IncidentStatus.CANCELLED, actor=agent, note="duplicate")
    client.force_login(agent)
    page = client.get(url("list")).content.decode()
    assert open_one.number in page and done.number not in page
    everything = client.get(url("list") + "?queue=").content.decode()
    assert done.number in everything


def test_queue_tabs_mine_and_unassigned(client, agent, team_lead, requester, service):
    mine = make_incident(actor=agent, requester=requester, service=service, assignee=agent)
    theirs = make_incident(actor=agent, requester=requester, service=service,
                           assignee=team_lead)
    nobody = make_incident(actor=agent, requester=requester, service=service)
    client.force_login(agent)
    page = client.get(url("list") + "?queue=mine").content.decode()
    assert mine.number in page and theirs.number not in page and nobody.number not in page
    page = client.get(url("list") + "?queue=unassigned").content.decode()
    assert nobody.number in page and mine.number not in page
    page = client.get(url("list") + "?queue=my_teams").content.decode()
    assert all(i.number in page for i in (mine, theirs, nobody))


def test_queue_filters_by_status_priority_and_text(client, agent, requester, service):
    urgent = make_incident(actor=agent, requester=requester, service=service,
                           title="Core switch down", impact=1, urgency=1)
    minor = make_incident(actor=agent, requester=requester, service=service,
                          title="Printer toner low")
    client.force_login(agent)
    page = client.get(url("list") + "?priority=1").content.decode()
    assert urgent.number in page and minor.number not in page
    page = client.get(url("list") + "?q=toner").content.decode()
    assert minor.number in page and urgent.number not in page
    page = client.get(url("list") + f"?q={urgent.number.lower()}").content.decode()
    assert urgent.number in page and minor.number not in page
    page = client.get(url("list") + "?status=new&status=in_progress").content.decode()
    assert urgent.number in page and minor.number in page


def test_chosen_statuses_replace_the_open_default(client, agent, requester, service):
    done = make_incident(actor=agent, requester=requester, service=service, title="Done")
    workflow.transition(done, IncidentStatus.CANCELLED, actor=agent, note="duplicate")
    client.force_login(agent)
    page = client.get(url("list") + "?queue=open&status=cancelled").content.decode()
    assert done.number in page


def test_queue_filters_by_breach_team_and_assignee(client, agent, team_lead, requester,
                                                   service, other_team, other_team_agent):
    breached = make_incident(actor=agent, requester=requester, service=service,
                             title="Late", assignee=team_lead)
    fine = make_incident(actor=agent, requester=requester, service=service, title="On time")
    elsewhere = make_incident(actor=agent, requester=requester, service=service,
                              title="Network", team=other_team, assignee=other_team_agent)
    Incident.objects.filter(pk=breached.pk).update(resolution_breached=True)
    client.force_login(agent)
    page = client.get(url("list") + "?breached=true").content.decode()
    assert breached.number in page and fine.number not in page
    assert "SLA breached" in page
    page = client.get(url("list") + f"?team={other_team.pk}").content.decode()
    assert elsewhere.number in page and fine.number not in page
    page = client.get(url("list") + f"?assignee={team_lead.pk}").content.decode()
    assert breached.number in page and elsewhere.number not in page


def test_queue_sorts_by_allowed_columns_only(client, agent, requester, service):
    low = make_incident(actor=agent, requester=requester, service=service, title="Low")
    high = make_incident(actor=agent, requester=requester, service=service, title="High",
                         impact=1, urgency=1)
    client.force_login(agent)
    page = client.get(url("list") + "?ordering=priority").content.decode()
    assert page.index(high.number) < page.index(low.number)
    page = client.get(url("list") + "?ordering=-priority").content.decode()
    assert page.index(low.number) < page.index(high.number)
    assert 'aria-sort="descending"' in page
    # Not on the allow-list: ignored (newest first), never an error or a data leak.
    response = client.get(url("list") + "?ordering=requester__password")
    assert response.status_code == 200
    page = response.content.decode()
    assert page.index(high.number) < page.index(low.number)


def test_queue_paginates_fifty_a_page(client, agent, requester, service):
    for n in range(52):
        make_incident(actor=agent, requester=requester, service=service, title=f"Row {n}")
    client.force_login(agent)
    response = client.get(url("list"))
    assert len(response.context["page_obj"].object_list) == 50
    second = client.get(url("list") + "?page=2")
    assert len(second.context["page_obj"].object_list) == 2
    assert client.get(url("list") + "?page=999").status_code == 200


def test_queue_query_count_does_not_grow_with_rows(client, agent, team_lead, requester,
                                                   service, count_queries):
    def add(n: int) -> None:
        for i in range(n):
            other_service = ServiceFactory(owner_team=service.owner_team)
            make_incident(actor=agent, requester=requester, service=other_service,
                          assignee=agent if i % 2 else team_lead, title=f"Row {i}")

    client.force_login(agent)
    add(3)
    few = count_queries(client, url("list"))
    add(12)
    many = count_queries(client, url("list"))
    assert few == many
    # Session, user, roles, unread count; count, rows, their services, teams and people,
    # the kinds' flags; preferences, saved filters; the option lists of the filter and
    # bulk bars (teams, services, categories, people) and the teams to share a filter with.
    assert many <= 17


def test_queue_reads_rows_as_columns_and_counts_ids_only(client, agent, requester, service):

    make_incident(actor=agent, requester=requester, service=service, assignee=agent)
    client.force_login(agent)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url("list"))
    assert response.status_code == 200
    count = next(q["sql"] for q in ctx.captured_queries if "COUNT(*)" in q["sql"]
                 and '"itsm_ticket"."kind"' in q["sql"])
    # The ticket table alone: not the incidents' own, nor any relation.
    assert "JOIN" not in count
    page_query = next(q["sql"] for q in ctx.captured_queries
                      if '"itsm_ticket"."resolution_breached"' in q["sql"]
                      and "LIMIT" in q["sql"])
    assert '"itsm_ticket"."description"' not in page_query  # only the columns rows show
    assert "JOIN \"catalog_" not in page_query and "JOIN \"itsm_user\"" not in page_query
    # The rows' names: a few columns of the rows' service and people, by id.
    names = [q["sql"] for q in ctx.captured_queries
             if '"itsm_user"."first_name"' in q["sql"] and " IN (" in q["sql"]]
    assert names and all('"itsm_user"."password"' not in sql for sql in names)
    row = response.context["rows"][0]
    assert (row.service_id, row.assignee_id) == (service.pk, agent.pk)
    assert row.names["service"] == service.name and row.names["assignee"] == str(agent)
    assert service.name in response.content.decode()


# --- create ---------------------------------------------------------------------------


def test_agent_logs_an_incident_through_the_form(client, agent, requester, service):
    client.force_login(agent)
    # The requester is typed (with suggestions), never silently the agent.
    assert client.get(url("create")).context["form"]["requester"].value() is None
    response = client.post(url("create"), {
        "title": "VPN drops every hour", "description": "Since Monday",
        "requester": requester.pk, "service": service.pk, "impact": 2, "urgency": 1,
        "channel": "phone", "assignee": agent.pk,
    })
    incident = Incident.objects.get(title="VPN drops every hour")
    assert response.status_code == 302
    assert response["Location"] == url("detail", incident)
    assert incident.requester == requester
    assert incident.priority == 2
    assert incident.assignee == agent
    assert incident.assignment_team == service.owner_team
    assert incident.customer == requester.customer
    assert incident.status == IncidentStatus.IN_PROGRESS  # assigning a person starts it


def test_create_form_shows_errors_on_the_fields(client, agent, requester, other_team_agent,
                                                team):
    client.force_login(agent)
    response = client.post(url("create"), {"title": "", "requester": requester.pk,
                                           "impact": 9, "urgency": 1, "channel": "phone"})
    assert response.status_code == 400
    form = response.context["form"]
    assert "title" in form.errors and "impact" in form.errors
    # The service refuses an assignee outside the team: shown on the assignee field.
    response = client.post(url("create"), {
        "title": "x", "requester": requester.pk, "impact": 3, "urgency": 3,
        "channel": "phone", "assignment_team": team.pk, "assignee": other_team_agent.pk,
    })
    assert response.status_code == 400
    assert "not a member" in str(response.context["form"].errors["assignee"])
    assert not Incident.objects.exists()


# --- detail and its forms -------------------------------------------------------------


def test_detail_shows_fields_timeline_and_the_allowed_transitions(client, agent, incident):
    services.add_comment(incident, author=agent, body="Looking into it", is_public=False)
    client.force_login(agent)
    response = client.get(url("detail", incident))
    page = response.content.decode()
    assert incident.title in page and "Looking into it" in page and "internal" in page
    names = [form.transition.name for form in response.context["transition_forms"]]
    assert names == ["start", "cancel"]
    assert "Assign to me" in page


def test_assign_to_me(client, agent, incident):
    client.force_login(agent)
    response = client.post(url("take", incident), {"version": incident.version})
    assert response.status_code == 302
    incident = fresh(incident)
    assert incident.assignee == agent
    assert incident.status == IncidentStatus.IN_PROGRESS
    assert TicketEvent.objects.filter(ticket=incident, field="assignee",
                                      actor=agent).exists()


def test_assign_form_sets_team_and_assignee(client, agent, team_lead, incident, other_team,
                                            other_team_agent):
    client.force_login(agent)
    response = client.post(url("assign", incident), {
        "version": incident.version, "team": other_team.pk, "assignee": other_team_agent.pk})
    assert response.status_code == 302
    incident = fresh(incident)
    assert incident.assignment_team == other_team and incident.assignee == other_team_agent
    assert incident.reassignment_count == 1
    # Someone outside the team: the error is on the assignee field, nothing changes.
    response = client.post(url("assign", incident), {
        "version": incident.version, "team": other_team.pk, "assignee": team_lead.pk})
    assert response.status_code == 400
    assert "not a member" in str(response.context["assign_form"].errors["assignee"])
    assert fresh(incident).assignee == other_team_agent


def test_resolve_needs_code_and_notes_shown_on_those_fields(client, agent, incident):
    workflow.assign(incident, actor=agent, assignee=agent)
    incident = fresh(incident)
    client.force_login(agent)
    response = client.post(url("transition", incident, name="resolve"),
                           {"resolve-version": incident.version})
    assert response.status_code == 400
    form = next(f for f in response.context["transition_forms"]
                if f.transition.name == "resolve")
    assert set(form.errors) == {"resolution_code", "resolution_notes"}
    assert fresh(incident).status == IncidentStatus.IN_PROGRESS

    response = client.post(url("transition", incident, name="resolve"), {
        "resolve-version": incident.version,
        "resolve-resolution_code": ResolutionCode.SOLVED_PERMANENTLY,
        "resolve-resolution_notes": "Restarted the connector",
    })
    assert response.status_code == 302
    incident = fresh(incident)
    assert incident.status == IncidentStatus.RESOLVED
    assert incident.resolution_notes == "Restarted the connector"


def test_hold_form_asks_only_for_the_reason(client, agent, incident):
    workflow.assign(incident, actor=agent, assignee=agent)
    incident = fresh(incident)
    client.force_login(agent)
    forms = client.get(url("detail", incident)).context["transition_forms"]
    hold = next(f for f in forms if f.transition.name == "hold")
    assert [f.name for f in hold.visible_fields()] == ["on_hold_reason"]
    response = client.post(url("transition", incident, name="hold"), {
        "hold-version": incident.version,
        "hold-on_hold_reason": OnHoldReason.AWAITING_CALLER})
    assert response.status_code == 302
    assert fresh(incident).status == IncidentStatus.ON_HOLD


def test_cancel_needs_a_reason(client, agent, incident):
    client.force_login(agent)
    response = client.post(url("transition", incident, name="cancel"),
                           {"cancel-version": incident.version, "cancel-note": " "})
    assert response.status_code == 400
    assert fresh(incident).status == IncidentStatus.NEW
    response = client.post(url("transition", incident, name="cancel"),
                           {"cancel-version": incident.version, "cancel-note": "Duplicate"})
    assert response.status_code == 302
    assert fresh(incident).status == IncidentStatus.CANCELLED


def test_a_transition_not_possible_from_the_current_status_is_refused(client, agent,
                                                                      incident):
    client.force_login(agent)
    response = client.post(url("transition", incident, name="close"),
                           {"close-version": incident.version})
    assert response.status_code == 400
    assert "not possible" in response.content.decode()
    assert fresh(incident).status == IncidentStatus.NEW
    assert client.post(url("transition", incident, name="explode"), {}).status_code == 404


def test_stale_version_is_refused_with_a_reload_message(client, agent, team_lead, incident):
    client.force_login(agent)
    seen = incident.version
    workflow.assign(incident, actor=team_lead, assignee=team_lead)  # someone else, meanwhile
    after = fresh(incident)
    response = client.post(url("take", incident), {"version": seen})
    assert response.status_code == 409
    assert "changed by someone else" in response.content.decode()
    # "Reload" opens the ticket's page, not the action's address the form posted to.
    assert f'href="/incidents/{incident.number}/">Reload' in response.content.decode()
    assert fresh(incident).assignee == team_lead
    assert fresh(incident).version == after.version

    response = client.post(url("edit", incident), {
        "version": seen, "title": "Overwritten", "impact": 1, "urgency": 1, "channel": "phone"})
    assert response.status_code == 409
    assert fresh(incident).title == "Outlook cannot connect"

    response = client.post(url("transition", incident, name="cancel"),
                           {"cancel-version": seen, "cancel-note": "no"})
    assert response.status_code == 409
    assert fresh(incident).status == IncidentStatus.IN_PROGRESS


def test_edit_form_changes_fields_and_priority(client, agent, incident):
    client.force_login(agent)
    response = client.post(url("edit", incident), {
        "version": incident.version, "title": "Outlook cannot connect (all users)",
        "description": "", "impact": 1, "urgency": 1, "service": incident.service_id,
        "customer": incident.customer_id, "channel": incident.channel, "is_major": "on",
    })
    assert response.status_code == 302
    incident = fresh(incident)
    assert incident.priority == 1 and incident.is_major
    assert TicketEvent.objects.filter(ticket=incident, kind=EventKind.PRIORITY).exists()


def test_edit_form_takes_the_parent_by_number(client, agent, requester, service, incident):
    parent = make_incident(actor=agent, requester=requester, service=service, title="Mail down")
    client.force_login(agent)
    data = {"version": incident.version, "title": incident.title, "impact": 2, "urgency": 2,
            "channel": incident.channel, "service": incident.service_id,
            "customer": incident.customer_id}
    response = client.post(url("edit", incident), {**data, "parent": "INC9999999"})
    assert response.status_code == 400
    assert "parent" in response.context["edit_form"].errors
    response = client.post(url("edit", incident), {**data, "parent": parent.number.lower()})
    assert response.status_code == 302
    assert fresh(incident).parent == parent
    page = client.get(url("detail", parent)).content.decode()
    assert incident.number in page  # listed among the children


def test_comment_public_or_internal(client, agent, incident):
    client.force_login(agent)
    client.post(url("comment", incident), {"body": "We are on it", "visibility": "public"})
    client.post(url("comment", incident), {"body": "Vendor ticket 42", "visibility": "internal"})
    assert list(Comment.objects.filter(ticket=incident).values_list("body", "is_public")) == [
        ("We are on it", True), ("Vendor ticket 42", False)]
    response = client.post(url("comment", incident), {"body": "", "visibility": "public"})
    assert response.status_code == 400
    assert "body" in response.context["comment_form"].errors


def test_attachment_upload_and_its_errors(client, agent, incident, settings):
    client.force_login(agent)
    ok = SimpleUploadedFile("trace.log", b"error at line 3", content_type="text/plain")
    assert client.post(url("attach", incident), {"file": ok}).status_code == 302
    assert Attachment.objects.get(ticket=incident).original_name == "trace.log"

    bad_type = SimpleUploadedFile("page.html", b"<script>", content_type="text/html")
    response = client.post(url("attach", incident), {"file": bad_type})
    assert response.status_code == 400
    assert "not accepted" in str(response.context["attachment_form"].errors["file"])

    settings.ATTACHMENT_MAX_BYTES = 10
    too_big = SimpleUploadedFile("big.txt", b"x" * 11, content_type="text/plain")
    response = client.post(url("attach", incident), {"file": too_big})
    assert response.status_code == 400
    assert "larger than" in str(response.context["attachment_form"].errors["file"])
    assert Attachment.objects.filter(ticket=incident).count() == 1


def test_detail_query_count_does_not_grow_with_the_timeline(client, agent, requester,
                                                            service, incident, count_queries):
    def grow(n: int) -> None:
        for i in range(n):
            services.add_comment(incident, author=agent, body=f"note {i}", is_public=i % 2 == 0)
            services.add_attachment(incident, uploaded_by=agent, upload=SimpleUploadedFile(
                f"f{i}.txt", b"data", content_type="text/plain"))
            make_incident(actor=agent, requester=requester, service=service,
                          parent=incident, title=f"child {i}")

    client.force_login(agent)
    grow(1)
    few = count_queries(client, url("detail", incident))
    grow(6)
    for _i in range(3):
        effort.log_time(incident, person=agent, minutes=15)
    many = count_queries(client, url("detail", incident))
    assert few == many
    # The forms that offer teams and people (assign, add a task) share one read of
    # each list, and the edit forms show the service and CI already read for the page;
    # the time worked is one more, the satisfaction survey another; the knowledge part
    # two (the articles that solved it, those that might), the problem part two (its
    # problem, the known errors of its service or CI) and the change part one (the
    # change that caused it).
    assert many <= 25


def test_queue_counts_at_most_the_cap_and_says_so(client, agent, requester, monkeypatch):
    from itsm.base.pagination import CappedCountPaginator

    monkeypatch.setattr(CappedCountPaginator, "cap", 3)
    for _ in range(5):
        make_incident(actor=agent, requester=requester)
    client.force_login(agent)
    response = client.get(reverse("incidents:list"))
    paginator = response.context["page_obj"].paginator
    assert (paginator.count, paginator.count_is_capped) == (3, True)
    assert "of 3+" in response.content.decode()
    monkeypatch.setattr(CappedCountPaginator, "cap", 10)
    response = client.get(reverse("incidents:list"))
    assert response.context["page_obj"].paginator.count == 5
    assert "of 5" in response.content.decode() and "5+" not in response.content.decode()


def test_timeline_shows_choice_labels_from_stored_codes(client, agent, incident):
    workflow.transition(incident, IncidentStatus.IN_PROGRESS, actor=agent)
    workflow.transition(incident, IncidentStatus.RESOLVED, actor=agent,
                        resolution_code=ResolutionCode.SOLVED_WORKAROUND,
                        resolution_notes="Cleared the cache")
    event = incident.events.get(field="resolution_code")
    assert event.new_value == "solved_workaround"  # the code, not a translated label
    client.force_login(agent)
    page = client.get(reverse("incidents:detail", args=[incident.number])).content.decode()
    assert "Solved (work around)" in page
