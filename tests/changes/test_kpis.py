"""The change KPIs against a hand-computed fixture: in March four changes closed (one
successful, one successful with issues that caused an incident, one backed out, one
emergency unsuccessful) and one cancelled; DESIGN.md §4's change success rate is 1/4."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from changes import approvals, services
from changes.models import Change, ChangeApproval
from itsm import workflow
from itsm.services import update_ticket
from metrics import compute
from metrics.models import KpiValue
from tests.factories import make_incident

pytestmark = pytest.mark.django_db
MAR = date(2026, 3, 1)
NOW = datetime(2026, 3, 31, tzinfo=UTC)


def at(day, hour=10):
    return datetime(2026, 3, day, hour, tzinfo=UTC)


def value(kpi, dimension="overall", key=""):
    row = KpiValue.objects.get(kpi=kpi, granularity="month", dimension=dimension, key=key,
                               period_start=MAR)
    return round(row.value, 6), row.numerator, row.denominator


def lived(agent, boss, service, day, code, *, change_type="normal"):
    change = services.create_change(
        actor=agent, title=f"Change {day}", service=service, change_type=change_type,
        risk_answers={"outage": True}, implementation_plan="Do.", backout_plan="Undo.",
        planned_start=at(day), planned_end=at(day) + timedelta(hours=2), when=at(day - 1))
    steps = ["authorization"] if change_type == "emergency" else ["assessment",
                                                                  "authorization"]
    for target in steps:
        workflow.transition(Change.objects.get(pk=change.pk), target, actor=agent,
                            when=at(day - 1, 12))
    approval = ChangeApproval.objects.for_user(boss).pending().get(change=change)
    approvals.decide(approval, user=boss, approve=True, when=at(day - 1, 13))
    for target, actor, extra in (("implementing", agent, {}),
                                 ("review", agent, {"close_code": code,
                                                    "close_notes": "Noted."})):
        workflow.transition(Change.objects.get(pk=change.pk), target, actor=actor,
                            when=at(day, 11), **extra)
    change = Change.objects.get(pk=change.pk)
    if change.needs_review:
        update_ticket(change, actor=agent, review_findings="What.", review_lessons="Lesson.")
    workflow.transition(Change.objects.get(pk=change.pk), "closed", actor=agent,
                        when=at(day, 15))
    return change


def test_change_success_rate_and_its_companions(settings, agent, change_manager, service):
    settings.TIME_ZONE = "UTC"
    lived(agent, change_manager, service, 3, "successful")
    caused = lived(agent, change_manager, service, 5, "successful_with_issues")
    services.record_cause(caused, make_incident(actor=agent, service=service, when=at(5, 13)),
                          actor=agent)
    lived(agent, change_manager, service, 8, "backed_out")
    lived(agent, change_manager, service, 12, "unsuccessful", change_type="emergency")
    dropped = services.create_change(actor=agent, title="Dropped", service=service,
                                     when=at(14))
    workflow.transition(dropped, "cancelled", actor=agent, note="Not needed", when=at(15))
    compute.recompute(since=MAR, now=NOW)
    assert value("change_success_rate") == (25.0, 1.0, 4.0)
    assert value("emergency_change_share") == (25.0, 1.0, 4.0)
    assert value("backed_out_share") == (25.0, 1.0, 4.0)
    assert value("changes_causing_incidents") == (1.0, 1.0, None)
    assert value("change_success_rate", "service", str(service.pk)) == (25.0, 1.0, 4.0)
    # By type and by risk (every change here answered only "needs the service down":
    # low risk): three normal, one emergency.
    assert value("change_success_rate", "change_type", "normal") == (
        round(100 / 3, 6), 1.0, 3.0)
    assert value("change_success_rate", "change_type", "emergency") == (0.0, 0.0, 1.0)
    assert value("backed_out_share", "change_type", "normal")[1:] == (1.0, 3.0)
    assert value("change_success_rate", "risk", "low") == (25.0, 1.0, 4.0)
    assert not KpiValue.objects.filter(kpi="emergency_change_share",
                                       dimension="change_type").exists()  # not kept


def test_the_breakdown_by_type_follows_each_close_incrementally(settings, agent,
                                                                change_manager, service):
    settings.TIME_ZONE = "UTC"
    compute.recompute(since=MAR, now=NOW)
    lived(agent, change_manager, service, 3, "successful", change_type="emergency")
    compute.refresh(now=NOW)
    assert value("change_success_rate", "change_type", "emergency") == (100.0, 1.0, 1.0)
