// Draws the analysis charts from the JSON that the page carries in
// <script type="application/json" id="chart-data"> (data, never executed):
// each <canvas data-chart="chart-KEY"> gets the chart KEY of that object.
(function () {
  "use strict";
  const COLOURS = ["#0d6efd", "#20c997", "#fd7e14", "#6f42c1", "#dc3545", "#198754", "#0dcaf0", "#6c757d"];

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
          })),
        },
        options: {
          animation: false,
          maintainAspectRatio: false,
          indexAxis: horizontal ? "y" : "x",
          plugins: { legend: { display: spec.series.length > 1 } },
          scales: { [horizontal ? "x" : "y"]: scale },
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
