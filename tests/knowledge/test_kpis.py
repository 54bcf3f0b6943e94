"""The knowledge base's KPIs against a hand-computed fixture: in March, an article of
the Email service read four times (two suggested, one of which deflected a ticket),
voted on three times (two helpful), and linked to one ticket it solved."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from knowledge import services
from knowledge.choices import ViewSource
from metrics import compute
from metrics.models import KpiMark, KpiValue
from tests.factories import UserFactory, make_incident

pytestmark = pytest.mark.django_db
MAR = date(2026, 3, 1)
NOW = datetime(2026, 3, 31, tzinfo=UTC)


def at(day, hour):
    return datetime(2026, 3, day, hour, tzinfo=UTC)


def value(kpi, dimension="overall", key=""):
    row = KpiValue.objects.get(kpi=kpi, granularity="month", dimension=dimension, key=key,
                               period_start=MAR)
    return round(row.value, 6), row.numerator, row.denominator


@pytest.fixture
def used(settings, article, requester, other_requester, agent, service):
    settings.TIME_ZONE = "UTC"
    settings.KB_DEFLECTION_MINUTES = 60
    third = UserFactory(username="carl", roles=["requester"])
    services.record_view(article, requester, source=ViewSource.SUGGESTION, when=at(2, 9))
    services.record_view(article, other_requester, source=ViewSource.SUGGESTION,
                         when=at(2, 10))
    make_incident(actor=agent, requester=other_requester, service=service, when=at(2, 10)
                  + timedelta(minutes=15))  # read it, then logged a ticket anyway
    services.record_view(article, agent, source=ViewSource.SEARCH, when=at(3, 9))
    services.record_view(article, third, source=ViewSource.SEARCH, when=at(4, 9))
    services.vote(article, requester, helpful=True, when=at(2, 9))
    services.vote(article, other_requester, helpful=False, when=at(2, 10))
    services.vote(article, third, helpful=True, when=at(4, 9))
    solved = make_incident(actor=agent, service=service, title="Outlook", when=at(5, 9))
    services.solved_with(article, solved, actor=agent, when=at(5, 10))
    services.settle_deflections(at(10, 0))
    return article


def test_knowledge_kpis_overall_per_service_and_per_article(used, service):
    compute.recompute(since=MAR, now=NOW)
    assert value("kb_views") == (4.0, 4.0, None)
    assert value("kb_deflections") == (1.0, 1.0, None)
    assert value("kb_helpful") == (round(200 / 3, 6), 2.0, 3.0)
    assert value("kb_tickets_solved") == (1.0, 1.0, None)
    assert value("kb_views", "service", str(service.pk)) == (4.0, 4.0, None)
    assert value("kb_views", "article", str(used.pk)) == (4.0, 4.0, None)
    # Per article only the knowledge KPIs; the tickets' dimensions never hold them.
    assert not KpiValue.objects.filter(dimension="article").exclude(
        kpi__startswith="kb_").exists()
    assert not KpiValue.objects.filter(dimension="team", kpi__startswith="kb_").exists()
    behind = compute.tickets_behind(compute.BY_KEY["kb_tickets_solved"], "month", MAR,
                                    "overall")
    assert list(behind.values_list("title", flat=True)) == ["Outlook"]


def test_a_vote_marks_its_days_and_the_refresh_equals_a_recompute(used, requester):
    compute.recompute(since=MAR, now=NOW)
    KpiMark.objects.all().delete()
    services.vote(used, requester, helpful=False, when=at(6, 9))  # changed its mind
    marked = set(KpiMark.objects.filter(dimension="overall").values_list("part", "day"))
    assert {("knowledge", date(2026, 3, 2)), ("knowledge", date(2026, 3, 6))} <= marked

    def values() -> set:
        return set(KpiValue.objects.exclude(kpi__in=compute.LEVEL_KPIS).values_list(
            "kpi", "granularity", "dimension", "key", "period_start", "value"))

    compute.refresh(now=NOW)
    incremental = values()
    KpiValue.objects.all().delete()
    compute.recompute(since=MAR, now=NOW)
    assert values() == incremental
    assert value("kb_helpful") == (round(100 / 3, 6), 1.0, 3.0)
