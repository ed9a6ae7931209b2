// DORA trends: one line chart a key, with the band boundaries of dashboard/dora.py as dashed lines.
// The table on the page holds the same figures for readers without JavaScript.
(() => {
  const source = document.getElementById("dora-weeks");
  if (!source || typeof Chart === "undefined") return;
  const weeks = JSON.parse(source.textContent);
  // Boundaries in each key's unit (per day, hours, ratio), best band first: CONTRACT's thresholds.
  const bands = {
    deployment_frequency: [["elite ≥ 1/day", 1], ["high ≥ 1/week", 1 / 7], ["medium ≥ 1/month", 1 / 30]],
    lead_time_for_changes: [["elite < 1 day", 24], ["high < 1 week", 168], ["medium < 1 month", 720]],
    change_failure_rate: [["elite ≤ 5 %", 0.05], ["high ≤ 10 %", 0.1], ["medium ≤ 15 %", 0.15]],
    time_to_restore: [["elite < 1 h", 1], ["high < 1 day", 24], ["medium < 1 week", 168]],
  };
  const colours = ["#1a7f37", "#1f5fbf", "#9a6700"];
  const labels = weeks.map((week) => week.starts);
  document.querySelectorAll("[data-dora-trends] canvas[data-key]").forEach((canvas) => {
    const key = canvas.dataset.key;
    const datasets = [{
      label: "value",
      data: weeks.map((week) => week[key].value),
      borderColor: "#1f2328",
      backgroundColor: "#1f2328",
      spanGaps: false,
    }];
    bands[key].forEach(([label, value], i) => datasets.push({
      label,
      data: labels.map(() => value),
      borderColor: colours[i],
      borderDash: [6, 4],
      pointRadius: 0,
      borderWidth: 1,
    }));
    new Chart(canvas, { type: "line", data: { labels, datasets }, options: { scales: { y: { beginAtZero: true } } } });
  });
})();
