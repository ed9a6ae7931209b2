// Flow charts drawn from the board's flow metrics JSON; the tables on the page hold the same data.
(() => {
  const root = document.querySelector("[data-flow-url]");
  if (!root || typeof Chart === "undefined") return;
  const palette = ["#1f5fbf", "#1a7f37", "#9a6700", "#b42318", "#6f42c1", "#0e7490", "#c2410c", "#5b6470"];

  const draw = (data) => {
    const series = data.cfd.series.slice().reverse();
    new Chart(document.getElementById("chart-cfd"), {
      type: "line",
      data: {
        labels: data.cfd.dates,
        datasets: series.map((s, i) => ({
          label: s.name,
          data: s.counts,
          fill: true,
          borderColor: palette[i % palette.length],
          backgroundColor: `${palette[i % palette.length]}55`,
          pointRadius: 0,
        })),
      },
      options: { scales: { y: { stacked: true, beginAtZero: true } }, interaction: { mode: "index", intersect: false } },
    });
    new Chart(document.getElementById("chart-throughput"), {
      type: "bar",
      data: {
        labels: data.throughput.map((w) => w.week),
        datasets: [{ label: "Cards done", data: data.throughput.map((w) => w.count), backgroundColor: palette[1] }],
      },
      options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    });
    new Chart(document.getElementById("chart-times"), {
      type: "bar",
      data: {
        labels: data.completed.map((c) => c.title),
        datasets: [
          { label: "Lead time (days)", data: data.completed.map((c) => c.lead_time_days), backgroundColor: palette[0] },
          { label: "Cycle time (days)", data: data.completed.map((c) => c.cycle_time_days), backgroundColor: palette[2] },
        ],
      },
      options: { scales: { x: { ticks: { display: data.completed.length <= 30 } }, y: { beginAtZero: true } } },
    });
  };

  fetch(root.dataset.flowUrl, { credentials: "same-origin" })
    .then((response) => response.json())
    .then(draw)
    .catch(() => root.prepend(Object.assign(document.createElement("p"), {
      className: "error",
      textContent: "The charts could not be loaded; the tables below have the same figures.",
    })));
})();
