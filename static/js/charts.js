// Draws the analysis charts from the JSON that the page carries in
// <script type="application/json" id="chart-data"> (data, never executed):
// each <canvas data-chart="chart-KEY"> gets the chart KEY of that object.
(function () {
  "use strict";
  const COLOURS = ["#0d6efd", "#20c997", "#fd7e14", "#6f42c1", "#dc3545", "#198754", "#0dcaf0", "#6c757d"];

  // Chart.js cuts a category label that is wider than the room its axis
  // gets (on a phone, "Shared income and maintenance fund" loses its start),
  // so long labels are broken into lines: between words, or between any two
  // Chinese characters.
  const TOKENS = /[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]|[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]+|\s+/g;
  const MAX_LINES = 2;
  const measure = document.createElement("canvas").getContext("2d");

  function wrap(text, maxWidth, font) {
    measure.font = font;
    if (measure.measureText(text).width <= maxWidth) {
      return text;
    }
    const lines = [];
    let line = "";
    for (const token of String(text).match(TOKENS) || []) {
      const candidate = line + token;
      if (line.trim() && !/^\s+$/.test(token) && measure.measureText(candidate).width > maxWidth) {
        lines.push(line.trim());
        line = token;
      } else {
        line = candidate;
      }
    }
    if (line.trim()) {
      lines.push(line.trim());
    }
    if (lines.length > MAX_LINES) {
      // Past two lines the rest is cut short; the table below the chart
      // and the tooltip give it whole.
      let last = lines.slice(MAX_LINES - 1).join(" ");
      while (last.length > 1 && measure.measureText(last + "…").width > maxWidth) {
        last = last.slice(0, -1);
      }
      lines.splice(MAX_LINES - 1, lines.length, last.trimEnd() + "…");
    }
    return lines.length > 1 ? lines : text;
  }

  function wrappedTicks(horizontal, count) {
    return function (value) {
      const label = this.getLabelForValue(value);
      const font = window.Chart.helpers.toFont(this.options.ticks.font).string;
      return wrap(label, labelRoom(this.chart.width, horizontal, count), font);
    };
  }

  // Chart.js gives a vertical axis at most half the width; below the bars,
  // each label has its share of the plot's width.
  function labelRoom(width, horizontal, count) {
    return Math.max(horizontal ? width * 0.48 - 12 : (width * 0.8) / Math.max(count, 1) - 8, 40);
  }

  // A horizontal bar chart shows every label (none skipped), so its box
  // grows with the lines its labels take at this width.
  function fitHeight(canvas, labels) {
    const box = canvas.parentElement;
    const font = window.Chart.helpers.toFont(window.Chart.defaults.font).string;
    const room = labelRoom(box.clientWidth, true, labels.length);
    const lines = Math.max(...labels.map((label) => [].concat(wrap(label, room, font)).length));
    box.style.height = Math.max(box.clientHeight, labels.length * (lines * 14.4 + 8) + 40) + "px";
  }

  function draw() {
    const source = document.getElementById("chart-data");
    if (!source || typeof window.Chart === "undefined") {
      return;
    }
    const charts = JSON.parse(source.textContent);
    document.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
      const spec = charts[canvas.getAttribute("data-chart").replace(/^chart-/, "").replace(/-/g, "_")];
      if (!spec) {
        return;
      }
      const horizontal = spec.type === "bar" && spec.labels.length > 6;
      const ticks = { precision: 0 };
      const scale = { beginAtZero: true, ticks: ticks };
      const categories = { ticks: { autoSkip: !horizontal, callback: wrappedTicks(horizontal, spec.labels.length) } };
      if (horizontal) {
        fitHeight(canvas, spec.labels);
      }
      if (spec.percent) {
        scale.max = 100;
        ticks.callback = (value) => value + "%";
      }
      new window.Chart(canvas, {
        type: spec.type,
        data: {
          labels: spec.labels,
          datasets: spec.series.map((series, index) => ({
            label: series.label,
            data: series.data,
            backgroundColor: COLOURS[index % COLOURS.length],
            borderColor: COLOURS[index % COLOURS.length],
            tension: 0.2,
            // Counts never dip below zero between two months, nor overshoot a peak.
            cubicInterpolationMode: "monotone",
          })),
        },
        options: {
          animation: false,
          maintainAspectRatio: false,
          indexAxis: horizontal ? "y" : "x",
          plugins: { legend: { display: spec.series.length > 1 } },
          scales: { [horizontal ? "x" : "y"]: scale, [horizontal ? "y" : "x"]: categories },
        },
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
