"""The problem KPIs against a hand-computed fixture: in March, two problems opened,
one reaching known error after 24 h and resolved after 72 h; three incidents, two of
a problem, one resolved with the known error's workaround."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from itsm import workflow
from metrics import compute
from metrics.models import KpiMark, KpiValue
from problems import services
from tests.factories import make_incident

pytestmark = pytest.mark.django_db
MAR = date(2026, 3, 1)
NOW = datetime(2026, 3, 31, tzinfo=UTC)


def at(day, hour):
    return datetime(2026, 3, day, hour, tzinfo=UTC)


def value(kpi, dimension="overall", key=""):
    row = KpiValue.objects.get(kpi=kpi, granularity="month", dimension=dimension, key=key,
                               period_start=MAR)
    return round(row.value, 6), row.numerator, row.denominator


def resolve(incident, agent, when):
    workflow.transition(incident, "in_progress", actor=agent, when=when)
    workflow.transition(incident, "resolved", actor=agent, when=when,
                        resolution_code="solved_remotely", resolution_notes="Done")


@pytest.fixture
def history(settings, agent, service):
    settings.TIME_ZONE = "UTC"
    first = make_incident(actor=agent, service=service, title="Relay drops", when=at(2, 9))
    second = make_incident(actor=agent, service=service, title="Relay drops", when=at(2, 10))
    alone = make_incident(actor=agent, service=service, title="Printer", when=at(3, 9))
    problem = services.create_problem(actor=agent, incidents=[first], title="Relay",
                                      assignee=agent, when=at(2, 12))
    workflow.transition(problem, "known_error", actor=agent, when=at(3, 12),
                        cause_category="capacity", root_cause="Limit", workaround="Retry")
    services.apply_workaround(second, problem, actor=agent, when=at(4, 12))
    resolve(first, agent, at(4, 13))
    resolve(alone, agent, at(4, 14))
    workflow.transition(problem, "resolved", actor=agent, when=at(5, 12),
                        resolution_code="fixed", resolution_notes="Raised the limit")
    services.create_problem(actor=agent, title="Other", when=at(20, 9))
    return problem


def test_problem_kpis(history, service):
    compute.recompute(since=MAR, now=NOW)
    assert value("problems_opened") == (2.0, 2.0, None)
    assert value("problems_resolved") == (1.0, 1.0, None)
    assert value("known_error_time") == (24.0, 24.0, 1.0)
    assert value("problem_resolution_time") == (72.0, 72.0, 1.0)
    assert value("incidents_with_problem") == (round(200 / 3, 6), 2.0, 3.0)
    assert value("workaround_resolutions") == (1.0, 1.0, None)
    assert value("workaround_resolutions", "service", str(service.pk)) == (1.0, 1.0, None)
    # Incident KPIs do not count problems, nor problems the incidents' figures.
    assert value("volume_resolved") == (3.0, 3.0, None)


def test_a_known_error_marks_its_day_and_the_refresh_equals_a_recompute(settings, agent,
                                                                        service):
    settings.TIME_ZONE = "UTC"
    problem = services.create_problem(actor=agent, title="Relay", assignee=agent,
                                      when=at(2, 12))
    compute.recompute(since=MAR, now=NOW)
    KpiMark.objects.all().delete()
    workflow.transition(problem, "known_error", actor=agent, when=at(3, 18),
                        cause_category="capacity", root_cause="Limit", workaround="Retry")
    assert ("diagnosed", date(2026, 3, 3)) in set(
        KpiMark.objects.filter(dimension="overall").values_list("part", "day"))

    def events() -> set:
        return set(KpiValue.objects.exclude(kpi__in=compute.LEVEL_KPIS).values_list(
            "kpi", "granularity", "dimension", "key", "period_start", "value"))

    compute.refresh(now=NOW)
    incremental = events()
    KpiValue.objects.all().delete()
    compute.recompute(since=MAR, now=NOW)
    assert events() == incremental
    assert value("known_error_time") == (30.0, 30.0, 1.0)
