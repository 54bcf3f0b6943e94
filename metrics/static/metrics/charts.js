// Draws each dashboard chart from the data the page embeds (metrics/charts.py):
// lines, bars, stacked and horizontal bars with Chart.js (vendored). A point with
// tickets behind it opens them when clicked. The table beside each chart holds the
// same figures for print and screen readers.
(function () {
  "use strict";
  if (typeof Chart === "undefined") return;
  Chart.defaults.animation = false;
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = "#1d2330";
  const charts = [];

  function unitText(unit) {
    return { percent: " %", hours: " h", score: " / 5" }[unit] || "";
  }

  // A share against its target as a half dial from `floor` to 100, the target a tick.
  function drawGauge(canvas, spec) {
    const value = spec.datasets[0].data[0];
    const target = spec.datasets.length > 1 ? spec.datasets[1].data[0] : null;
    const floor = spec.floor || 0;
    const shown = Math.max(0, value - floor);
    const marks = {
      id: "gaugeMarks",
      afterDraw: function (chart) {
        const arc = chart.getDatasetMeta(0).data[0];
        if (!arc) return;
        const ctx = chart.ctx;
        const x = arc.x, y = arc.y, outer = arc.outerRadius, inner = arc.innerRadius;
        ctx.save();
        ctx.fillStyle = "#1d2330";
        ctx.textAlign = "center";
        ctx.font = "600 22px " + Chart.defaults.font.family;
        ctx.fillText(spec.caption || String(value), x, y - 6);
        ctx.font = "11px " + Chart.defaults.font.family;
        ctx.fillStyle = "#5d6677";
        ctx.fillText(floor + unitText(spec.unit), x - (outer + inner) / 2, y + 14);
        ctx.fillText("100" + unitText(spec.unit), x + (outer + inner) / 2, y + 14);
        if (target !== null) {
          const angle = Math.PI + Math.PI * Math.min(1, Math.max(0, (target - floor) / (100 - floor)));
          ctx.strokeStyle = "#1d2330";
          ctx.lineWidth = 3;
          ctx.beginPath();
          ctx.moveTo(x + Math.cos(angle) * (inner - 4), y + Math.sin(angle) * (inner - 4));
          ctx.lineTo(x + Math.cos(angle) * (outer + 4), y + Math.sin(angle) * (outer + 4));
          ctx.stroke();
        }
        ctx.restore();
      },
    };
    charts.push(new Chart(canvas, {
      type: "doughnut",
      data: { labels: [spec.datasets[0].label, ""], datasets: [{
        data: [shown, Math.max(0, 100 - value)], backgroundColor: [spec.datasets[0].borderColor, "#e3e6eb"],
        borderWidth: 0,
      }] },
      options: {
        rotation: -90, circumference: 180, cutout: "68%", responsive: true,
        maintainAspectRatio: false, layout: { padding: { bottom: 18 } },
        plugins: { legend: { display: false }, tooltip: { enabled: false } },
      },
      plugins: [marks],
    }));
  }

  function draw(canvas) {
    const source = document.getElementById(canvas.dataset.chart);
    if (!source) return;
    const spec = JSON.parse(source.textContent);
    if (spec.kind === "gauge") return drawGauge(canvas, spec);
    const horizontal = spec.kind === "hbar";
    const stacked = spec.kind === "stacked";
    const type = spec.kind === "line" ? "line" : "bar";
    const datasets = spec.datasets.map(function (d) {
      return {
        label: d.label, data: d.data, links: d.links, borderColor: d.borderColor,
        backgroundColor: type === "line" ? d.backgroundColor : d.backgroundColor + (d.reference ? "00" : "cc"),
        borderDash: d.borderDash, pointStyle: d.reference ? "line" : d.pointStyle,
        pointRadius: d.reference ? 0 : 4,
        pointHoverRadius: d.reference ? 0 : 6, borderWidth: 2, spanGaps: false,
        type: d.reference ? "line" : undefined, fill: false,
      };
    });
    // Bars start at zero; a line's axis fits its values (99.5 % and 99.9 % differ).
    const valueAxis = {
      beginAtZero: type === "bar", stacked: stacked,
      suggestedMax: spec.unit === "percent" ? 100 : spec.unit === "score" ? 5 : undefined,
      ticks: {
        callback: function (v) {
          return (Math.round(v * 100) / 100) + (spec.unit === "score" ? "" : unitText(spec.unit));
        },
      },
    };
    const labelAxis = { stacked: stacked, ticks: { autoSkip: true, maxRotation: 0 } };
    const chart = new Chart(canvas, {
      type: type,
      data: { labels: spec.labels, datasets: datasets },
      options: {
        indexAxis: horizontal ? "y" : "x", responsive: true, maintainAspectRatio: false,
        interaction: { mode: horizontal ? "nearest" : "index", intersect: false },
        scales: horizontal ? { x: valueAxis, y: labelAxis } : { x: labelAxis, y: valueAxis },
        plugins: {
          legend: { display: datasets.length > 1, labels: { usePointStyle: true } },
          tooltip: {
            callbacks: {
              label: function (item) {
                const v = item.raw === null ? "—" : (Math.round(item.raw * 100) / 100) + unitText(spec.unit);
                return item.dataset.label + ": " + v;
              },
            },
          },
        },
        onClick: function (event, elements) {
          if (!elements.length) return;
          const hit = elements[0];
          const links = datasets[hit.datasetIndex].links || [];
          if (links[hit.index]) window.location.href = links[hit.index];
        },
        onHover: function (event, elements) {
          const hit = elements[0];
          const link = hit && (datasets[hit.datasetIndex].links || [])[hit.index];
          event.native.target.style.cursor = link ? "pointer" : "default";
        },
      },
    });
    charts.push(chart);
  }

  function start() {
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
    // Choosing a date makes the period a custom one.
    document.querySelectorAll(".dash-filter input[type=date]").forEach(function (input) {
      input.addEventListener("change", function () {
        const span = input.form.querySelector("select[name=span]");
        if (span) span.value = "custom";
      });
    });
  }
  window.addEventListener("beforeprint", function () { charts.forEach(function (c) { c.resize(); }); });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
