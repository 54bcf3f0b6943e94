"""Figures as the dashboards and digests show them: a KPI's value in words with its
unit, a tile (value, target, standing, formula, drill-down), a trend or a ranking as
a `Chart`. Read from the stored values (`metrics.readings`); nothing here counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import formats
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from . import periods, readings
from .charts import Chart, Series
from .definitions import BY_KEY, DIMENSION_LABELS, Unit
from .readings import Reading, Span
from .targets import Targets


def shown(kpi: str, value: float | None) -> str:
    """A figure with its unit, in the reader's number format."""
    if value is None:
        return "—"
    unit = BY_KEY[kpi].unit
    if unit == Unit.COUNT:
        return formats.number_format(round(value), use_l10n=True, force_grouping=True)
    if unit == Unit.PERCENT:
        return _("%(value)s %%") % {"value": formats.number_format(value, 1, use_l10n=True)}
    if unit == Unit.HOURS:
        return _("%(value)s h") % {"value": formats.number_format(value, 1, use_l10n=True)}
    if unit == Unit.SCORE:
        return _("%(value)s / 5") % {"value": formats.number_format(value, 2, use_l10n=True)}
    return formats.number_format(value, 2, use_l10n=True, force_grouping=True)


def drill(kpi: str, first: date, last: date, dimension: str = "overall", key: str = "") -> str:
    """The page of the tickets a figure counts."""
    query = {"kpi": kpi, "from": first.isoformat(), "to": last.isoformat()}
    if dimension != "overall":
        query |= {"dimension": dimension, "key": key}
    return f"{reverse('metrics:tickets')}?{urlencode(query)}"


def period_last(start: date, span: Span) -> date:
    """The last day of the series period starting at `start`, within the span."""
    return min(periods.next_start(start, span.granularity) - timedelta(days=1), span.last)


def period_label(start: date, span: Span) -> str:
    if span.granularity == readings.MONTH:
        return formats.date_format(start, "YEAR_MONTH_FORMAT")
    if span.granularity == readings.WEEK:
        return _("Week of %(date)s") % {"date": formats.date_format(start, "SHORT_DATE_FORMAT")}
    return formats.date_format(start, "SHORT_DATE_FORMAT")


@dataclass
class Tile:
    """One big figure: what it is, its value against its target, where its tickets are."""

    label: str | Promise
    value: str
    link: str | None = None
    standing: str | None = None
    formula: str | Promise = ""
    target: str = ""
    note: str | Promise = ""


def kpi_tile(kpi: str, reading: Reading, span: Span, targets: Targets, *,
             dimension: str = "overall", key: str = "", service_id: int | None = None) -> Tile:
    definition = BY_KEY[kpi]
    target = targets.of(kpi, service_id)
    return Tile(
        label=definition.name, value=shown(kpi, reading.value),
        link=drill(kpi, span.first, span.last, dimension, key)
        if reading.value is not None and definition.computed else None,
        standing=targets.judge(kpi, reading.value, service_id), formula=definition.formula,
        target=shown(kpi, target.target) if target else "",
        note="" if definition.computed else _("Measured once %(source)s feed it.")
        % {"source": definition.fed_by})


def trend(chart_id: str, title: str | Promise, kpis: list[str], span: Span, *,
          dimension: str = "overall", key: str = "", kind: str = "line",
          targets: Targets | None = None, service_id: int | None = None) -> Chart:
    """The KPIs by period over the span (one query each), each point linked to its
    tickets; a target (of the first KPI) drawn as a reference line."""
    series = []
    labels: list[str] = []
    for kpi in kpis:
        points = readings.series(kpi, span, dimension, key)
        labels = [period_label(start, span) for start, _reading in points]
        series.append(Series(
            BY_KEY[kpi].name, [reading.value for _start, reading in points],
            [drill(kpi, max(start, span.first), period_last(start, span), dimension, key)
             if reading.value is not None else None for start, reading in points]))
    target = targets.of(kpis[0], service_id) if targets else None
    if target is not None:
        series.append(Series(_("Target"), [target.target] * len(labels), reference=True))
    units = {str(BY_KEY[kpi].unit) for kpi in kpis}
    return Chart(chart_id, title, kind, labels, series, unit=units.pop() if len(units) == 1
                 else "", formula=" ".join(str(BY_KEY[k].formula) for k in kpis),
                 period=span.label, label_title=_("Period"))


def ranking(chart_id: str, title: str | Promise, kpi: str, span: Span, dimension: str,
            names: dict[str, str], *, keys: Iterable[str] | None = None, limit: int = 10
            ) -> Chart:
    """A KPI over the span per slice, as horizontal bars (highest first)."""
    ranked = readings.ranked(kpi, span, dimension, limit=limit, keys=keys)
    return Chart(chart_id, title, "hbar", [names.get(key, key) for key, _r in ranked],
                 [Series(BY_KEY[kpi].name, [reading.value for _k, reading in ranked],
                         [drill(kpi, span.first, span.last, dimension, key)
                          for key, _r in ranked])],
                 unit=BY_KEY[kpi].unit, formula=BY_KEY[kpi].formula, period=span.label,
                 label_title=DIMENSION_LABELS[dimension])


def gauge(chart_id: str, kpi: str, reading: Reading, span: Span, targets: Targets, *,
          service_id: int | None = None) -> Chart | None:
    """A share over the span against its target, as a half dial from a floor below
    both (so 99.5 % and 99.9 % look apart) to 100 %; None without a value."""
    if reading.value is None:
        return None
    definition = BY_KEY[kpi]
    target = targets.of(kpi, service_id)
    lowest = min(reading.value, target.target if target else reading.value)
    floor = max(0.0, float(int(100 - 2 * (100 - lowest))))
    series = [Series(definition.name, [reading.value])]
    if target is not None:
        series.append(Series(_("Target"), [target.target], reference=True))
    return Chart(chart_id, definition.name, "gauge", [span.label], series,
                 unit=definition.unit, formula=definition.formula, period=span.label,
                 label_title=_("Period"), floor=floor, caption=shown(kpi, reading.value))
