// Draws a survey's answers on the five levels, one stacked bar per service
// area (shares of its answers, very satisfied first), from the JSON the page
// carries in <script type="application/json" id="survey-distribution-data">
// (data, never executed) into <canvas data-survey-distribution>. The
// satisfaction rates are drawn by charts.js like every analysis chart.
(function () {
  "use strict";
  // Very satisfied … very dissatisfied: green to red.
  const COLOURS = { 5: "#146c43", 4: "#479f76", 3: "#a3cfbb", 2: "#fd7e14", 1: "#b02a37" };
  const measure = document.createElement("canvas").getContext("2d");

  // A long service area name is broken into lines that fit the axis: between
  // words, or between any two Chinese characters (as charts.js does).
  const TOKENS = /[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]|[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]+|\s+/g;

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
    return lines.length > 1 ? lines : text;
  }

  function draw() {
    const source = document.getElementById("survey-distribution-data");
    const canvas = document.querySelector("canvas[data-survey-distribution]");
    if (!source || !canvas || typeof window.Chart === "undefined") {
      return;
    }
    const spec = JSON.parse(source.textContent);
    if (!spec.labels.length) {
      return;
    }
    const box = canvas.parentElement;
    const room = Math.max(box.clientWidth * 0.4 - 12, 60);
    const font = window.Chart.helpers.toFont(window.Chart.defaults.font).string;
    const lines = Math.max(...spec.labels.map((label) => [].concat(wrap(label, room, font)).length));
    // Room for every bar and its label, and the legend above them.
    box.style.height = Math.max(box.clientHeight, spec.labels.length * (lines * 14.4 + 10) + 90) + "px";
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: spec.labels,
        datasets: spec.levels.map((level) => ({
          label: level.label,
          data: level.data,
          counts: level.counts,
          backgroundColor: COLOURS[level.level],
        })),
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        indexAxis: "y",
        plugins: {
          legend: { position: "top", labels: { boxWidth: 12 } },
          tooltip: {
            callbacks: {
              label: (item) =>
                item.dataset.label + ": " + item.raw + "% (" + item.dataset.counts[item.dataIndex] + ")",
            },
          },
        },
        scales: {
          x: { stacked: true, beginAtZero: true, max: 100, ticks: { callback: (value) => value + "%" } },
          y: {
            stacked: true,
            ticks: {
              autoSkip: false,
              callback: function (value) {
                return wrap(this.getLabelForValue(value), room, font);
              },
            },
          },
        },
      },
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
