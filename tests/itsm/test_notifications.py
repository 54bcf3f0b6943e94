"""SLA notifications: who hears about a warning or breach, once, in the app and by email."""

from __future__ import annotations

import logging

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from itsm import sla, workflow
from itsm.models import Notification
from itsm.notifications import notify_sla
from itsm.tasks import send_notification_email_task, sla_scan_task
from tests.factories import UserFactory, berlin, log

pytestmark = pytest.mark.django_db

# The `late` ticket (Berlin office hours, P3, logged Monday 2026-03-02 17:00): response
# warned at 17:45, due 18:00; resolution warned Tuesday 10:00, due 11:00.
RESPONSE_WARNED = berlin(2026, 3, 2, 17, 50)
RESPONSE_BREACHED = berlin(2026, 3, 2, 18, 1)
# Assigning a ticket responds to it: only the resolution clock runs on.
RESOLUTION_WARNED = berlin(2026, 3, 3, 10, 30)
RESOLUTION_BREACHED = berlin(2026, 3, 3, 11, 1)


def sla_notifications():
    """The SLA scan's notifications (assignment and the conversation tell people too)."""
    return Notification.objects.filter(kind__startswith="sla_")


def recipients(notifications) -> set[str]:
    return {n.user.username for n in notifications}


def test_an_unassigned_warning_goes_to_the_team_lead(late, team_lead, settings):
    settings.TIME_ZONE = "Europe/Berlin"
    assert late.assignee is None

    notifications = notify_sla(sla.scan(RESPONSE_WARNED))

    assert recipients(notifications) == {team_lead.username}
    (notification,) = notifications
    assert notification.kind == Notification.Kind.SLA_WARNING
    assert notification.ticket_id == late.pk
    assert late.number in notification.subject and "Mail is slow" in notification.subject
    assert "response" in notification.body.lower()
    assert "2026-03-02 18:00 (Europe/Berlin)" in notification.body
    assert f"/incidents/{late.number}/" in notification.body


def test_an_assigned_warning_goes_to_the_assignee_only(late, agent):
    workflow.assign(late, actor=agent, assignee=agent)

    notifications = notify_sla(sla.scan(RESOLUTION_WARNED))

    assert recipients(notifications) == {agent.username}


def test_a_breach_goes_to_the_assignee_and_the_team_lead(late, agent, team_lead):
    workflow.assign(late, actor=agent, assignee=agent)
    sla.scan(RESOLUTION_WARNED)

    notifications = notify_sla(sla.scan(RESOLUTION_BREACHED))

    assert recipients(notifications) == {agent.username, team_lead.username}
    assert {n.kind for n in notifications} == {Notification.Kind.SLA_BREACH}
    assert all("breached" in n.subject for n in notifications)


def test_a_lead_who_is_the_assignee_hears_of_a_breach_once(late, team_lead):
    workflow.assign(late, actor=team_lead, assignee=team_lead)
    sla.scan(RESOLUTION_WARNED)

    notifications = notify_sla(sla.scan(RESOLUTION_BREACHED))

    assert [n.user for n in notifications] == [team_lead]


def test_a_ticket_without_assignee_or_team_lead_notifies_nobody(late, team):
    team.lead = None
    team.save()

    assert notify_sla(sla.scan(RESPONSE_BREACHED)) == []
    assert not sla_notifications().exists()


def test_scanning_twice_notifies_once(late, team_lead):
    notify_sla(sla.scan(RESPONSE_WARNED))
    notify_sla(sla.scan(RESPONSE_WARNED))

    assert sla_notifications().filter(user=team_lead).count() == 1


def test_the_beat_task_scans_and_notifies(late, team_lead, time_machine):
    time_machine.move_to(RESPONSE_WARNED)

    assert sla_scan_task.apply().get()["response_warned"] == 1
    assert sla_scan_task.apply().get()["response_warned"] == 0

    assert sla_notifications().filter(user=team_lead).count() == 1


def test_each_notification_is_emailed_once_after_commit(
        late, agent, team_lead, eager, mailoutbox, django_capture_on_commit_callbacks):
    workflow.assign(late, actor=agent, assignee=agent)
    sla.scan(RESOLUTION_WARNED)
    with django_capture_on_commit_callbacks(execute=True):
        notifications = notify_sla(sla.scan(RESOLUTION_BREACHED))
        assert mailoutbox == []  # nothing leaves before the commit

    assert sorted(m.to[0] for m in mailoutbox) == sorted([agent.email, team_lead.email])
    assert {m.subject for m in mailoutbox} == {notifications[0].subject}
    assert all(n.emailed_at for n in sla_notifications())

    # A redelivered message sends nothing more.
    send_notification_email_task.delay(notifications[0].pk)
    assert len(mailoutbox) == 2


def test_a_user_without_an_address_is_not_emailed(
        late, team_lead, eager, mailoutbox, django_capture_on_commit_callbacks):
    team_lead.email = ""
    team_lead.save()
    with django_capture_on_commit_callbacks(execute=True):
        (notification,) = notify_sla(sla.scan(RESPONSE_WARNED))

    assert mailoutbox == []
    notification.refresh_from_db()
    assert notification.emailed_at is None


def test_a_broker_outage_keeps_the_notification(
        late, team_lead, monkeypatch, caplog, django_capture_on_commit_callbacks):
    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(send_notification_email_task, "delay", broker_down)
    with (caplog.at_level(logging.ERROR, logger="itsm.notifications"),
          django_capture_on_commit_callbacks(execute=True)):
        notify_sla(sla.scan(RESPONSE_WARNED))

    assert sla_notifications().filter(user=team_lead, emailed_at=None).count() == 1
    assert "Could not queue the email" in caplog.text


# --- In the app --------------------------------------------------------------------


def notification_for(user, subject="SLA warning: INC0000001 Mail is slow") -> Notification:
    return Notification.objects.create(user=user, kind=Notification.Kind.SLA_WARNING,
                                       subject=subject, body="Response due soon.\n")


def test_a_user_sees_only_their_own_notifications(client, agent, other_team_agent):
    notification_for(agent, "Mine")
    notification_for(other_team_agent, "Theirs")
    assert [n.subject for n in Notification.objects.visible_to(agent)] == ["Mine"]

    client.force_login(agent)
    response = client.get(reverse("notifications"))

    assert response.status_code == 200
    assert b"Mine" in response.content and b"Theirs" not in response.content


def test_the_menu_shows_the_unread_count(client, agent):
    notification_for(agent)
    notification_for(agent)
    client.force_login(agent)

    response = client.get(reverse("notifications"))

    assert response.context["unread_notifications"]() == 2
    assert b'<strong>SLA warning' in response.content


def test_mark_all_read_marks_only_the_users_own(client, agent, other_team_agent):
    notification_for(agent)
    theirs = notification_for(other_team_agent)
    client.force_login(agent)

    response = client.post(reverse("notifications-read"))

    assert response.status_code == 302 and response.url == reverse("notifications")
    assert not Notification.objects.filter(user=agent, read_at=None).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_read_needs_a_post(client, agent):
    notification_for(agent)
    client.force_login(agent)
    assert client.get(reverse("notifications-read")).status_code == 405
    assert Notification.objects.filter(read_at=None).count() == 1


def test_anonymous_visitors_are_sent_to_log_in(client, agent):
    notification_for(agent)
    for response in (client.get(reverse("notifications")),
                     client.post(reverse("notifications-read"))):
        assert response.status_code == 302 and reverse("login") in response.url
    assert Notification.objects.filter(read_at=None).count() == 1


def test_the_page_queries_do_not_grow_with_rows(client, agent, late):
    client.force_login(agent)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("notifications")).status_code == 200
        return len(captured)

    Notification.objects.create(user=agent, ticket=late, kind=Notification.Kind.SLA_BREACH,
                                subject="one", body="b")
    few = queries()
    for index in range(20):
        ticket = log(agent, UserFactory(roles=["requester"]), late.service,
                     berlin(2026, 3, 2, 9))
        Notification.objects.create(user=agent, ticket=ticket, kind=Notification.Kind.SLA_BREACH,
                                    subject=f"n{index}", body="b")
    assert queries() == few
