// Charts of the "My progress" and team pages. The page passes its figures with json_script
// (<script type="application/json" id="progress-data">); nothing here is inline.
(function () {
  "use strict";

  var COLORS = ["#2563eb", "#dc6803", "#067647", "#7a5af8", "#c11574", "#0e9384"];

  function readData() {
    var node = document.getElementById("progress-data");
    if (!node) { return null; }
    try { return JSON.parse(node.textContent); } catch (error) { return null; }
  }

  function axisValues(axes, values) {
    return axes.map(function (axis) {
      var value = values ? values[axis.name] : null;
      return value === undefined ? null : value;
    });
  }

  function hasValues(list) {
    return list.some(function (value) { return value !== null; });
  }

  // On a narrow screen a long axis name takes two lines, so the chart keeps its size: at the
  // space nearest the middle, or for Japanese in the middle (never before a small kana).
  function twoLines(label) {
    var middle = Math.ceil(label.length / 2);
    var space = label.lastIndexOf(" ", middle);
    if (space < 1) { space = label.indexOf(" ", middle); }
    if (space > 0) { return [label.slice(0, space), label.slice(space + 1)]; }
    if (label.length <= 4 || /^[\x00-\x7f]*$/.test(label)) { return label; }
    while (middle < label.length - 1 && "ァィゥェォッャュョーぁぃぅぇぉっゃゅょ".indexOf(label.charAt(middle)) >= 0) { middle += 1; }
    return [label.slice(0, middle), label.slice(middle)];
  }

  function drawRadar(data) {
    var canvas = document.getElementById("radar-chart");
    if (!canvas || !data.radar) { return; }
    var narrow = canvas.parentElement.clientWidth < 480;
    var labels = data.axes.map(function (axis) { return narrow ? twoLines(axis.label) : axis.label; });
    var datasets = [{
      label: data.labels.now, data: axisValues(data.axes, data.radar.now),
      borderColor: COLORS[0], backgroundColor: "rgba(37, 99, 235, 0.2)"
    }];
    var before = axisValues(data.axes, data.radar.month_ago);
    if (hasValues(before)) {
      datasets.push({ label: data.labels.month_ago, data: before, borderColor: "#98a2b3",
        backgroundColor: "rgba(152, 162, 179, 0.15)", borderDash: [4, 4] });
    }
    new Chart(canvas, {
      type: "radar",
      data: { labels: labels, datasets: datasets },
      options: { responsive: true, maintainAspectRatio: false, layout: { padding: 0 },
        plugins: { legend: { position: "bottom" } },
        scales: { r: { min: 0, max: 100, ticks: { stepSize: 20, display: !narrow },
          pointLabels: { font: { size: narrow ? 11 : 13 }, padding: narrow ? 3 : 8 } } } }
    });
  }

  function drawAxisCharts(data) {
    if (!data.series) { return; }
    var points = data.series.points;
    var labels = points.map(function (point) { return point.start.slice(5); });
    data.axes.forEach(function (axis, index) {
      var canvas = document.querySelector('canvas[data-axis-chart="' + axis.name + '"]');
      if (!canvas) { return; }
      new Chart(canvas, {
        type: "line",
        data: { labels: labels, datasets: [{
          label: axis.label, data: points.map(function (point) { return point.scores[axis.name]; }),
          borderColor: COLORS[index % COLORS.length], backgroundColor: COLORS[index % COLORS.length],
          spanGaps: true, tension: 0.25, pointRadius: 3
        }] },
        options: { responsive: true, maintainAspectRatio: false, plugins: { legend: { display: false } },
          scales: { y: { min: 0, max: 100, ticks: { stepSize: 25 } } } }
      });
    });
  }

  function drawWeekly(data) {
    var canvas = document.getElementById("weekly-chart");
    if (!canvas || !data.weekly) { return; }
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: data.weekly.map(function (week) { return week.week.slice(5); }),
        datasets: [
          { label: data.labels.sessions, data: data.weekly.map(function (w) { return w.sessions; }),
            backgroundColor: COLORS[0], yAxisID: "sessions" },
          { label: data.labels.minutes, data: data.weekly.map(function (w) { return w.minutes; }),
            backgroundColor: "#98a2b3", yAxisID: "minutes" }
        ]
      },
      options: { responsive: true, maintainAspectRatio: false,
        scales: { sessions: { position: "left", beginAtZero: true, ticks: { precision: 0 } },
                  minutes: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false } } } }
    });
  }

  function draw() {
    var data = readData();
    if (!data || typeof Chart === "undefined") { return; }
    drawRadar(data);
    drawAxisCharts(data);
    drawWeekly(data);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
