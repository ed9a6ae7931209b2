// The live board: asks every few seconds whether the board changed since the version it shows.
// An unchanged board answers 204 with no body; a changed one names its changed columns in
// HX-Trigger events, and each column refreshes itself (see board-dnd.js for the listeners).
(() => {
  const POLL_MS = 2000;
  const board = () => document.querySelector("[data-board][data-changes-url]");
  if (!board()) return;
  let version = board().dataset.version || "";

  async function poll() {
    const current = board();
    if (!current || document.hidden || document.body.classList.contains("is-dragging")) return;
    const url = `${current.dataset.changesUrl}?since=${encodeURIComponent(version)}`;
    try {
      const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (response.status !== 200) return;
      const data = await response.json();
      version = String(data.version);
      for (const id of data.columns) htmx.trigger(document.body, `column-changed-${id}`);
    } catch (error) {
      // Offline for a moment: the next poll tries again.
    }
  }
  setInterval(poll, POLL_MS);
})();
