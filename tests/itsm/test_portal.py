"""The requester portal: my tickets, log an incident, the public timeline, comment,
attach, confirm or reopen."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from incidents.choices import IncidentStatus, ResolutionCode
from incidents.models import Incident
from itsm import services, workflow
from itsm.choices import Channel
from itsm.models import Attachment, Comment

from ..factories import UserFactory, make_incident

pytestmark = pytest.mark.django_db


def ticket_url(incident, view: str = "ticket", **kwargs) -> str:
    return reverse(f"portal:{view}", kwargs={"number": incident.number, **kwargs})


def resolve(incident: Incident, agent, when=None) -> Incident:
    workflow.assign(incident, actor=agent, assignee=agent)
    incident = Incident.objects.get(pk=incident.pk)
    workflow.transition(incident, IncidentStatus.RESOLVED, actor=agent, when=when,
                        resolution_code=ResolutionCode.SOLVED_REMOTELY,
                        resolution_notes="Reset your mailbox rules")
    return Incident.objects.get(pk=incident.pk)




# --- access ---------------------------------------------------------------------------


@pytest.mark.parametrize("view", ["home", "incident-create", "ticket"])
def test_anonymous_is_sent_to_login(client, incident, view):
    path = ticket_url(incident) if view == "ticket" else reverse(f"portal:{view}")
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_another_requesters_ticket_is_404(client, incident, other_requester):
    client.force_login(other_requester)
    assert client.get(ticket_url(incident)).status_code == 404
    response = client.post(ticket_url(incident, "comment"), {"body": "me too"})
    assert response.status_code == 404
    assert not Comment.objects.exists()
    assert client.post(ticket_url(incident, "transition", name="close"),
                       {"close-version": 1}).status_code == 404


# --- my tickets -----------------------------------------------------------------------


def test_my_tickets_lists_only_what_i_may_follow(client, requester, other_requester, agent,
                                                 service, incident):
    theirs = make_incident(actor=agent, requester=other_requester, service=service,
                           title="Their laptop")
    client.force_login(requester)
    page = client.get(reverse("portal:home")).content.decode()
    assert incident.number in page and theirs.number not in page


def test_my_tickets_includes_my_customers_when_it_shares(client, requester, customer, agent,
                                                         service, incident):
    colleague = UserFactory(username="carl", roles=["requester"], customer=customer)
    client.force_login(colleague)
    assert incident.number not in client.get(reverse("portal:home")).content.decode()
    customer.share_tickets = True
    customer.save()
    client.force_login(colleague)
    assert incident.number in client.get(reverse("portal:home")).content.decode()
    assert client.get(ticket_url(incident)).status_code == 200


def test_closed_tickets_are_under_all(client, requester, agent, incident):
    workflow.transition(incident, IncidentStatus.CANCELLED, actor=agent, note="duplicate")
    client.force_login(requester)
    assert incident.number not in client.get(reverse("portal:home")).content.decode()
    assert incident.number in client.get(reverse("portal:home") + "?show=all").content.decode()


def test_staff_see_only_the_tickets_they_requested_in_the_portal(client, agent, incident):
    client.force_login(agent)
    assert incident.number not in client.get(reverse("portal:home")).content.decode()


def test_my_tickets_query_count_does_not_grow_with_rows(client, requester, agent, service,
                                                        count_queries):
    client.force_login(requester)
    for i in range(3):
        make_incident(actor=agent, requester=requester, service=service, title=f"Row {i}")
    few = count_queries(client, reverse("portal:home"))
    for i in range(12):
        make_incident(actor=agent, requester=requester, service=service, title=f"More {i}")
    assert count_queries(client, reverse("portal:home")) == few


# --- log an incident ------------------------------------------------------------------


def test_requester_logs_an_incident(client, requester, service):
    client.force_login(requester)
    assert client.get(reverse("portal:incident-create")).status_code == 200
    response = client.post(reverse("portal:incident-create"), {
        "title": "Printer jams", "description": "On floor 3", "service": service.pk,
        "urgency": 2,
    })
    incident = Incident.objects.get(title="Printer jams")
    assert response.status_code == 302
    assert response["Location"] == ticket_url(incident)
    assert incident.requester == requester and incident.channel == Channel.PORTAL
    assert incident.assignment_team == service.owner_team
    assert incident.customer == requester.customer


def test_portal_form_shows_errors(client, requester):
    client.force_login(requester)
    response = client.post(reverse("portal:incident-create"), {"title": "", "urgency": 7})
    assert response.status_code == 400
    assert {"title", "urgency"} <= set(response.context["form"].errors)
    assert not Incident.objects.exists()


def test_manager_cannot_log_from_the_portal(client, manager):
    client.force_login(manager)
    response = client.post(reverse("portal:incident-create"), {"title": "x", "urgency": 3})
    assert response.status_code == 403
    assert not Incident.objects.exists()


# --- the ticket page ------------------------------------------------------------------


def test_ticket_page_shows_the_public_timeline_only(client, requester, agent, incident):
    services.add_comment(incident, author=agent, body="We are looking at it", is_public=True)
    services.add_comment(incident, author=agent, body="Probably user error", is_public=False)
    workflow.assign(incident, actor=agent, assignee=agent)  # assignment events are internal
    client.force_login(requester)
    response = client.get(ticket_url(incident))
    page = response.content.decode()
    assert "We are looking at it" in page
    assert "Probably user error" not in page
    assert "internal" not in page
    assert all(event.is_public for entry in response.context["timeline"]
               for event in entry.events)


def test_staff_viewing_the_portal_page_also_see_only_public_entries(client, agent, incident):
    services.add_comment(incident, author=agent, body="Probably user error", is_public=False)
    client.force_login(agent)
    assert "Probably user error" not in client.get(ticket_url(incident)).content.decode()


def test_requester_comments(client, requester, incident):
    client.force_login(requester)
    response = client.post(ticket_url(incident, "comment"), {"body": "It happens again"})
    assert response.status_code == 302
    comment = Comment.objects.get(ticket=incident)
    assert comment.author == requester and comment.is_public
    response = client.post(ticket_url(incident, "comment"), {"body": ""})
    assert response.status_code == 400
    assert "body" in response.context["comment_form"].errors


def test_requester_cannot_post_an_internal_note(client, requester, incident):
    client.force_login(requester)
    client.post(ticket_url(incident, "comment"), {"body": "hi", "visibility": "internal"})
    assert Comment.objects.get(ticket=incident).is_public


def test_requester_attaches_a_file_and_sees_type_and_size_errors(client, requester, incident,
                                                                settings):
    client.force_login(requester)
    upload = SimpleUploadedFile("screenshot.png", b"\x89PNG....", content_type="image/png")
    assert client.post(ticket_url(incident, "attach"), {"file": upload}).status_code == 302
    assert Attachment.objects.get(ticket=incident).uploaded_by == requester

    exe = SimpleUploadedFile("setup.exe", b"MZ", content_type="application/octet-stream")
    response = client.post(ticket_url(incident, "attach"), {"file": exe})
    assert response.status_code == 400
    assert "not accepted" in response.content.decode()

    settings.ATTACHMENT_MAX_BYTES = 4
    big = SimpleUploadedFile("notes.txt", b"12345", content_type="text/plain")
    response = client.post(ticket_url(incident, "attach"), {"file": big})
    assert response.status_code == 400
    assert "larger than" in str(response.context["attachment_form"].errors["file"])
    assert Attachment.objects.filter(ticket=incident).count() == 1


def test_resolved_ticket_offers_confirm_and_reopen(client, requester, agent, incident):
    incident = resolve(incident, agent)
    client.force_login(requester)
    response = client.get(ticket_url(incident))
    labels = [str(form.label) for form in response.context["transition_forms"]]
    assert labels == ["Confirm resolution", "Reopen"]
    assert "Reset your mailbox rules" in response.content.decode()


def test_confirm_resolution_closes(client, requester, agent, incident):
    incident = resolve(incident, agent)
    client.force_login(requester)
    response = client.post(ticket_url(incident, "transition", name="close"),
                           {"close-version": incident.version})
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.CLOSED and incident.closed_at is not None


def test_reopen_needs_a_reason(client, requester, agent, incident):
    incident = resolve(incident, agent)
    client.force_login(requester)
    response = client.post(ticket_url(incident, "transition", name="reopen"),
                           {"reopen-version": incident.version, "reopen-note": ""})
    assert response.status_code == 400
    assert Incident.objects.get(pk=incident.pk).status == IncidentStatus.RESOLVED
    response = client.post(ticket_url(incident, "transition", name="reopen"),
                           {"reopen-version": incident.version,
                            "reopen-note": "Still cannot send mail"})
    assert response.status_code == 302
    incident = Incident.objects.get(pk=incident.pk)
    assert incident.status == IncidentStatus.IN_PROGRESS and incident.reopen_count == 1


def test_reopen_is_refused_after_the_window(client, requester, agent, incident, settings):
    settings.WORKFLOWS = {"incident": {"reopen_window_days": 7}}
    incident = resolve(incident, agent, when=timezone.now() - timedelta(days=8))
    client.force_login(requester)
    response = client.get(ticket_url(incident))
    names = [form.transition.name for form in response.context["transition_forms"]]
    assert names == ["close"]
    assert "reopen window of 7 days has passed" in response.content.decode()
    response = client.post(ticket_url(incident, "transition", name="reopen"),
                           {"reopen-version": incident.version, "reopen-note": "again"})
    assert response.status_code == 403
    assert Incident.objects.get(pk=incident.pk).status == IncidentStatus.RESOLVED


def test_colleague_on_a_shared_ticket_cannot_close_it(client, requester, customer, agent,
                                                      incident):
    customer.share_tickets = True
    customer.save()
    colleague = UserFactory(username="carl", roles=["requester"], customer=customer)
    incident = resolve(incident, agent)
    client.force_login(colleague)
    assert client.get(ticket_url(incident)).context["transition_forms"] == []
    response = client.post(ticket_url(incident, "transition", name="close"),
                           {"close-version": incident.version})
    assert response.status_code == 403
    assert Incident.objects.get(pk=incident.pk).status == IncidentStatus.RESOLVED


def test_stale_confirm_shows_a_reload_message(client, requester, agent, incident):
    incident = resolve(incident, agent)
    seen = incident.version
    services.add_comment(incident, author=agent, body="fyi", is_public=True)
    workflow.transition(incident, IncidentStatus.IN_PROGRESS, actor=agent, note="not yet")
    client.force_login(requester)
    response = client.post(ticket_url(incident, "transition", name="close"),
                           {"close-version": seen})
    assert response.status_code == 409
    assert "Reload the page" in response.content.decode()
    assert Incident.objects.get(pk=incident.pk).status == IncidentStatus.IN_PROGRESS


def test_ticket_page_query_count_does_not_grow_with_the_timeline(client, requester, agent,
                                                                incident, count_queries):
    def grow(n: int) -> None:
        for i in range(n):
            services.add_comment(incident, author=agent, body=f"update {i}", is_public=True)
            services.add_comment(incident, author=requester, body=f"reply {i}")
            services.add_attachment(incident, uploaded_by=requester, upload=SimpleUploadedFile(
                f"f{i}.txt", b"data", content_type="text/plain"))

    client.force_login(requester)
    grow(1)
    few = count_queries(client, ticket_url(incident))
    grow(6)
    assert count_queries(client, ticket_url(incident)) == few
