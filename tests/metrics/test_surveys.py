"""Satisfaction surveys: asked once at the first resolution, answered by signed link,
in the portal or by the API, an event on the ticket, a low rating told to the lead."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from incidents.choices import IncidentStatus as S
from itsm.choices import EventKind
from itsm.models import Notification, Ticket, TicketEvent
from itsm.task_kind import add_task
from itsm.workflow import transition
from metrics import surveys
from metrics.models import Survey
from tests.factories import make_incident

from .conftest import FIXED

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager")]


def resolve(ticket, agent):
    if ticket.status == S.NEW:
        transition(ticket, S.IN_PROGRESS, actor=agent)
    transition(ticket, S.RESOLVED, actor=agent, resolution_code=FIXED,
               resolution_notes="Restarted the mail gateway.")


@pytest.fixture
def resolved(incident, agent, django_capture_on_commit_callbacks):
    """The incident resolved, its survey asked (after the commit)."""
    with django_capture_on_commit_callbacks(execute=True):
        resolve(incident, agent)
    return Survey.objects.get(ticket=incident)


def test_resolving_asks_the_requester_once_with_a_link_that_works_without_signing_in(
        resolved, incident, requester, agent, django_capture_on_commit_callbacks, client):
    assert resolved.requester == requester and resolved.answered_at is None
    assert resolved.expires_at - resolved.sent_at == timedelta(days=14)
    ticket = Ticket.objects.get(pk=incident.pk)
    assert ticket.survey_sent_at == resolved.sent_at
    asked = Notification.objects.get(kind=Notification.Kind.SURVEY)
    assert asked.user == requester
    link = surveys.answer_url(resolved)
    assert link in asked.body
    # Reopened and resolved again: not asked twice.
    with django_capture_on_commit_callbacks(execute=True):
        transition(incident, S.IN_PROGRESS, actor=agent, note="Back")
        resolve(incident, agent)
    assert Survey.objects.count() == 1
    assert Notification.objects.filter(kind=Notification.Kind.SURVEY).count() == 1
    # The page shows the ticket's number and title, nothing else of it.
    page = client.get(link)
    assert page.status_code == 200
    body = page.content.decode()
    assert incident.number in body and incident.title in body
    assert "Restarted the mail gateway" not in body and requester.username not in body


def test_the_survey_email_goes_out_with_the_link(resolved, requester, settings):
    from itsm.tasks import send_notification_email_task

    asked = Notification.objects.get(kind=Notification.Kind.SURVEY)
    send_notification_email_task(asked.pk)
    assert mail.outbox[-1].to == [requester.email]
    assert surveys.answer_url(resolved) in mail.outbox[-1].body


def test_a_service_that_opts_out_and_work_that_is_not_requested_ask_nobody(
        incident, service, agent, django_capture_on_commit_callbacks):
    service.asks_satisfaction = False
    service.save()
    with django_capture_on_commit_callbacks(execute=True):
        resolve(incident, agent)
        task = add_task(incident, actor=agent, title="Check the gateway")
        transition(task, "done", actor=agent)
    assert not Survey.objects.exists()
    assert Ticket.objects.get(pk=task.pk).resolved_at is not None


def test_a_resolution_rolled_back_asks_nobody(incident, agent):
    resolve(incident, agent)  # the test's transaction never commits
    assert not Survey.objects.exists()


def test_an_answer_is_a_public_event_and_writes_the_tickets_facts(resolved, incident, client):
    link = surveys.answer_url(resolved)
    response = client.post(link, {"rating": "4", "comment": "  Quick, thanks.  "})
    assert response.status_code == 200
    assert "Thank you" in response.content.decode()
    survey = Survey.objects.get(pk=resolved.pk)
    assert (survey.rating, survey.comment) == (4, "Quick, thanks.")
    ticket = Ticket.objects.get(pk=incident.pk)
    assert (ticket.survey_rating, ticket.survey_answered_at) == (4, survey.answered_at)
    event = TicketEvent.objects.get(ticket=incident, kind=EventKind.FEEDBACK)
    assert event.is_public and event.new_value == "4" and event.note == "Quick, thanks."
    assert event.actor == survey.requester
    # A later answer within the window replaces it, and is another event.
    client.post(link, {"rating": "5", "comment": ""})
    survey.refresh_from_db()
    assert (survey.rating, survey.comment) == (5, "")
    assert TicketEvent.objects.filter(ticket=incident, kind=EventKind.FEEDBACK).count() == 2


@pytest.mark.parametrize("data, field", [({"rating": "0"}, "rating"),
                                         ({"rating": "six"}, "rating"),
                                         ({}, "rating"),
                                         ({"rating": "3", "comment": "x" * 4001}, "comment")])
def test_a_bad_answer_is_refused_and_changes_nothing(resolved, client, data, field):
    response = client.post(surveys.answer_url(resolved), data)
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert Survey.objects.get(pk=resolved.pk).answered_at is None


def test_a_closed_survey_takes_no_answer(resolved, client):
    link = surveys.answer_url(resolved)
    with time_machine.travel(resolved.expires_at + timedelta(minutes=1)):
        page = client.get(link)
        assert "This survey closed on" in page.content.decode()
        assert client.post(link, {"rating": "5"}).status_code == 400
    assert Survey.objects.get(pk=resolved.pk).answered_at is None


def test_an_altered_link_finds_nothing(resolved, client):
    token = surveys.token_of(resolved)
    assert client.get(f"/surveys/{token[:-1]}x/").status_code == 404
    assert client.get("/surveys/1/").status_code == 404


def test_a_low_rating_tells_the_team_lead_once(resolved, team_lead, client):
    link = surveys.answer_url(resolved)
    client.post(link, {"rating": "1", "comment": "Still broken."})
    told = Notification.objects.filter(kind=Notification.Kind.LOW_RATING)
    assert [n.user for n in told] == [team_lead]
    assert "Still broken." in told[0].body
    client.post(link, {"rating": "2"})  # still low: not news
    client.post(link, {"rating": "4"})
    assert told.count() == 1


def test_the_requester_answers_on_the_portal_and_agents_read_it_on_the_ticket(
        resolved, incident, requester, other_requester, agent, client):
    portal = f"/portal/tickets/{incident.number}/"
    client.force_login(requester)
    page = client.get(portal).content.decode()
    assert "How did we do?" in page and 'name="rating"' in page
    response = client.post(surveys.answer_url(resolved),
                           {"rating": "2", "comment": "Took a week.", "next": portal})
    assert response.status_code == 302 and response["Location"] == portal
    assert "You rated it" in client.get(portal).content.decode()
    # An offsite `next` is not followed.
    response = client.post(surveys.answer_url(resolved),
                           {"rating": "3", "next": "https://evil.example/"})
    assert response.status_code == 200
    client.force_login(agent)
    desk = client.get(f"/incidents/{incident.number}/").content.decode()
    assert "Took a week." in desk and "3 - Neutral" in desk


def test_a_requester_sees_no_survey_of_someone_elses_ticket(resolved, incident, customer,
                                                             agent, client):
    from tests.factories import UserFactory

    colleague = UserFactory(username="carl", roles=["requester"], customer=customer)
    customer.share_tickets = True
    customer.save()
    client.force_login(colleague)
    page = client.get(f"/portal/tickets/{incident.number}/")
    assert page.status_code == 200
    assert 'name="rating"' not in page.content.decode()


# --- the API ------------------------------------------------------------------------------


@pytest.mark.parametrize("persona, sees", [
    ("requester", True), ("other_requester", False), ("agent", True), ("team_lead", True),
    ("manager", True), ("admin", True), ("change_manager", True)], indirect=["persona"])
def test_who_reads_which_surveys(resolved, api_as, persona, sees):
    client = api_as(persona)
    listed = client.get("/api/v1/surveys/").json()
    assert (listed["count"] == 1) is sees
    detail = client.get(f"/api/v1/surveys/{resolved.pk}/")
    assert detail.status_code == (200 if sees else 404)
    if sees:
        body = detail.json()
        assert body["ticket"] == resolved.ticket.number and body["is_open"] is True


def test_nobody_reads_surveys_without_signing_in(resolved, api):
    assert api.get("/api/v1/surveys/").status_code in (401, 403)


def test_the_requester_answers_by_the_api_and_nobody_else(resolved, api_as, requester, agent,
                                                          manager):
    path = f"/api/v1/surveys/{resolved.pk}/"
    for other in (agent, manager):
        assert api_as(other).patch(path, {"rating": 5}).status_code == 403
    client = api_as(requester)
    bad = client.patch(path, {"rating": 9})
    assert bad.status_code == 400 and "rating" in bad.json()
    assert client.patch(path, {"rating": "x"}).status_code == 400
    assert client.patch(path, {}).status_code == 400
    response = client.patch(path, {"rating": 2, "comment": "Meh"})
    assert response.status_code == 200
    assert (response.json()["rating"], response.json()["comment"]) == (2, "Meh")
    assert client.put(path, {"rating": 2}).status_code == 405
    with time_machine.travel(resolved.expires_at + timedelta(seconds=1)):
        closed = client.patch(path, {"rating": 5})
    assert closed.status_code == 400 and "closed" in closed.json()["rating"][0]
    assert Survey.objects.get(pk=resolved.pk).rating == 2


def test_the_api_filters_low_answers_by_team(resolved, api_as, manager, team, other_team,
                                             requester):
    surveys.answer(resolved, rating=1)
    client = api_as(manager)
    assert client.get("/api/v1/surveys/", {"rating_max": 2, "team": team.pk}).json()[
        "count"] == 1
    assert client.get("/api/v1/surveys/", {"team": other_team.pk}).json()["count"] == 0
    assert client.get("/api/v1/surveys/", {"answered": "false"}).json()["count"] == 0
    assert client.get("/api/v1/surveys/", {"rating_max": "low"}).status_code == 400


def test_surveys_list_in_a_fixed_number_of_queries(agent, requester, service, api_as,
                                                   django_capture_on_commit_callbacks,
                                                   count_queries):
    client = api_as(agent)

    def resolved_one():
        ticket = make_incident(actor=agent, requester=requester, service=service)
        with django_capture_on_commit_callbacks(execute=True):
            resolve(ticket, agent)

    resolved_one()
    count_queries(client, "/api/v1/surveys/")  # the token's first use is recorded once
    first = count_queries(client, "/api/v1/surveys/")
    for _ in range(3):
        resolved_one()
    assert count_queries(client, "/api/v1/surveys/") == first
    assert count_queries.last_response.json()["count"] == 4


def test_the_survey_window_is_a_setting(settings, incident, agent,
                                        django_capture_on_commit_callbacks):
    settings.CSAT_SURVEY_DAYS = 3
    with django_capture_on_commit_callbacks(execute=True):
        resolve(incident, agent)
    survey = Survey.objects.get(ticket=incident)
    assert survey.expires_at - survey.sent_at == timedelta(days=3)
    assert survey.is_open(timezone.now() + timedelta(days=2, hours=23))
    assert not survey.is_open(timezone.now() + timedelta(days=3, seconds=1))
