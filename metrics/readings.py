"""Reading the stored KPI values for the dashboards and reports: a KPI's series over a
span, its figure for the whole span, and its slices ranked. Nothing here counts a
ticket: every figure is `KpiValue`'s, and a span's figure is its periods' numerators
and denominators added up, as the engine adds days into weeks and months (a level is
the last period's).

A span is what a period selector offers (this week, last month, the last 12 months,
custom dates); its series is by day, week or month, whichever suits its length, and
its total reads the coarsest periods that tile it exactly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Sum
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from . import periods
from .definitions import BY_KEY, Aggregation, Granularity, Kpi
from .models import KpiValue

DAY, WEEK, MONTH = Granularity.DAY, Granularity.WEEK, Granularity.MONTH
SPAN_LABELS: dict[str, str | Promise] = {
    "this_week": _("This week"), "last_week": _("Last week"),
    "this_month": _("This month"), "last_month": _("Last month"),
    "last_90_days": _("Last 90 days"), "last_12_months": _("Last 12 months"),
    "custom": _("Custom dates"),
}
LONGEST_SPAN_DAYS = 3 * 366  # a custom span longer than this is refused


@dataclass(frozen=True)
class Span:
    """The days [first, last] a page covers, and the periods its series is drawn in."""

    name: str
    first: date
    last: date
    granularity: str
    # A span to today ends with the current periods, whose values run to now.
    ends_today: bool = False

    @property
    def label(self) -> str:
        if self.name == "custom":
            return f"{self.first.isoformat()} – {self.last.isoformat()}"
        return str(SPAN_LABELS[self.name])

    def starts(self) -> list[date]:
        return list(periods.starts(self.first, self.last, self.granularity))

    @property
    def whole(self) -> str:
        """The coarsest granularity whose periods tile the span exactly."""
        for granularity in (MONTH, WEEK):
            start = periods.start_of(self.last, granularity)
            ends = (self.ends_today
                    or periods.next_start(start, granularity) == self.last + timedelta(days=1))
            if periods.start_of(self.first, granularity) == self.first and ends:
                return granularity
        return DAY


def series_granularity(first: date, last: date) -> str:
    days = (last - first).days + 1
    return DAY if days <= 62 else WEEK if days <= 190 else MONTH


def span_of(name: str, today: date, first: date | None = None, last: date | None = None
            ) -> Span:
    """The span a selector names, up to today (pure). Raises ValueError for an
    unknown name or custom dates out of order or too far apart."""
    span = _span_of(name, today, first, last)
    return Span(span.name, span.first, span.last, span.granularity, span.last == today)


def _span_of(name: str, today: date, first: date | None, last: date | None) -> Span:
    monday = today - timedelta(days=today.weekday())
    month = today.replace(day=1)
    if name == "this_week":
        return Span(name, monday, today, DAY)
    if name == "last_week":
        return Span(name, monday - timedelta(days=7), monday - timedelta(days=1), DAY)
    if name == "this_month":
        return Span(name, month, today, DAY)
    if name == "last_month":
        previous = (month - timedelta(days=1)).replace(day=1)
        return Span(name, previous, month - timedelta(days=1), DAY)
    if name == "last_90_days":
        return Span(name, today - timedelta(days=89), today, WEEK)
    if name == "last_12_months":
        start = date(month.year, 1, 1) if month.month == 12 else date(
            month.year - 1, month.month + 1, 1)
        return Span(name, start, today, MONTH)
    if name == "custom":
        if first is None or last is None:
            raise ValueError(_("Give both dates of a custom span."))
        if last < first:
            raise ValueError(_("The span ends before it starts."))
        if (last - first).days > LONGEST_SPAN_DAYS:
            raise ValueError(_("A span covers at most three years."))
        return Span(name, first, last, series_granularity(first, last))
    raise ValueError(_("Unknown span."))


@dataclass(frozen=True)
class Reading:
    """A KPI's figure for one period (or a whole span) and slice."""

    kpi: Kpi
    value: float | None
    numerator: float = 0.0
    denominator: float | None = None


def _stored(kpi: str, granularity: str, dimension: str, first: date, last: date):
    return KpiValue.objects.filter(kpi=kpi, granularity=granularity, dimension=dimension,
                                   period_start__gte=periods.start_of(first, granularity),
                                   period_start__lte=last)


def series(kpi: str, span: Span, dimension: str = "overall", key: str = ""
           ) -> list[tuple[date, Reading]]:
    """The KPI in each period of the span, in order; a period with no value has a
    reading of None (nothing was counted), not zero. One query."""
    definition = BY_KEY[kpi]
    found = {start: Reading(definition, value, numerator, denominator)
             for start, value, numerator, denominator in
             _stored(kpi, span.granularity, dimension, span.first, span.last).filter(key=key)
             .values_list("period_start", "value", "numerator", "denominator")}
    return [(start, found.get(start, Reading(definition, None))) for start in span.starts()]


def _summed(kpis: Iterable[str], span: Span, dimension: str,
            keys: Iterable[str] | None = None) -> dict[tuple[str, str], Reading]:
    """{(kpi, key): the KPI over the whole span} for each key of the dimension (or
    `keys`): its periods' numerators and denominators added up, on the coarsest
    periods that tile the span; a level is its last period's. One query for the KPIs
    that add up, one for the levels. Tickets per person-day (distinct tickets over
    person-days) does not add up across periods: it has a figure for one day only."""
    kpis = [BY_KEY[kpi] for kpi in kpis]
    granularity = span.whole
    stored = KpiValue.objects.filter(
        granularity=granularity, dimension=dimension,
        period_start__gte=periods.start_of(span.first, granularity),
        period_start__lte=span.last)
    if keys is not None:
        stored = stored.filter(key__in=list(keys))
    levels = [kpi.key for kpi in kpis if kpi.aggregation == Aggregation.LEVEL]
    added = [kpi.key for kpi in kpis if kpi.aggregation != Aggregation.LEVEL and (
        kpi.aggregation != Aggregation.RATIO or span.first == span.last)]
    found: dict[tuple[str, str], Reading] = {}
    if added:
        for row in (stored.filter(kpi__in=added).values("kpi", "key")
                    .annotate(n=Sum("numerator"), d=Sum("denominator")).order_by()):
            kpi = BY_KEY[row["kpi"]]
            found[kpi.key, row["key"]] = Reading(kpi, kpi.value(row["n"], row["d"]),
                                                 row["n"], row["d"])
    if levels:
        last = periods.start_of(span.last, granularity)
        for kpi, key, value, numerator, denominator in (
                stored.filter(kpi__in=levels, period_start=last)
                .values_list("kpi", "key", "value", "numerator", "denominator")):
            found[kpi, key] = Reading(BY_KEY[kpi], value, numerator, denominator)
    return found


def totals(kpi: str, span: Span, dimension: str = "overall",
           keys: Iterable[str] | None = None) -> dict[str, Reading]:
    """The KPI over the whole span for each key of the dimension (or `keys`)."""
    return {key: reading for (_kpi, key), reading in _summed([kpi], span, dimension,
                                                             keys).items()}


def total(kpi: str, span: Span, dimension: str = "overall", key: str = "") -> Reading:
    return totals(kpi, span, dimension, [key]).get(key, Reading(BY_KEY[kpi], None))


def ranked(kpi: str, span: Span, dimension: str, *, limit: int = 10,
           keys: Iterable[str] | None = None) -> list[tuple[str, Reading]]:
    """The slices with the highest figure over the span, highest first."""
    found = [(key, reading) for key, reading in totals(kpi, span, dimension, keys).items()
             if reading.value is not None]
    found.sort(key=lambda item: (-item[1].value, item[0]))
    return found[:limit]


def by_key(kpis: Iterable[str], span: Span, dimension: str,
           keys: Iterable[str] | None = None) -> dict[str, dict[str, Reading]]:
    """{key: {kpi: reading over the span}}."""
    found: dict[str, dict[str, Reading]] = defaultdict(dict)
    for (kpi, key), reading in _summed(kpis, span, dimension, keys).items():
        found[key][kpi] = reading
    return found


def figures(kpis: Iterable[str], span: Span, dimension: str = "overall", key: str = ""
            ) -> dict[str, Reading]:
    """Several KPIs over the span for one slice (None where nothing was counted)."""
    kpis = list(kpis)
    summed = _summed(kpis, span, dimension, [key])
    return {kpi: summed.get((kpi, key), Reading(BY_KEY[kpi], None)) for kpi in kpis}
