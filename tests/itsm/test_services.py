"""Comments and attachments through the core services."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from incidents.choices import IncidentStatus as S
from itsm import workflow
from itsm.models import Attachment, Comment
from itsm.services import add_attachment, add_comment

pytestmark = pytest.mark.django_db


def test_an_agents_first_comment_is_the_response(incident, agent):
    assert incident.responded_at is None
    add_comment(incident, author=agent, body="Looking into it", is_public=False)
    incident.refresh_from_db()
    assert incident.responded_at is not None
    event = incident.events.get(kind="comment")
    assert event.comment.body == "Looking into it" and not event.is_public


def test_a_comment_on_a_new_ticket_is_the_response_and_starting_later_keeps_it(
        incident, agent, time_machine):
    time_machine.move_to("2026-03-02 09:10:00+01:00", tick=False)
    add_comment(incident, author=agent, body="On it", is_public=True)
    incident.refresh_from_db()
    responded = incident.responded_at
    assert incident.status == S.NEW and responded is not None
    time_machine.move_to("2026-03-02 11:00:00+01:00", tick=False)
    workflow.transition(incident, S.IN_PROGRESS, actor=agent)
    incident.refresh_from_db()
    assert incident.responded_at == responded


def test_a_comment_does_not_conflict_with_an_open_edit(incident, agent):
    version = incident.version
    add_comment(incident, author=agent, body="Noted")
    incident.refresh_from_db()
    assert incident.version == version


def test_requester_comments_are_public_and_not_a_response(incident, requester):
    comment = add_comment(incident, author=requester, body="Any news?", is_public=False)
    assert comment.is_public
    incident.refresh_from_db()
    assert incident.responded_at is None


@pytest.mark.parametrize("persona", ["other_requester", "manager"], indirect=True)
def test_outsiders_and_readers_cannot_comment(persona, incident):
    with pytest.raises(PermissionDenied):
        add_comment(incident, author=persona, body="Hello")
    assert not Comment.objects.exists()


@pytest.mark.parametrize("body", ["", "   ", "x" * 20_001])
def test_bad_comment_bodies_are_refused(body, incident, agent):
    with pytest.raises(ValidationError) as excinfo:
        add_comment(incident, author=agent, body=body)
    assert "body" in excinfo.value.message_dict


def test_closed_tickets_take_no_comments(incident, agent):
    workflow.transition(incident, S.CANCELLED, actor=agent, note="dup")
    with pytest.raises(ValidationError):
        add_comment(incident, author=agent, body="late")


def upload(name: str, content: bytes = b"hello") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def test_attachment_is_stored_under_a_generated_name(incident, requester):
    attachment = add_attachment(incident, uploaded_by=requester,
                                upload=upload("../../etc/Screen Shot.PNG"))
    assert attachment.original_name == "Screen Shot.PNG"
    assert attachment.content_type == "image/png"
    stored = attachment.file.name
    assert stored.startswith("attachments/") and "Screen" not in stored and ".." not in stored
    assert stored.endswith(".png")
    assert incident.events.filter(kind="attachment", new_value="Screen Shot.PNG").exists()


@pytest.mark.parametrize("name", ["evil.html", "run.exe", "x.svg", "noextension", "a.php"])
def test_types_outside_the_allow_list_are_refused(name, incident, agent):
    with pytest.raises(ValidationError) as excinfo:
        add_attachment(incident, uploaded_by=agent, upload=upload(name))
    assert "file" in excinfo.value.message_dict
    assert not Attachment.objects.exists()


def test_size_limit_comes_from_settings(incident, agent, settings):
    settings.ATTACHMENT_MAX_BYTES = 10
    with pytest.raises(ValidationError, match="larger than"):
        add_attachment(incident, uploaded_by=agent, upload=upload("big.txt", b"x" * 11))
    add_attachment(incident, uploaded_by=agent, upload=upload("ok.txt", b"x" * 10))
    assert Attachment.objects.count() == 1


def test_empty_files_are_refused(incident, agent):
    with pytest.raises(ValidationError):
        add_attachment(incident, uploaded_by=agent, upload=upload("empty.txt", b""))


@pytest.mark.parametrize("persona", ["other_requester", "manager"], indirect=True)
def test_outsiders_cannot_attach(persona, incident):
    with pytest.raises(PermissionDenied):
        add_attachment(incident, uploaded_by=persona, upload=upload("a.txt"))
    assert not Attachment.objects.exists()
