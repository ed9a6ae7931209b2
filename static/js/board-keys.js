// Keyboard shortcuts on the board (listed in the "?" dialog): move the focus between cards,
// open one, move it to the next or previous column, start a new card. Keys typed into a field
// are the field's; a move goes through the same endpoint as a drop, and the focus follows the card.
(() => {
  const board = () => document.querySelector("[data-board]");
  if (!board()) return;
  const dialog = document.getElementById("board-shortcuts");
  const columns = () => [...board().querySelectorAll(".board-column[data-column-id]")];
  const cardsOf = (column) => [...column.querySelectorAll(".board-card .board-card-title")];
  const current = () => document.activeElement && document.activeElement.closest(".board-card");
  const focusCard = (link) => link && link.focus();
  let follow = null; // the card id to focus again once its columns have refreshed

  const step = (delta) => {
    const card = current();
    if (!card) return focusCard(board().querySelector(".board-card .board-card-title"));
    const links = cardsOf(card.closest(".board-column"));
    const index = links.indexOf(card.querySelector(".board-card-title"));
    return focusCard(links[index + delta]);
  };
  const across = (delta) => {
    const all = columns();
    const card = current();
    let index = card ? all.indexOf(card.closest(".board-column")) + delta : 0;
    while (all[index] && !cardsOf(all[index]).length) index += delta; // skip empty columns
    if (all[index]) focusCard(cardsOf(all[index])[0]);
  };
  const move = (delta) => {
    const card = current();
    if (!card || !board().hasAttribute("data-can-write")) return;
    const all = columns();
    const target = all[all.indexOf(card.closest(".board-column")) + delta];
    if (!target) return;
    const list = card.closest(".board-cards");
    const url = board().dataset.moveUrl.replace(/\/0\/move\/$/, `/${card.dataset.cardId}/move/`);
    const values = { column: target.dataset.columnId, swimlane: (list && list.dataset.swimlane) || "", position: 0 };
    follow = card.dataset.cardId;
    htmx.ajax("POST", url + (board().dataset.filterQs ? `?${board().dataset.filterQs}` : ""), { source: card, swap: "none", values });
  };
  const newCard = () => {
    const card = current();
    const column = card ? card.closest(".board-column") : columns()[0];
    const input = column && column.querySelector("[data-quick-add] input[name=title]");
    if (input) input.focus();
  };

  htmx.onLoad(() => {
    const link = follow && document.getElementById(`card-link-${follow}`);
    if (link) {
      link.focus();
      follow = null;
    }
  });

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const typing = event.target.closest && event.target.closest("input, textarea, select, [contenteditable]");
    if (typing || (dialog.open && event.key !== "?")) return;
    const inBoard = board().contains(document.activeElement) || document.activeElement === document.body;
    const actions = {
      "?": () => (dialog.open ? dialog.close() : dialog.showModal()),
      j: () => step(1), ArrowDown: () => step(1), k: () => step(-1), ArrowUp: () => step(-1),
      h: () => across(-1), ArrowLeft: () => across(-1), l: () => across(1), ArrowRight: () => across(1),
      o: () => current() && current().querySelector(".board-card-title").click(),
      "[": () => move(-1), "]": () => move(1), n: () => newCard(),
    };
    const action = actions[event.key];
    if (!action || (event.key !== "?" && !inBoard)) return;
    if (event.key.startsWith("Arrow") && !current()) return; // arrows scroll the page until a card has the focus
    event.preventDefault();
    action();
  });
})();
