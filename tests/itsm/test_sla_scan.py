"""The SLA scan: flags set once when a warning or due time passes, open tickets only."""

from __future__ import annotations

import os

import pytest
from django.db import connection

from incidents.choices import IncidentStatus as S
from incidents.models import Incident
from itsm import sla, workflow
from itsm.models import Ticket
from itsm.tasks import sla_scan_task
from tests.factories import berlin

pytestmark = pytest.mark.django_db


def test_warning_times_follow_the_threshold(late):
    assert late.resolution_warn_at == berlin(2026, 3, 3, 10)  # not midnight
    assert late.response_warn_at == berlin(2026, 3, 2, 17, 45)


def test_the_scan_warns_then_breaches_each_once(late):
    assert sla.scan(berlin(2026, 3, 2, 17, 30)) == {
        "response_warned": [], "response_breached": [], "resolution_warned": [],
        "resolution_breached": []}
    first = sla.scan(berlin(2026, 3, 3, 10, 30))
    assert first["response_warned"] == first["response_breached"] == [late.pk]
    assert first["resolution_warned"] == [late.pk] and first["resolution_breached"] == []
    assert sla.scan(berlin(2026, 3, 3, 10, 31))["resolution_warned"] == []  # once
    assert sla.scan(berlin(2026, 3, 3, 11, 1))["resolution_breached"] == [late.pk]
    late.refresh_from_db()
    assert late.response_breached and late.resolution_breached and late.resolution_warned
    assert list(late.events.filter(kind="sla").values_list("field", flat=True)) == [
        "response_warned", "response_breached", "resolution_warned", "resolution_breached"]


def test_two_workers_flag_a_ticket_once(late):
    moment = berlin(2026, 3, 3, 12)
    # The second run finds the candidates already claimed by the first.
    assert sla.scan(moment)["resolution_breached"] == [late.pk]
    assert sla.scan(moment)["resolution_breached"] == []
    assert late.events.filter(kind="sla", field="resolution_breached").count() == 1


def test_flags_do_not_make_an_open_edit_stale(late, agent):
    mine = Incident.objects.get(pk=late.pk)
    sla.scan(berlin(2026, 3, 3, 12))
    workflow.transition(mine, S.IN_PROGRESS, actor=agent)  # no StaleVersion
    mine.refresh_from_db()
    assert mine.resolution_breached and mine.resolution_warned  # and nothing undone


def test_a_response_stops_the_response_clock(late, agent):
    workflow.transition(late, S.IN_PROGRESS, actor=agent, when=berlin(2026, 3, 2, 17, 10))
    flagged = sla.scan(berlin(2026, 3, 3, 9))
    assert flagged["response_warned"] == flagged["response_breached"] == []


def test_a_ticket_on_hold_is_not_breached_while_its_clock_stands(late, agent):
    workflow.transition(late, S.IN_PROGRESS, actor=agent, when=berlin(2026, 3, 2, 17, 10))
    workflow.transition(late, S.ON_HOLD, actor=agent, on_hold_reason="awaiting_caller",
                        when=berlin(2026, 3, 2, 17, 20))
    assert sla.scan(berlin(2026, 3, 4, 9))["resolution_breached"] == []
    workflow.transition(late, S.IN_PROGRESS, actor=agent, when=berlin(2026, 3, 4, 9))
    late.refresh_from_db()
    # Held 17:20 Monday to 09:00 Wednesday: 40 + 600 + 60 business minutes.
    assert late.sla_paused_minutes == 700
    # 240 + 700 business minutes from Monday 17:00: 60 Monday, 600 Tuesday, 280 Wednesday.
    assert late.resolution_due == berlin(2026, 3, 4, 12, 40)
    assert sla.scan(berlin(2026, 3, 4, 12, 39))["resolution_breached"] == []
    assert sla.scan(berlin(2026, 3, 4, 12, 41))["resolution_breached"] == [late.pk]


def test_resolved_and_closed_tickets_are_never_flagged(late, agent):
    workflow.transition(late, S.IN_PROGRESS, actor=agent, when=berlin(2026, 3, 2, 17, 10))
    workflow.transition(late, S.RESOLVED, actor=agent, resolution_code="solved_remotely",
                        resolution_notes="Done", when=berlin(2026, 3, 2, 17, 50))
    assert not any(sla.scan(berlin(2026, 3, 9, 12)).values())


def test_the_task_reports_counts(late, time_machine):
    time_machine.move_to(berlin(2026, 3, 3, 12))
    assert sla_scan_task() == {"response_warned": 1, "response_breached": 1,
                               "resolution_warned": 1, "resolution_breached": 1}


@pytest.mark.skipif(connection.vendor != "postgresql"
                    and not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                    reason="EXPLAIN of partial indexes is checked on PostgreSQL")
def test_each_scan_question_reads_its_partial_index(late):
    flags = [flag for flag, _moment, _condition in sla.SCAN_QUESTIONS]
    copied = [field.column for field in Ticket._meta.concrete_fields
              if field.column not in ("id", "number", *flags)]
    with connection.cursor() as cursor:
        # Two thousand open tickets already flagged: what the scan must never read. With
        # a handful of rows, any index on open tickets would cost the same to the planner.
        cursor.execute(
            f"INSERT INTO itsm_ticket ({', '.join(copied)}, number, {', '.join(flags)}) "
            f"SELECT {', '.join(copied)}, 'FLAGGED' || n, {', '.join(['true'] * len(flags))} "
            "FROM itsm_ticket, generate_series(1, 2000) AS n WHERE id = %s", [late.pk])
        cursor.execute("ANALYZE itsm_ticket")
        cursor.execute("SET enable_seqscan = off")
        try:
            for flag, moment, condition in sla.SCAN_QUESTIONS:
                plan = (Ticket.objects.filter(condition, **{f"{moment}__lte":
                                                            berlin(2026, 3, 3, 12)})
                        .order_by(moment).values("pk").explain())
                index = {"response_warned": "itsm_sla_response_warn",
                         "response_breached": "itsm_sla_response_due",
                         "resolution_warned": "itsm_sla_resolution_warn",
                         "resolution_breached": "itsm_sla_resolution_due"}[flag]
                assert index in plan, plan
        finally:
            cursor.execute("RESET enable_seqscan")
