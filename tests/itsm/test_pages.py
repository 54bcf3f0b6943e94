"""The ticket pages' shared parts: in-place edits, pickers that suggest as one types,
grouped timelines, dates in the reader's custom, and error pages with the menu."""

from __future__ import annotations

import pytest
from django.utils import translation

from incidents.choices import IncidentStatus as S
from incidents.models import Incident
from itsm import workflow
from itsm.base.templatetags.ui import ago, time_left

from ..factories import ConfigurationItemFactory, UserFactory

pytestmark = pytest.mark.django_db


def page(client, ticket) -> str:
    return client.get(f"/incidents/{ticket.number}/").content.decode()


def test_priority_and_service_are_edited_in_place(client, agent, incident, service):
    client.force_login(agent)
    html = page(client, incident)
    assert 'name="part" value="priority"' in html and 'name="part" value="service"' in html
    response = client.post(f"/incidents/{incident.number}/edit/", {
        "part": "priority", "version": incident.version, "impact": 1, "urgency": 1})
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.priority == 1 and incident.title == "Outlook cannot connect"


def test_a_service_is_typed_by_its_code(client, agent, incident):
    from ..factories import ServiceFactory

    crm = ServiceFactory(name="CRM", code="crm", owner_team=incident.assignment_team)
    client.force_login(agent)
    response = client.post(f"/incidents/{incident.number}/edit/", {
        "part": "service", "version": incident.version, "service": "crm"})
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.service == crm
    response = client.post(f"/incidents/{incident.number}/edit/", {
        "part": "service", "version": incident.version, "service": "nonsense"})
    assert response.status_code == 400
    assert response.context["service_form"].errors["service"]


def test_the_assignee_choices_are_the_chosen_teams_members(client, agent, team_lead, incident,
                                                           other_team, other_team_agent):
    client.force_login(agent)
    form = client.get(f"/incidents/{incident.number}/").context["assign_form"]
    assert set(form.fields["assignee"].queryset) == {agent, team_lead}
    options = client.get("/lookup/members/", {"team": other_team.pk}).content.decode()
    assert other_team_agent.username not in options  # labels, by name
    assert str(other_team_agent) in options and str(agent) not in options


def test_people_suggestions_match_names_and_usernames(client, agent, requester):
    UserFactory(username="zed.inactive", first_name="Zed", is_active=False)
    client.force_login(agent)
    html = client.get("/lookup/people/", {"field": "requester", "requester": "ali"}).content
    assert b'value="alice"' in html and b"zed" not in html
    html = client.get("/lookup/people/", {"field": "requester",
                                          "requester": requester.last_name}).content
    assert b'value="alice"' in html


def test_service_and_ci_suggestions(client, agent, service):
    ConfigurationItemFactory(name="mail-gw-01")
    client.force_login(agent)
    assert b'value="email"' in client.get("/lookup/services/", {"q": "mai"}).content
    assert b'value="mail-gw-01"' in client.get("/lookup/cis/", {"q": "gw"}).content


def test_requesters_get_no_suggestions(client, requester):
    client.force_login(requester)
    for path in ("/lookup/people/", "/lookup/services/", "/lookup/cis/", "/lookup/members/"):
        assert client.get(path, {"q": "a"}).status_code == 404


def test_one_resolve_is_one_timeline_entry(client, agent, incident):
    workflow.assign(incident, actor=agent, assignee=agent)
    workflow.transition(incident, S.RESOLVED, actor=agent, resolution_code="solved_remotely",
                        resolution_notes="Cleared the cache.")
    client.force_login(agent)
    timeline = client.get(f"/incidents/{incident.number}/").context["timeline"]
    resolving = [entry for entry in timeline if entry.kind == "status"
                 and any(e.new_value == S.RESOLVED for e in entry.events)]
    assert len(resolving) == 1
    assert {e.field for e in resolving[0].events} == {"status", "resolution_code",
                                                      "resolution_notes"}


def test_requesters_read_sentences_not_field_changes(client, agent, requester, incident):
    workflow.assign(incident, actor=agent, assignee=agent)
    workflow.transition(incident, S.RESOLVED, actor=agent, resolution_code="solved_remotely",
                        resolution_notes="Cleared the cache.")
    client.force_login(requester)
    html = client.get(f"/portal/tickets/{incident.number}/").content.decode()
    assert "resolved the ticket: Solved remotely." in html
    assert "Resolution code" not in html and "(empty)" not in html


def test_replies_say_who_wrote_to_whom(client, agent, requester, incident):
    from itsm.services import add_comment

    add_comment(incident, author=agent, body="Try again now.", is_public=True)
    add_comment(incident, author=requester, body="It works.")
    client.force_login(agent)
    html = page(client, incident)
    assert "replied to" in html and "wrote to the desk" in html
    client.force_login(requester)
    html = client.get(f"/portal/tickets/{incident.number}/").content.decode()
    assert "replied:" in html and "You wrote:" in html


def test_english_dates_are_day_first_with_a_24_hour_clock(client, agent, incident):
    from django.utils import formats

    with translation.override("en"):
        assert formats.get_format("SHORT_DATETIME_FORMAT") == "d/m/Y H:i"
    client.force_login(agent)
    html = page(client, incident)
    assert "a.m." not in html and "p.m." not in html


def test_just_now_and_time_left_read_naturally():
    from datetime import timedelta

    from django.utils import timezone

    assert ago(timezone.now()) == "just now"
    assert ago(timezone.now() - timedelta(hours=3, minutes=5)) == "3\xa0hours ago"
    assert time_left(2 * 3600 + 30) == "in 2 hours"
    assert time_left(-90 * 60) == "1 hour late"
    assert time_left(20) == "due now"


def test_a_24x7_sla_does_not_speak_of_business_hours(client, agent, requester, service):
    from catalog.models import Calendar

    from ..factories import berlin, log, make_sla

    make_sla(service, Calendar.default())
    ticket = log(agent, requester, service, berlin(2026, 3, 2, 9))
    client.force_login(agent)
    html = page(client, ticket)
    assert "h:mm" in html and "business h:mm" not in html


@pytest.mark.parametrize(("path", "status", "says"), [
    ("/incidents/INC9999999/", 404, "Not found"),
    ("/no/such/page/", 404, "Not found"),
])
def test_error_pages_have_the_menu(client, agent, path, status, says):
    client.force_login(agent)
    response = client.get(path)
    html = response.content.decode()
    assert response.status_code == status
    assert says in html and 'class="topbar"' in html and "Work</a>" in html


def test_a_refusal_is_a_styled_403_that_says_why(client, manager, incident):
    client.force_login(manager)
    response = client.post(f"/incidents/{incident.number}/take/", {"version": 1})
    html = response.content.decode()
    assert response.status_code == 403
    assert 'class="topbar"' in html and "can read tickets but not change them" in html


def test_the_500_page_stands_on_its_own(rf, agent, django_assert_num_queries):
    """It reads nothing (no session, no roles): what failed may be the database."""
    from itsm.views.errors import server_error

    request = rf.get("/incidents/")
    request.user = agent
    with django_assert_num_queries(0):
        response = server_error(request)
    assert response.status_code == 500 and b"Something went wrong" in response.content
    response = server_error(rf.get("/api/v1/incidents/"))
    assert response.status_code == 500 and response["Content-Type"] == "application/json"


def test_the_api_docs_lead_back_to_the_desk(client, agent):
    client.force_login(agent)
    html = client.get("/api/docs/").content.decode()
    assert "Back to the service desk" in html and 'href="/"' in html


def test_a_ticket_of_any_kind_opens_by_number(client, agent, incident):
    client.force_login(agent)
    response = client.get(f"/tickets/{incident.number}/")
    assert response.status_code == 302
    assert response["Location"] == f"/incidents/{incident.number}/"


def test_the_portal_offers_what_the_registry_offers(client, requester):
    client.force_login(requester)
    html = client.get("/portal/").content.decode()
    assert 'href="/portal/incidents/new/"' in html and "Report a problem" in html


def test_the_language_switcher_keeps_the_choice(client, agent):
    from itsm.models import Preferences

    client.force_login(agent)
    response = client.post("/accounts/language/", {"language": "sv", "next": "/work/"})
    assert response.status_code == 302 and response["Location"] == "/work/"
    assert Preferences.objects.get(user=agent).language == "sv"
    assert response.cookies["django_language"].value == "sv"
    response = client.post("/accounts/language/", {"language": "xx",
                                                   "next": "https://evil.example/"})
    assert response["Location"] == "/" and Preferences.objects.get(user=agent).language == "sv"


def test_preferences_choose_the_emails(client, agent):
    from itsm.models import Notification, Preferences

    client.force_login(agent)
    assert client.get("/accounts/preferences/").status_code == 200
    response = client.post("/accounts/preferences/", {
        "language": "", "emailed": [Notification.Kind.SLA_BREACH, Notification.Kind.ASSIGNED]})
    assert response.status_code == 302
    muted = set(Preferences.objects.get(user=agent).email_muted)
    assert Notification.Kind.SLA_BREACH not in muted and Notification.Kind.REPLY in muted


def test_a_closed_ticket_offers_no_edits(client, agent, incident):
    workflow.transition(incident, S.CANCELLED, actor=agent, note="Duplicate")
    client.force_login(agent)
    html = page(client, incident)
    assert 'name="part"' not in html and "Add a task" not in html


def test_the_incident_create_form_does_not_default_the_requester(client, agent, requester,
                                                                  service):
    client.force_login(agent)
    response = client.post("/incidents/new/", {
        "title": "Printer jam", "requester": "alice", "service": "email", "impact": 3,
        "urgency": 3, "channel": "phone", "assignee": ""})
    assert response.status_code == 302
    ticket = Incident.objects.get(title="Printer jam")
    assert ticket.requester == requester and ticket.service == service


def test_an_action_reads_its_ticket_once(client, agent, incident):
    """Building the form and running the action share one read of the ticket; the
    page's relations are read only to show the page again."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(agent)
    client.get(f"/incidents/{incident.number}/")  # the session, warmed
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(f"/incidents/{incident.number}/assign/", {
            "version": incident.version, "team": incident.assignment_team_id,
            "assignee": agent.pk})
    assert response.status_code == 302
    reads = [q for q in ctx.captured_queries
             if q["sql"].startswith("SELECT") and '"itsm_ticket"."number" = ' in q["sql"]]
    assert len(reads) == 1
