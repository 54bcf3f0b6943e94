"""The request KPIs against a hand-computed fixture: two laptops ordered in March on a
24×7 SLA, one waiting a day for approval, one fulfilled late."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from itsm import sla, workflow
from itsm.models import Task
from metrics import compute
from metrics.models import KpiValue
from service_requests import approvals

from ..factories import make_sla
from .conftest import order_laptop

pytestmark = pytest.mark.django_db
MAR = date(2026, 3, 1)


def at(day, hour):
    return datetime(2026, 3, day, hour, tzinfo=UTC)


def value(kpi):
    row = KpiValue.objects.get(kpi=kpi, granularity="month", dimension="overall",
                               period_start=MAR)
    return round(row.value, 6), row.numerator, row.denominator


def fulfil(order, boss, agent, approved, done):
    if approved is not None:
        approvals.decide(order.approvals.get(), user=boss, approve=True, when=approved)
    for task in Task.objects.filter(parent=order).order_by("pk"):
        workflow.transition(task, "done", actor=agent, when=done)
    while (task := Task.objects.filter(parent=order).open().first()) is not None:
        workflow.transition(task, "done", actor=agent, when=done)


def test_fulfilment_time_on_time_share_and_orders(settings, item, requester, boss, agent,
                                                  service):
    settings.TIME_ZONE = "UTC"
    make_sla(service)  # 24×7; the item's 3 working days are 3 whole days after the order
    # R1: ordered 2nd 10:00, approved 3rd 10:00 (24 h waiting), fulfilled 4th 10:00:
    # 48 h in all, 24 h on the fulfilment clock, due the 5th 24:00 + 24 h: on time.
    first = order_laptop(item, requester, when=at(2, 10))
    fulfil(first, boss, agent, at(3, 10), at(4, 10))
    # R2: ordered 10th 10:00, approved at once, fulfilled 20th 10:00: 240 h, due the
    # 13th 24:00: late.
    second = order_laptop(item, requester, when=at(10, 10))
    approvals.decide(second.approvals.get(), user=boss, approve=True, when=at(10, 10))
    assert sla.scan(at(15, 0))  # the every-minute scan flags it once it is overdue
    fulfil(second, boss, agent, None, at(20, 10))
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == second.status == "fulfilled"
    assert first.resolution_due == datetime(2026, 3, 7, 0, tzinfo=UTC)
    compute.recompute(since=MAR, now=datetime(2026, 3, 31, tzinfo=UTC))
    assert value("fulfilment_time") == (144.0, 288.0, 2.0)  # (48 + 240) / 2
    assert value("fulfilment_time_business") == (132.0, 264.0, 2.0)  # (24 + 240) / 2
    assert value("on_time_fulfilment") == (50.0, 1.0, 2.0)
    assert value("requests_ordered") == (2.0, 2.0, None)
    assert value("approval_time") == (12.0, 24.0, 2.0)  # (24 + 0) / 2
    # By item: the laptop's two orders; the item dimension keeps only the order KPIs.
    by_item = KpiValue.objects.filter(dimension="item", key=str(item.pk), granularity="month",
                                      period_start=MAR)
    assert by_item.get(kpi="requests_ordered").value == 2.0
    assert by_item.get(kpi="fulfilment_time").value == 144.0
    assert not KpiValue.objects.filter(dimension="item", kpi="mttr").exists()


def test_an_approval_marks_its_day_and_the_refresh_equals_a_recompute(
        settings, item, requester, boss, service):
    from metrics.models import KpiMark

    settings.TIME_ZONE = "UTC"
    make_sla(service)
    now = datetime(2026, 3, 31, tzinfo=UTC)
    order = order_laptop(item, requester, when=at(2, 10))
    compute.recompute(since=MAR, now=now)
    KpiMark.objects.all().delete()
    approvals.decide(order.approvals.get(), user=boss, approve=True, when=at(4, 16))
    assert ("approved", date(2026, 3, 4)) in set(
        KpiMark.objects.filter(dimension="overall").values_list("part", "day"))
    def events() -> set:  # the levels (the backlog) run to the real today; not these
        return set(KpiValue.objects.exclude(kpi__in=compute.LEVEL_KPIS).values_list(
            "kpi", "granularity", "dimension", "key", "period_start", "value"))

    compute.refresh(now=now)
    incremental = events()
    KpiValue.objects.all().delete()
    compute.recompute(since=MAR, now=now)
    assert events() == incremental
    assert value("approval_time") == (54.0, 54.0, 1.0)
