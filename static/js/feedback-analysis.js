// The feedback analysis's addition to charts.js, which draws the charts:
// a canvas with data-line="80" gets a dashed line at that value (the 80 %
// satisfaction line), labelled with its data-line-label, and its bars under
// the line turn red (the tables say the same in words). Loaded after Chart.js and before charts.js, so the
// plugin is registered before the charts are made.
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") {
    return;
  }
  const LINE_COLOUR = "#dc3545";
  const BELOW_COLOUR = "#dc3545";

  function lineOf(chart) {
    const value = Number(chart.canvas.getAttribute("data-line"));
    return Number.isFinite(value) && value > 0 ? value : null;
  }

  function valueScale(chart) {
    return chart.scales[chart.options.indexAxis === "y" ? "x" : "y"];
  }

  window.Chart.register({
    id: "satisfactionLine",
    beforeUpdate(chart) {
      const line = lineOf(chart);
      if (line === null || chart.config.type !== "bar") {
        return;
      }
      chart.data.datasets.forEach((dataset) => {
        if (dataset.lineBase === undefined) {
          dataset.lineBase = dataset.backgroundColor;
        }
        const colours = dataset.data.map((value) =>
          value !== null && value < line ? BELOW_COLOUR : dataset.lineBase,
        );
        dataset.backgroundColor = colours;
        dataset.borderColor = colours;
      });
    },
    afterDatasetsDraw(chart) {
      const line = lineOf(chart);
      const scale = line === null ? null : valueScale(chart);
      if (!scale) {
        return;
      }
      const area = chart.chartArea;
      const at = scale.getPixelForValue(line);
      const horizontal = chart.options.indexAxis === "y";
      const context = chart.ctx;
      context.save();
      context.strokeStyle = LINE_COLOUR;
      context.fillStyle = LINE_COLOUR;
      context.lineWidth = 2;
      context.setLineDash([6, 4]);
      context.beginPath();
      if (horizontal) {
        context.moveTo(at, area.top);
        context.lineTo(at, area.bottom);
      } else {
        context.moveTo(area.left, at);
        context.lineTo(area.right, at);
      }
      context.stroke();
      const label = chart.canvas.getAttribute("data-line-label");
      if (label) {
        // Where the weakest (first) bars leave room: they are sorted weakest
        // first, so just past the line beside the first bar stays empty.
        context.setLineDash([]);
        context.font = window.Chart.helpers.toFont({ size: 11, weight: "bold" }).string;
        context.textAlign = "left";
        if (horizontal) {
          context.textBaseline = "top";
          context.fillText(label, Math.min(at + 4, area.right - context.measureText(label).width), area.top + 2);
        } else {
          context.textBaseline = "bottom";
          context.fillText(label, area.left + 4, at - 3);
        }
      }
      context.restore();
    },
  });
})();
