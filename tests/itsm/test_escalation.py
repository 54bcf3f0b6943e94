"""Escalation along a service's support path when a ticket breaches its SLA."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.models import Supplier, SupportLevel
from itsm import sla, workflow
from itsm.choices import EventKind
from itsm.escalation import escalate, next_level
from itsm.models import Notification, TicketEvent
from itsm.notifications import notify_sla
from itsm.tasks import send_notification_email_task, sla_scan_task
from tests.factories import TeamFactory, UserFactory, berlin, log
from tests.itsm.test_notifications import (
    RESOLUTION_BREACHED,
    RESOLUTION_WARNED,
    RESPONSE_BREACHED,
    RESPONSE_WARNED,
)

pytestmark = pytest.mark.django_db


def level(position, team_id=None, supplier_id=None):
    return SimpleNamespace(position=position, team_id=team_id, supplier_id=supplier_id)


# --- where a breach escalates to (pure) -------------------------------------------------


def test_a_breach_escalates_to_the_level_after_the_holding_team():
    path = [level(2, team_id=20), level(1, team_id=10), level(3, supplier_id=7)]

    assert next_level(path, team_id=10).position == 2
    assert next_level(path, team_id=20).position == 3


def test_a_team_off_the_path_or_no_team_escalates_to_the_first_level():
    path = [level(2, team_id=20), level(1, team_id=10)]

    assert next_level(path, team_id=99).position == 1
    assert next_level(path, team_id=None).position == 1


def test_a_ticket_without_a_team_escalates_to_the_first_level_even_past_a_supplier():
    """A supplier level has no team either: a ticket without a team is not "held" by it."""
    path = [level(1, team_id=10), level(2, supplier_id=7), level(3, team_id=30)]

    assert next_level(path, team_id=None).position == 1


def test_there_is_nowhere_past_the_last_level_or_without_a_path():
    assert next_level([level(1, team_id=10)], team_id=10) is None
    assert next_level([], team_id=10) is None


# --- the scan escalates, once, and tells the level ----------------------------------------


@pytest.fixture
def second_line(db):
    lead = UserFactory(username="olga", roles=["team_lead"])
    return TeamFactory(name="Application operations", lead=lead, members=[lead])


@pytest.fixture
def path(late, team, second_line):
    """Service desk → Application operations → Mailsoft (a supplier)."""
    supplier = Supplier.objects.create(name="Mailsoft", contact_email="support@mailsoft.test")
    service = late.service
    SupportLevel.objects.create(service=service, position=1, team=team)
    SupportLevel.objects.create(service=service, position=2, team=second_line)
    SupportLevel.objects.create(service=service, position=3, supplier=supplier,
                                note="Contract MS-42, hotline +46 8 123 45")
    return service


def scan_and_notify(now):
    flagged = sla.scan(now)
    return notify_sla(flagged, escalate(flagged, when=now))


def test_a_breach_tells_the_next_level_and_says_so_on_the_timeline(late, path, second_line,
                                                                   team_lead, agent):
    workflow.assign(late, actor=agent, assignee=agent)
    scan_and_notify(RESOLUTION_WARNED)

    notifications = scan_and_notify(RESOLUTION_BREACHED)

    by_kind = {(n.kind, n.user.username) for n in notifications}
    assert by_kind == {(Notification.Kind.SLA_BREACH, agent.username),
                       (Notification.Kind.SLA_BREACH, team_lead.username),
                       (Notification.Kind.SLA_ESCALATION, second_line.lead.username)}
    escalated = next(n for n in notifications if n.kind == Notification.Kind.SLA_ESCALATION)
    assert escalated.subject.startswith("Escalated: " + late.number)
    assert "Application operations" in escalated.body
    assert f"/incidents/{late.number}/" in escalated.body
    event = TicketEvent.objects.get(ticket=late, kind=EventKind.SLA, field="escalated")
    assert (event.old_value, event.new_value) == ("Service desk", "Application operations")
    assert event.created_at == RESOLUTION_BREACHED


def test_a_ticket_held_by_second_line_escalates_to_the_supplier_by_email(
        late, path, second_line, eager, mailoutbox,
        django_capture_on_commit_callbacks):
    workflow.assign(late, actor=second_line.lead, team=second_line)
    scan_and_notify(RESOLUTION_WARNED)

    with django_capture_on_commit_callbacks(execute=True):
        notifications = scan_and_notify(RESOLUTION_BREACHED)

    (to_supplier,) = [n for n in notifications if n.kind == Notification.Kind.SLA_ESCALATION]
    assert to_supplier.user is None and to_supplier.email == "support@mailsoft.test"
    assert "Contract MS-42" in to_supplier.body
    assert "/incidents/" not in to_supplier.body  # no link into the desk for outsiders
    supplier_mail = [m for m in mailoutbox if m.to == ["support@mailsoft.test"]]
    assert len(supplier_mail) == 1
    # A redelivered message sends nothing more.
    send_notification_email_task.delay(to_supplier.pk)
    assert len([m for m in mailoutbox if m.to == ["support@mailsoft.test"]]) == 1


def test_a_supplier_without_an_address_is_escalated_on_the_timeline_only(late, path,
                                                                        second_line):
    Supplier.objects.update(contact_email="")
    workflow.assign(late, actor=second_line.lead, team=second_line)

    notifications = scan_and_notify(RESPONSE_BREACHED)

    assert not any(n.kind == Notification.Kind.SLA_ESCALATION for n in notifications)
    assert TicketEvent.objects.filter(ticket=late, field="escalated",
                                      new_value="Mailsoft").exists()


def test_a_lead_already_told_of_the_breach_is_not_told_again(late, path, team, team_lead):
    # The first level's lead holds the ticket off the path's team: the breach goes to
    # them as team lead, and escalating to the first level would tell them twice.
    other = TeamFactory(name="Field service", lead=team_lead, members=[team_lead])
    workflow.assign(late, actor=team_lead, team=other)

    scan_and_notify(RESPONSE_WARNED)

    notifications = scan_and_notify(RESPONSE_BREACHED)

    assert [(n.user, n.kind) for n in notifications] == [
        (team_lead, Notification.Kind.SLA_BREACH)]
    assert TicketEvent.objects.filter(ticket=late, field="escalated",
                                      new_value="Service desk").exists()


def test_a_level_without_a_lead_tells_its_members(late, path, second_line, agent):
    member = UserFactory(username="pia", roles=["agent"])
    second_line.lead = None
    second_line.save()
    second_line.members.set([member])
    workflow.assign(late, actor=agent, assignee=agent)
    scan_and_notify(RESOLUTION_WARNED)

    notifications = scan_and_notify(RESOLUTION_BREACHED)

    assert {n.user.username for n in notifications
            if n.kind == Notification.Kind.SLA_ESCALATION} == {"pia"}


def test_warnings_do_not_escalate_and_a_service_without_a_path_does_not(late, team_lead):
    notifications = scan_and_notify(RESPONSE_WARNED)
    notifications += scan_and_notify(RESPONSE_BREACHED)

    assert not any(n.kind == Notification.Kind.SLA_ESCALATION for n in notifications)
    assert not TicketEvent.objects.filter(field="escalated").exists()


def test_the_beat_task_escalates_once(late, path, second_line, time_machine):
    time_machine.move_to(RESPONSE_BREACHED)

    sla_scan_task.apply().get()
    sla_scan_task.apply().get()

    assert TicketEvent.objects.filter(ticket=late, field="escalated").count() == 1
    assert Notification.objects.filter(kind=Notification.Kind.SLA_ESCALATION).count() == 1


def test_escalating_many_tickets_takes_a_fixed_number_of_queries(late, path, agent):
    for _ in range(5):
        log(agent, late.requester, late.service, berlin(2026, 3, 2, 17))
    flagged = sla.scan(RESPONSE_BREACHED)
    assert len(flagged["response_breached"]) == 6

    with CaptureQueriesContext(connection) as queries:
        escalations = escalate(flagged, when=RESPONSE_BREACHED)
    assert len(escalations) == 6
    # tickets, their paths' levels, the levels' team members, the events
    assert len(queries) == 4


def test_the_incident_page_shows_the_escalation(client, late, path, agent):
    workflow.assign(late, actor=agent, assignee=agent)
    scan_and_notify(RESOLUTION_WARNED)
    scan_and_notify(RESOLUTION_BREACHED)
    client.force_login(agent)

    page = client.get(reverse("incidents:detail", args=[late.number])).content.decode()

    assert "Escalated to Application operations" in page  # the SLA timeline
    assert "escalated to Application operations, the next level" in page  # the timeline
    assert "SLA breached: not resolved in time." in page
