"""Comments, events and attachments of a ticket through the API."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from incidents.choices import IncidentStatus
from itsm import workflow
from itsm.models import Attachment, Comment, TicketEvent
from itsm.services import add_comment

pytestmark = pytest.mark.django_db


def url(incident, what: str) -> str:
    return f"/api/v1/tickets/{incident.number}/{what}/"


def close(incident, agent) -> None:
    workflow.transition(incident, IncidentStatus.IN_PROGRESS, actor=agent)
    workflow.transition(incident, IncidentStatus.RESOLVED, actor=agent,
                        resolution_code="duplicate", resolution_notes="dup")
    workflow.transition(incident, IncidentStatus.CLOSED, actor=agent)


# --- comments -------------------------------------------------------------------------


def test_requesters_never_see_internal_comments(api_as, agent, requester, incident):
    add_comment(incident, author=agent, body="We are on it")
    add_comment(incident, author=agent, body="Their mailbox is 50 GB", is_public=False)
    seen_by_requester = api_as(requester).get(url(incident, "comments")).data["results"]
    assert [c["body"] for c in seen_by_requester] == ["We are on it"]
    seen_by_agent = api_as(agent).get(url(incident, "comments")).data["results"]
    assert [c["is_public"] for c in seen_by_agent] == [True, False]


def test_requester_comments_publicly(api_as, requester, incident):
    response = api_as(requester).post(url(incident, "comments"), {"body": "Any news?"})
    assert response.status_code == 201
    assert response.data["is_public"] is True
    assert response.data["author"]["username"] == "alice"
    assert TicketEvent.objects.filter(ticket=incident, kind="comment").count() == 1


def test_requester_cannot_post_an_internal_note(api_as, requester, incident):
    response = api_as(requester).post(url(incident, "comments"),
                                      {"body": "secret", "is_public": False})
    assert response.status_code == 400
    assert "is_public" in response.data
    assert not Comment.objects.exists()


def test_agent_posts_an_internal_note(api_as, agent, incident):
    response = api_as(agent).post(url(incident, "comments"),
                                  {"body": "Check the proxy", "is_public": False})
    assert response.status_code == 201
    assert response.data["is_public"] is False
    incident.refresh_from_db()
    assert incident.responded_at is not None  # an agent's first comment is a response


@pytest.mark.parametrize("payload", [{}, {"body": ""}, {"body": "   "}, {"body": ["x"]},
                                     {"body": "x" * 20_001}, {"body": "ok", "author": 1}])
def test_bad_comments_are_400_naming_the_field(api_as, agent, incident, payload):
    response = api_as(agent).post(url(incident, "comments"), payload)
    assert response.status_code == 400
    assert set(response.data) & {"body", "author"}
    assert not Comment.objects.exists()


def test_closed_tickets_take_no_comments(api_as, agent, incident):
    close(incident, agent)
    response = api_as(agent).post(url(incident, "comments"), {"body": "late"})
    assert response.status_code == 400
    assert "body" in response.data


def test_managers_cannot_comment(api_as, manager, incident):
    response = api_as(manager).post(url(incident, "comments"), {"body": "hello"})
    assert response.status_code == 403
    assert not Comment.objects.exists()


@pytest.mark.parametrize("what", ["comments", "events", "attachments"])
def test_other_requesters_get_404(api_as, other_requester, incident, what):
    client = api_as(other_requester)
    assert client.get(url(incident, what)).status_code == 404


@pytest.mark.parametrize("what", ["comments", "events", "attachments"])
def test_unknown_ticket_is_404(api_as, agent, what):
    assert api_as(agent).get(f"/api/v1/tickets/INC0009999/{what}/").status_code == 404


# --- events ---------------------------------------------------------------------------


def test_requesters_see_the_public_timeline_only(api_as, agent, requester, incident):
    workflow.assign(incident, actor=agent, assignee=agent)  # internal assignment events
    add_comment(incident, author=agent, body="internal", is_public=False)
    requester_view = api_as(requester).get(url(incident, "events")).data["results"]
    agent_view = api_as(agent).get(url(incident, "events")).data["results"]
    assert all(e["is_public"] for e in requester_view)
    assert "assignment" not in {e["kind"] for e in requester_view}
    assert {e["kind"] for e in agent_view} >= {"created", "assignment", "status", "comment"}
    comment_event = next(e for e in agent_view if e["kind"] == "comment")
    assert comment_event["comment"] == "internal"
    assert comment_event["actor"]["username"] == agent.username


def test_events_are_read_only(api_as, admin, incident):
    before = TicketEvent.objects.count()
    response = api_as(admin).post(url(incident, "events"), {"kind": "status"})
    assert response.status_code == 405
    assert TicketEvent.objects.count() == before


# --- attachments ----------------------------------------------------------------------


def upload(name: str = "trace.log", content: bytes = b"error at line 3",
           content_type: str = "text/plain") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_upload_and_list_attachments(api_as, requester, incident):
    client = api_as(requester)
    response = client.post(url(incident, "attachments"), {"file": upload()},
                           format="multipart")
    assert response.status_code == 201, response.data
    attachment = Attachment.objects.get()
    assert response.data["name"] == "trace.log"
    assert response.data["content_type"] == "text/plain"
    assert response.data["size"] == 15
    assert response.data["download_url"] == (
        f"http://testserver/tickets/{incident.number}/attachments/{attachment.pk}/download/"
    )
    assert "trace" not in attachment.file.name  # stored under a generated name
    listed = client.get(url(incident, "attachments")).data["results"]
    assert [a["id"] for a in listed] == [attachment.pk]


@pytest.mark.parametrize("name, content", [
    ("payload.exe", b"MZ"), ("page.html", b"<script>"), ("noext", b"x"), ("empty.txt", b""),
])
def test_refused_files_are_400_naming_file(api_as, agent, incident, name, content):
    response = api_as(agent).post(url(incident, "attachments"), {"file": upload(name, content)},
                                  format="multipart")
    assert response.status_code == 400
    assert "file" in response.data
    assert not Attachment.objects.exists()


def test_oversize_files_are_400_naming_file(api_as, agent, incident, settings):
    settings.ATTACHMENT_MAX_BYTES = 10
    response = api_as(agent).post(url(incident, "attachments"),
                                  {"file": upload(content=b"x" * 11)}, format="multipart")
    assert response.status_code == 400
    assert "file" in response.data


def test_upload_without_a_file_is_400_naming_file(api_as, agent, incident):
    response = api_as(agent).post(url(incident, "attachments"), {"note": "x"},
                                  format="multipart")
    assert response.status_code == 400
    assert "file" in response.data


def test_json_upload_is_415(api_as, agent, incident):
    response = api_as(agent).post(url(incident, "attachments"), {"file": "abc"}, format="json")
    assert response.status_code == 415


def test_managers_cannot_upload(api_as, manager, incident):
    response = api_as(manager).post(url(incident, "attachments"), {"file": upload()},
                                    format="multipart")
    assert response.status_code == 403
    assert not Attachment.objects.exists()


def test_closed_tickets_take_no_files(api_as, agent, incident):
    close(incident, agent)
    response = api_as(agent).post(url(incident, "attachments"), {"file": upload()},
                                  format="multipart")
    assert response.status_code == 400
    assert "file" in response.data
