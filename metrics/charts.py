"""A dashboard's charts as data: what the page draws (Chart.js, vendored, in
`static/metrics/charts.js`), the table printed beside it for print and screen readers,
and its CSV export are one `Chart` each, so they never disagree.

Colours are the Okabe–Ito palette, legible to the colour-blind; each series also has
its own point style and dash, so no figure is told apart by colour alone.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpResponse
from django.utils.functional import Promise
from django.utils.text import slugify

PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000",
           "#F0E442")
POINT_STYLES = ("circle", "triangle", "rect", "rectRot", "star", "crossRot", "cross", "line")
DASHES = ((), (6, 4), (2, 3), (8, 3, 2, 3))
# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Series:
    name: str | Promise
    values: list[float | None]
    # Where each point's tickets are listed (the drill-down), if anywhere.
    links: list[str | None] = field(default_factory=list)
    # A line drawn for comparison (a target): dashed, no points, not clickable.
    reference: bool = False


@dataclass
class Chart:
    id: str
    title: str | Promise
    kind: str  # "line", "bar", "stacked" (bars), "hbar" (horizontal bars), "gauge"
    labels: list[str]
    series: list[Series]
    unit: str | Promise = ""
    formula: str | Promise = ""  # shown on hover of the title
    period: str = ""  # the span it covers, e.g. "Last 12 months"
    label_title: str | Promise = ""  # the heading of the labels' column
    # A gauge's dial starts here (it ends at 100): below the value and its target.
    floor: float | None = None
    caption: str = ""  # a gauge's value, as the page writes it

    @property
    def is_empty(self) -> bool:
        return not any(value is not None for s in self.series if not s.reference
                       for value in s.values)

    def config(self) -> dict[str, Any]:
        """What charts.js needs to draw it (JSON-safe)."""
        datasets = []
        drawn = 0  # series drawn so far, not counting reference lines
        for s in self.series:
            at_drawn = drawn % len(PALETTE)
            colour = "#5d6677" if s.reference else PALETTE[at_drawn]
            drawn += 0 if s.reference else 1
            datasets.append({
                "label": str(s.name), "data": s.values, "links": s.links,
                "borderColor": colour, "backgroundColor": colour,
                "pointStyle": False if s.reference else POINT_STYLES[at_drawn % len(POINT_STYLES)],
                "borderDash": list((6, 6) if s.reference else DASHES[at_drawn % len(DASHES)]),
                "reference": s.reference,
            })
        return {"kind": self.kind, "labels": self.labels, "datasets": datasets,
                "unit": str(self.unit), "floor": self.floor, "caption": self.caption}

    def rows(self) -> list[list[Any]]:
        """The table: a header, then one row per label."""
        header = [str(self.label_title), *(str(s.name) for s in self.series)]
        return [header, *([label, *(s.values[at] for s in self.series)]
                          for at, label in enumerate(self.labels))]

    def table(self) -> tuple[list[str], list[tuple[str, list[tuple[float | None, str | None]]]]]:
        """The rows for the HTML table, each value with its drill-down link."""
        header = [str(s.name) for s in self.series]
        body = [(label, [(s.values[at], s.links[at] if at < len(s.links) else None)
                         for s in self.series]) for at, label in enumerate(self.labels)]
        return header, body


def neutralised(cell: Any) -> Any:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def csv_response(chart: Chart) -> HttpResponse:
    """The chart's data as a CSV download."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in chart.rows():
        writer.writerow([neutralised(_cell(cell)) for cell in row])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    name = slugify(f"{chart.id}-{chart.period}") or chart.id
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float):
        return int(value) if value.is_integer() else round(value, 4)
    return value


def find(charts: Sequence[Chart], chart_id: str) -> Chart | None:
    return next((chart for chart in charts if chart.id == chart_id), None)
