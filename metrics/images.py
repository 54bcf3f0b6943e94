"""A `Chart` as a PNG, for email (mail readers show no script and rarely SVG): drawn
with matplotlib, in the dashboards' palette, point styles and dashes, so no series is
told apart by colour alone. Imported only by whoever sends a digest."""

from __future__ import annotations

import io

from .charts import DASHES, PALETTE, Chart

MARKERS = ("o", "^", "s", "D", "*", "x", "+", "_")
UNIT_SUFFIX = {"percent": " %", "hours": " h"}


def png(chart: Chart, *, width: float = 6.0, height: float = 2.4) -> bytes:
    """The chart drawn at 100 dpi (600 × 240 pixels by default)."""
    import matplotlib

    matplotlib.use("Agg")  # no display; safe to call again
    from matplotlib import pyplot
    from matplotlib.ticker import FuncFormatter

    figure, axes = pyplot.subplots(figsize=(width, height), dpi=100)
    try:
        positions = list(range(len(chart.labels)))
        drawn = 0
        bars = [s for s in chart.series if not s.reference]
        for line in chart.series:
            values = [float("nan") if v is None else v for v in line.values]
            if line.reference:
                axes.plot(positions, values, color="#5d6677", linestyle=(0, (6, 6)),
                          linewidth=1.2, label=str(line.name))
                continue
            colour = PALETTE[drawn % len(PALETTE)]
            if chart.kind == "line":
                dash = DASHES[drawn % len(DASHES)]
                axes.plot(positions, values, color=colour, marker=MARKERS[drawn % len(MARKERS)],
                          markersize=4, linewidth=1.6, label=str(line.name),
                          linestyle=(0, dash) if dash else "-")
            else:
                step = 0.8 / len(bars)
                axes.bar([p - 0.4 + step * (drawn + 0.5) for p in positions], values,
                         width=step, color=colour, label=str(line.name),
                         hatch=("", "//", "..", "xx")[drawn % 4], edgecolor="white")
            drawn += 1
        suffix = UNIT_SUFFIX.get(str(chart.unit), "")
        axes.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}{suffix}"))
        shown = max(1, len(positions) // 6)
        axes.set_xticks(positions[::shown], [chart.labels[p] for p in positions[::shown]],
                        fontsize=7)
        axes.tick_params(axis="y", labelsize=7)
        axes.grid(axis="y", color="#e3e6eb", linewidth=0.6)
        axes.spines[["top", "right"]].set_visible(False)
        if len(chart.series) > 1:
            axes.legend(fontsize=7, frameon=False, loc="best")
        figure.tight_layout()
        out = io.BytesIO()
        figure.savefig(out, format="png")
        return out.getvalue()
    finally:
        pyplot.close(figure)
