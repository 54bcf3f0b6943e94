"""Attachment downloads: headers that stop the browser rendering a file, and no IDOR."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from itsm import services

from ..factories import make_incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def attachment(incident, requester):
    upload = SimpleUploadedFile("rapport d'erreur.txt", b"<script>alert(1)</script>",
                                content_type="text/html")  # the browser's claim is ignored
    return services.add_attachment(incident, uploaded_by=requester, upload=upload)


def download_url(ticket, attachment) -> str:
    return reverse("tickets:attachment-download", args=[ticket.number, attachment.pk])


def test_download_is_a_safe_attachment(client, requester, incident, attachment):
    client.force_login(requester)
    response = client.get(download_url(incident, attachment))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"<script>alert(1)</script>"
    assert response["Content-Type"] == "text/plain"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "rapport" in disposition and ".txt" in disposition


def test_unicode_file_name_is_encoded_in_the_header(client, agent, incident):
    upload = SimpleUploadedFile("Überweisung €.pdf", b"%PDF-1.4", content_type="application/pdf")
    attachment = services.add_attachment(incident, uploaded_by=agent, upload=upload)
    client.force_login(agent)
    response = client.get(download_url(incident, attachment))
    assert response["Content-Type"] == "application/pdf"
    assert "filename*=utf-8''%C3%9Cberweisung%20%E2%82%AC.pdf" in response["Content-Disposition"]


@pytest.mark.parametrize("persona", ["agent", "manager", "admin"], indirect=True)
def test_desk_roles_may_download(client, persona, incident, attachment):
    client.force_login(persona)
    assert client.get(download_url(incident, attachment)).status_code == 200


def test_anonymous_is_sent_to_login(client, incident, attachment):
    response = client.get(download_url(incident, attachment))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_other_requester_gets_404(client, other_requester, incident, attachment):
    client.force_login(other_requester)
    assert client.get(download_url(incident, attachment)).status_code == 404


def test_attachment_id_of_another_ticket_is_404(client, other_requester, agent, service,
                                                incident, attachment):
    """IDOR: bob owns a ticket and guesses alice's attachment id under it."""
    bobs = make_incident(actor=agent, requester=other_requester, service=service)
    client.force_login(other_requester)
    assert client.get(download_url(bobs, attachment)).status_code == 404
    client.force_login(agent)  # even staff: the id must belong to the ticket in the URL
    assert client.get(download_url(bobs, attachment)).status_code == 404


def test_unknown_ticket_or_attachment_is_404(client, agent, incident, attachment):
    client.force_login(agent)
    assert client.get(reverse("tickets:attachment-download",
                              args=["INC9999999", attachment.pk])).status_code == 404
    assert client.get(reverse("tickets:attachment-download",
                              args=[incident.number, attachment.pk + 100])).status_code == 404


def test_missing_file_on_disk_is_404_not_500(client, agent, incident, attachment):
    attachment.file.delete(save=False)
    client.force_login(agent)
    assert client.get(download_url(incident, attachment)).status_code == 404


def test_download_refuses_post(client, agent, incident, attachment):
    client.force_login(agent)
    assert client.post(download_url(incident, attachment)).status_code == 405
