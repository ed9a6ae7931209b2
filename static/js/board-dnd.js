// Drag and drop on the board. SortableJS moves the card on the page, then the move is POSTed
// with the neighbouring cards as anchors; the answer carries the fresh columns (the server's
// truth after concurrent moves or a refused WIP limit), which replace the ones on the page.
(() => {
  const board = document.querySelector("[data-board]");
  if (!board) return;
  const status = document.getElementById("board-status");
  const canWrite = board.hasAttribute("data-can-write") && typeof Sortable !== "undefined";
  const filterQs = board.dataset.filterQs || "";
  const csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"];

  const say = (text, isError) => {
    status.textContent = text || "";
    status.classList.toggle("is-error", Boolean(isError));
  };

  const moveUrl = (cardId) =>
    board.dataset.moveUrl.replace(/\/0\/move\/$/, `/${cardId}/move/`) + (filterQs ? `?${filterQs}` : "");

  const bind = (root) => {
    if (!canWrite) return;
    root.querySelectorAll(".board-cards").forEach((list) => {
      if (Sortable.get(list)) return;
      Sortable.create(list, {
        group: "board",
        animation: 120,
        draggable: ".board-card",
        filter: ".board-more",
        ghostClass: "is-ghost",
        // Pointer events instead of native HTML5 drag: the same on touch screens and in every browser.
        forceFallback: true,
        onEnd: onDrop,
      });
    });
  };

  const replaceColumn = (id, html) => {
    const old = document.getElementById(`column-${id}`);
    if (!old) return;
    const template = document.createElement("template");
    template.innerHTML = html.trim();
    const fresh = template.content.firstElementChild;
    old.replaceWith(fresh);
    htmx.process(fresh);
    bind(fresh);
  };

  async function onDrop(event) {
    if (event.from === event.to && event.oldIndex === event.newIndex) return;
    const item = event.item;
    const list = event.to;
    // The nearest cards around the drop (skipping the "Show more" row) anchor the new place.
    const sibling = (start, step) => {
      let node = start[step];
      while (node && !node.dataset.cardId) node = node[step];
      return node;
    };
    const prev = sibling(item, "previousElementSibling");
    const next = sibling(item, "nextElementSibling");
    const body = new URLSearchParams();
    body.set("column", list.dataset.column);
    body.set("swimlane", list.dataset.swimlane || "");
    body.set("position", String(event.newIndex));
    if (prev) body.set("after", prev.dataset.cardId);
    if (next) body.set("before", next.dataset.cardId);
    board.setAttribute("aria-busy", "true");
    try {
      const response = await fetch(moveUrl(item.dataset.cardId), {
        method: "POST",
        headers: { "X-CSRFToken": csrf, Accept: "application/json" },
        body,
        credentials: "same-origin",
      });
      const data = await response.json();
      (data.columns || []).forEach((column) => replaceColumn(column.id, column.html));
      say(data.detail, !response.ok);
    } catch (error) {
      say("The move could not be saved (network error). Reload the page to see the board as it is.", true);
    } finally {
      board.removeAttribute("aria-busy");
    }
  }

  // A change made in the card panel (edit, keyboard move, checklist) refreshes its columns.
  document.body.addEventListener("card-changed", async (event) => {
    for (const id of event.detail.columns || []) {
      const column = document.getElementById(`column-${id}`);
      if (!column) continue;
      const response = await fetch(column.dataset.refreshUrl, { credentials: "same-origin" });
      if (response.ok) replaceColumn(id, await response.text());
    }
  });

  // Quick-add swaps a whole column through htmx: bind the new lists too.
  htmx.onLoad((element) => bind(element));
  bind(board);
})();
