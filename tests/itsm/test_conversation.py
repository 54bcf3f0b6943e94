"""The conversation is heard: replies, assignment and resolution notify the people they
concern (in the app and by email, after the save commits), and a requester's reply
resumes a ticket that was on hold waiting for them."""

from __future__ import annotations

import pytest
from django.core import mail

from incidents.choices import IncidentStatus as S
from itsm import notifications, workflow
from itsm.choices import EventKind
from itsm.models import Notification, Preferences
from itsm.services import add_comment
from tests.factories import make_incident

pytestmark = pytest.mark.django_db
Kind = Notification.Kind


def told(kind: str) -> list[tuple[str, str]]:
    """(recipient, subject) of the notifications of a kind."""
    return [(n.user.username, n.subject) for n in
            Notification.objects.filter(kind=kind).select_related("user").order_by("pk")]


@pytest.fixture
def worked(incident, agent):
    """The requester's incident, taken by the agent."""
    return workflow.assign(incident, actor=agent, assignee=agent)


def test_a_public_reply_is_emailed_to_the_requester_after_the_save(
        worked, agent, requester, eager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        add_comment(worked, author=agent, body="Please restart Outlook.", is_public=True)
    assert told(Kind.REPLY) == [("alice", f"Reply on {worked.number}: {worked.title}")]
    (email,) = mail.outbox
    assert email.to == [requester.email]
    assert "Please restart Outlook." in email.body
    assert f"/portal/tickets/{worked.number}/" in email.body  # the requester's page


def test_an_internal_note_tells_nobody(worked, agent):
    add_comment(worked, author=agent, body="Vendor case 42", is_public=False)
    assert not Notification.objects.filter(kind__in=[Kind.REPLY, Kind.REQUESTER_REPLY]).exists()


def test_a_requester_reply_goes_to_the_assignee(worked, requester, agent):
    add_comment(worked, author=requester, body="It happens again.")
    assert told(Kind.REQUESTER_REPLY) == [
        ("carol", f"Requester replied on {worked.number}: {worked.title}")]
    note = Notification.objects.get(kind=Kind.REQUESTER_REPLY)
    assert f"/incidents/{worked.number}/" in note.body  # the desk's page


def test_a_requester_reply_to_an_unassigned_ticket_goes_to_the_team_lead(incident, requester):
    add_comment(incident, author=requester, body="Any news?")
    assert [who for who, _subject in told(Kind.REQUESTER_REPLY)] == ["erin"]


def test_a_reply_on_hold_for_the_requester_resumes_the_ticket(worked, agent, requester):
    workflow.transition(worked, S.ON_HOLD, actor=agent, on_hold_reason="awaiting_caller")
    add_comment(worked, author=requester, body="Here is the screenshot.")
    worked.refresh_from_db()
    assert worked.status == S.IN_PROGRESS and worked.on_hold_since is None
    assert worked.on_hold_reason == ""
    resumed = worked.events.get(kind=EventKind.STATUS, new_value=S.IN_PROGRESS,
                                old_value=S.ON_HOLD)
    assert resumed.actor is None and resumed.note == "Resumed: the requester replied."


@pytest.mark.parametrize("reason", ["awaiting_supplier", "awaiting_change"])
def test_a_reply_leaves_a_ticket_on_hold_for_someone_else(worked, agent, requester, reason):
    workflow.transition(worked, S.ON_HOLD, actor=agent, on_hold_reason=reason)
    add_comment(worked, author=requester, body="Any news?")
    worked.refresh_from_db()
    assert worked.status == S.ON_HOLD


def test_an_agents_comment_on_hold_does_not_resume(worked, agent):
    workflow.transition(worked, S.ON_HOLD, actor=agent, on_hold_reason="awaiting_caller")
    add_comment(worked, author=agent, body="Reminder sent.", is_public=True)
    worked.refresh_from_db()
    assert worked.status == S.ON_HOLD


def test_the_portal_reply_resumes_and_the_page_says_why(client, worked, agent, requester):
    workflow.transition(worked, S.ON_HOLD, actor=agent, on_hold_reason="awaiting_caller")
    client.force_login(requester)
    response = client.post(f"/portal/tickets/{worked.number}/comment/", {"body": "Done."})
    assert response.status_code == 302
    worked.refresh_from_db()
    assert worked.status == S.IN_PROGRESS
    page = client.get(f"/portal/tickets/{worked.number}/").content.decode()
    assert "Resumed: the requester replied." in page


def test_assignment_to_a_person_tells_them_but_taking_it_oneself_does_not(
        incident, agent, team_lead):
    workflow.assign(incident, actor=agent, assignee=agent)
    assert told(Kind.ASSIGNED) == []
    workflow.assign(incident, actor=agent, assignee=team_lead)
    assert told(Kind.ASSIGNED) == [("erin", f"Assigned to you: {incident.number} "
                                            f"{incident.title}")]


def test_passing_a_ticket_to_a_team_tells_its_lead(incident, agent, other_team,
                                                   other_team_agent):
    other_team.lead = other_team_agent
    other_team.save()
    workflow.assign(incident, actor=agent, team=other_team)
    assert told(Kind.ASSIGNED) == [("dave", f"For your team: {incident.number} "
                                            f"{incident.title}")]


@pytest.mark.parametrize("logged_by", ["requester", "agent"])
def test_a_new_tickets_team_hears_nothing_its_queue_shows_it(request, requester, service,
                                                              logged_by):
    actor = request.getfixturevalue(logged_by)
    make_incident(actor=actor, requester=requester, service=service, title="Slow mail")
    assert not Notification.objects.exists()


def test_a_new_ticket_given_to_someone_tells_them(requester, service, agent, team_lead):
    make_incident(actor=agent, requester=requester, service=service, assignee=team_lead)
    assert [who for who, _subject in told(Kind.ASSIGNED)] == ["erin"]


def test_the_resolution_is_told_to_the_requester_with_the_notes(worked, agent):
    workflow.transition(worked, S.RESOLVED, actor=agent, resolution_code="solved_remotely",
                        resolution_notes="Cleared the cache.")
    (note,) = Notification.objects.filter(kind=Kind.RESOLVED)
    assert note.user.username == "alice"
    assert "Cleared the cache." in note.body and "reopen" in note.body


def test_a_muted_kind_is_read_in_the_app_only(worked, agent, requester, eager,
                                             django_capture_on_commit_callbacks):
    Preferences.objects.create(user=requester, email_muted=[Kind.REPLY])
    with django_capture_on_commit_callbacks(execute=True):
        add_comment(worked, author=agent, body="Try again now.", is_public=True)
    assert told(Kind.REPLY) and mail.outbox == []


def test_history_written_silently_tells_nobody(incident, agent, team_lead):
    with notifications.silenced():
        workflow.assign(incident, actor=agent, assignee=team_lead)
        add_comment(incident, author=agent, body="Done earlier.", is_public=True)
    assert not Notification.objects.exists()
