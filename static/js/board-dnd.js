// Drag and drop on the board. SortableJS moves the card on the page, then the move is sent
// through htmx with the neighbouring cards as anchors. The answer's HX-Trigger events refresh
// the changed columns (each column listens for its own event) and fill the status line, so
// the page shows the server's truth after concurrent moves or a refused WIP limit.
(() => {
  if (!document.querySelector("[data-board]")) return;
  // SortableJS leaves style attributes on cards; htmx would copy them onto the swapped-in
  // cards with setAttribute, which the strict CSP refuses. Settle without "style".
  htmx.config.attributesToSettle = htmx.config.attributesToSettle.filter((name) => name !== "style");
  const status = document.getElementById("board-status");
  const board = () => document.querySelector("[data-board]");
  const canWrite = () => board().hasAttribute("data-can-write") && typeof Sortable !== "undefined";

  document.body.addEventListener("board-status", (event) => {
    status.textContent = event.detail.text || "";
    status.classList.toggle("is-error", Boolean(event.detail.refused));
  });

  const moveUrl = (cardId) => {
    const { moveUrl: url, filterQs } = board().dataset;
    return url.replace(/\/0\/move\/$/, `/${cardId}/move/`) + (filterQs ? `?${filterQs}` : "");
  };

  // The nearest cards around the drop (skipping the "Show more" row) anchor the new place.
  const sibling = (start, step) => {
    let node = start[step];
    while (node && !node.dataset.cardId) node = node[step];
    return node;
  };

  // Column refreshes that arrived mid-drag were not swapped in (that would pull the list from under
  // the pointer). The poll that asked for them has already moved its version on, so no later poll
  // asks again: ask for them once the drop is over (after the move's own answer, when there is one).
  const missed = new Set();
  const catchUp = () => {
    const ids = [...missed];
    missed.clear();
    for (const id of ids) htmx.trigger(document.body, `column-changed-${id}`);
  };

  function onDrop(event) {
    document.body.classList.remove("is-dragging");
    if (event.from === event.to && event.oldIndex === event.newIndex) {
      catchUp();
      return;
    }
    const item = event.item;
    const list = event.to;
    const values = { column: list.dataset.column, swimlane: list.dataset.swimlane || "", position: event.newIndex };
    const prev = sibling(item, "previousElementSibling");
    const next = sibling(item, "nextElementSibling");
    if (prev) values.after = prev.dataset.cardId;
    if (next) values.before = next.dataset.cardId;
    htmx.ajax("POST", moveUrl(item.dataset.cardId), { source: item, swap: "none", values }).then(catchUp, catchUp);
  }

  const bind = (root) => {
    if (!canWrite()) return;
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
        onStart: () => document.body.classList.add("is-dragging"),
        onEnd: onDrop,
      });
    });
  };

  // A swapped column (refresh, quick-add, filters) brings new lists: bind them too.
  htmx.onLoad((element) => {
    bind(element);
    // After a quick-add the fresh column's input takes the focus back, ready for the next card.
    const input = element.querySelector && element.querySelector("[data-focus-after-swap]");
    if (input && element.matches(".board-column")) input.focus();
  });
  // What someone is typing in a column (a quick-add title) survives that column's refresh.
  let typing = null;
  document.body.addEventListener("htmx:beforeSwap", (event) => {
    const target = event.detail.target;
    if (!target.matches(".board-column")) return;
    // A refresh never swaps out a column while a card is being dragged: it is asked again after the drop.
    if (document.body.classList.contains("is-dragging")) {
      event.detail.shouldSwap = false;
      missed.add(target.dataset.columnId);
      return;
    }
    const active = document.activeElement;
    const refresh = event.detail.requestConfig && event.detail.requestConfig.verb === "get";
    if (refresh && active && active.id && active.value && target.contains(active)) {
      typing = { id: active.id, value: active.value };
    }
  });
  htmx.onLoad((element) => {
    const field = typing && element.querySelector && element.querySelector(`#${CSS.escape(typing.id)}`);
    if (!field) return;
    if (!field.value) field.value = typing.value;
    typing = null;
  });
  bind(document);
})();
