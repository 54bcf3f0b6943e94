"""Changing the terms re-times the open tickets they govern, never retroactively: a
ticket is breached only if it really is late under the new terms, when the scan finds
it; resolved tickets keep the terms they were measured by."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.models import Holiday, SLATarget
from catalog.signals import announce_terms_changed
from incidents.choices import IncidentStatus as S
from itsm import sla, workflow
from itsm.celery import app as celery_app
from itsm.choices import EventKind
from itsm.models import Ticket, TicketEvent
from itsm.tasks import recompute_sla_task
from tests.factories import ServiceFactory, berlin, log, make_sla
from tests.itsm.test_admin import form_data

pytestmark = pytest.mark.django_db

# Logged Monday 2026-03-02 09:00 Berlin, P3: resolution due 13:00 (4 business hours).
LOGGED = berlin(2026, 3, 2, 9)


@pytest.fixture
def terms(service, office):
    return make_sla(service, office)


def set_resolution(sla_, minutes: int) -> None:
    target = sla_.targets.get(priority=3)
    target.resolution_minutes = minutes
    target.save()


def test_tightened_terms_retime_open_tickets_and_the_scan_breaches_the_late_ones(
        agent, requester, service, terms, time_machine):
    time_machine.move_to(berlin(2026, 3, 2, 11, 30))
    ticket = log(agent, requester, service, LOGGED)
    version = ticket.version
    set_resolution(terms, 120)  # 2 h: due 11:00, already past

    assert sla.recompute(services=[service.pk]) == 1

    ticket.refresh_from_db()
    assert ticket.resolution_due == berlin(2026, 3, 2, 11)
    assert not ticket.resolution_breached  # not retroactively: the scan decides, now
    assert ticket.version == version  # the system's act, not an edit
    event = ticket.events.get(kind=EventKind.SLA, field="resolution_due")
    assert event.actor is None and event.new_value.startswith("2026-03-02T10:00")
    assert sla.scan()["resolution_breached"] == [ticket.pk]


def test_loosened_terms_move_the_due_time_later_and_allow_a_new_warning(
        agent, requester, service, terms, time_machine):
    time_machine.move_to(berlin(2026, 3, 2, 12, 30))
    ticket = log(agent, requester, service, LOGGED)
    sla.scan()  # warned at 12:00
    ticket.refresh_from_db()
    assert ticket.resolution_warned

    set_resolution(terms, 480)  # 8 h: due 17:00, warned at 15:00
    sla.recompute(services=[service.pk])

    ticket.refresh_from_db()
    assert ticket.resolution_due == berlin(2026, 3, 2, 17)
    assert not ticket.resolution_warned


def test_resolved_and_closed_tickets_keep_their_terms(agent, requester, service, terms):
    done = log(agent, requester, service, LOGGED)
    workflow.assign(done, actor=agent, assignee=agent, when=LOGGED)
    workflow.transition(done, S.RESOLVED, actor=agent, when=berlin(2026, 3, 2, 12),
                        resolution_code="solved_permanently", resolution_notes="Fixed")
    before = Ticket.objects.values("resolution_due", "resolution_breached").get(pk=done.pk)

    set_resolution(terms, 60)
    assert sla.recompute(services=[service.pk]) == 0

    assert Ticket.objects.values("resolution_due", "resolution_breached").get(
        pk=done.pk) == before


def test_a_holiday_added_to_the_calendar_moves_the_due_time(agent, requester, service,
                                                           terms, office):
    ticket = log(agent, requester, service, berlin(2026, 3, 2, 17))  # due Tue 11:00
    Holiday.objects.create(calendar=office, date=date(2026, 3, 3), name="Strike day")

    sla.recompute(calendars=[office.pk])

    ticket.refresh_from_db()
    assert ticket.resolution_due == berlin(2026, 3, 4, 11)


def test_a_new_customer_sla_and_a_retired_one_apply_to_open_tickets(agent, requester,
                                                                    service, terms, office,
                                                                    customer):
    ticket = log(agent, requester, service, LOGGED)
    own = make_sla(service, office, customer=customer, p3=(15, 60))

    sla.recompute(services=[service.pk])
    ticket.refresh_from_db()
    assert ticket.sla == own and ticket.resolution_due == berlin(2026, 3, 2, 10)

    own.is_active = False
    own.save()
    terms.is_active = False
    terms.save()
    sla.recompute(services=[service.pk])
    ticket.refresh_from_db()
    assert (ticket.sla, ticket.resolution_due) == (None, None)


def test_a_ticket_changed_meanwhile_is_left_to_that_change(agent, requester, service, terms,
                                                           monkeypatch):
    log(agent, requester, service, LOGGED)
    set_resolution(terms, 480)
    real_apply = sla.apply

    def apply_while_someone_edits(t):
        Ticket.objects.filter(pk=t.pk).update(version=t.version + 1)  # a concurrent edit
        return real_apply(t)

    monkeypatch.setattr(sla, "apply", apply_while_someone_edits)
    assert sla.recompute(services=[service.pk]) == 0
    assert not TicketEvent.objects.filter(kind=EventKind.SLA, field="resolution_due").exists()


def test_recompute_streams_in_a_fixed_number_of_queries_per_changed_ticket(
        agent, requester, service, terms):
    for _ in range(4):
        log(agent, requester, service, LOGGED)
    set_resolution(terms, 300)

    with CaptureQueriesContext(connection) as queries:
        assert sla.recompute(services=[service.pk]) == 4
    # terms (SLA, target, calendar periods and holidays), the tickets, then per ticket:
    # its update and its event (savepoints included by the atomic blocks)
    per_ticket = [q for q in queries if "itsm_ticketevent" in q["sql"].lower()]
    assert len(per_ticket) == 4
    assert len(queries) <= 6 + 4 * 4


# --- who triggers it -------------------------------------------------------------------


@pytest.fixture
def queued(monkeypatch):
    calls = []
    monkeypatch.setattr(recompute_sla_task, "apply_async",
                        lambda args, countdown=0: calls.append((args, countdown)))
    return calls


def test_announcing_a_change_queues_a_recompute_now_and_after_the_cache(
        queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        announce_terms_changed(services=[3, 3], calendars=[7])
        assert queued == []  # nothing before the commit

    assert [args for args, _countdown in queued] == [([3], [7]), ([3], [7])]
    assert queued[0][1] == 0 and queued[1][1] > 60


def test_saving_an_sla_in_the_admin_retimes_its_open_tickets(
        client, admin, agent, requester, service, terms, settings,
        django_capture_on_commit_callbacks):
    ticket = log(agent, requester, service, LOGGED)
    client.force_login(admin)
    url = reverse("admin:catalog_servicelevelagreement_change", args=[terms.pk])
    data = form_data(client.get(url))
    targets = list(SLATarget.objects.filter(sla=terms).order_by("pk"))
    data.update({"targets-TOTAL_FORMS": str(len(targets)),
                 "targets-INITIAL_FORMS": str(len(targets))})
    for index, target in enumerate(targets):
        data.update({f"targets-{index}-id": target.pk, f"targets-{index}-sla": terms.pk,
                     f"targets-{index}-priority": target.priority,
                     f"targets-{index}-response_minutes": target.response_minutes,
                     f"targets-{index}-resolution_minutes":
                         480 if target.priority == 3 else target.resolution_minutes})
    celery_app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, data)
    finally:
        celery_app.conf.task_always_eager = False

    assert response.status_code == 302, response.context["errors"] if response.context else ""
    ticket.refresh_from_db()
    assert ticket.resolution_due == berlin(2026, 3, 2, 17)


def test_seeding_holidays_announces_the_calendar(office, queued,
                                                 django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_holidays", calendar=office.name, country="DE", year=2026,
                     stdout=StringIO())

    assert queued and queued[0][0] == ([], [office.pk])


def test_other_services_tickets_are_not_touched(agent, requester, service, terms,
                                               other_team):
    other = ServiceFactory(name="CRM", code="crm", owner_team=other_team)
    make_sla(other, terms.calendar)
    theirs = log(agent, requester, other, LOGGED)
    set_resolution(terms, 60)

    assert sla.recompute(services=[service.pk]) == 0
    theirs.refresh_from_db()
    assert theirs.resolution_due == berlin(2026, 3, 2, 13)
