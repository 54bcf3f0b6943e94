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

  function draw(canvas) {
    const source = document.getElementById(canvas.dataset.chart);
    if (!source) return;
    const spec = JSON.parse(source.textContent);
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
