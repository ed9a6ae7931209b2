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

  // A column told to refresh while its previous request is in flight (a poll's refresh, asked
  // before a move was saved, when the move's own refresh comes): htmx would queue the new request
  // on the old element, which the first answer swaps out, and then drop it, leaving the column as
  // that older answer drew it. Hold such a refresh back and ask again once the request is over,
  // on the column then in the page: the last refresh asked for always runs, after the one before.
  // The board carries aria-busy while a column refresh is in flight or held back.
  const COLUMN = ".board-column[data-column-id]";
  const inFlight = new Set();
  const heldBack = new Set();
  const columnOf = (event) => {
    const element = event.detail.requestConfig ? event.detail.requestConfig.elt : event.detail.elt;
    return element instanceof Element && element.matches(COLUMN) ? element : null;
  };
  const showBusy = () => {
    const current = board();
    if (!current) return;
    if (inFlight.size || heldBack.size) current.setAttribute("aria-busy", "true");
    else current.removeAttribute("aria-busy");
  };
  const askAgain = (column) => {
    if (heldBack.delete(column.dataset.columnId)) htmx.trigger(document.body, `column-changed-${column.dataset.columnId}`);
  };
  document.body.addEventListener("htmx:confirm", (event) => {
    const column = columnOf(event);
    if (!column || !inFlight.has(column)) return;
    event.preventDefault();
    heldBack.add(column.dataset.columnId);
    showBusy();
  });
  document.body.addEventListener("htmx:beforeRequest", (event) => {
    const column = columnOf(event);
    if (column) inFlight.add(column);
    showBusy();
  });
  // A request whose column was swapped out ends on its nearest ancestor still in the page (htmx).
  document.body.addEventListener("htmx:afterRequest", (event) => {
    const column = columnOf(event);
    if (!column) return;
    inFlight.delete(column);
    if (column.isConnected) askAgain(column); // not swapped (an error): it still listens
    showBusy();
  });
  // A swapped-in column (or board) listens once htmx has processed it: ask again then.
  htmx.onLoad((element) => {
    if (!(element instanceof Element)) return;
    for (const column of element.matches(COLUMN) ? [element] : element.querySelectorAll(COLUMN)) askAgain(column);
    showBusy();
  });
})();
