// DORA trends: one line chart a key, with the band boundaries the page sends (#dora-bands) as dashed lines.
// The table on the page holds the same figures for readers without JavaScript.
(() => {
  const source = document.getElementById("dora-weeks");
  if (!source || typeof Chart === "undefined") return;
  const weeks = JSON.parse(source.textContent);
  // Boundaries in each key's unit, best band first, under the team's choices (dashboard/dora.py boundaries()).
  const bands = JSON.parse(document.getElementById("dora-bands").textContent);
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
    (bands[key] || []).forEach(([label, value], i) => datasets.push({
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
