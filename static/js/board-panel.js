// The card side panel: opens when htmx fills it, closes with its Close link or Escape, and
// gives the focus back to the card that opened it (found again by id: a column refresh may
// have replaced the link). After an action inside the panel (Move, Save...) the focus stays
// on the same control, or on the card's heading when that control is gone.
(() => {
  const panel = document.getElementById("card-panel");
  if (!panel) return;
  let cardId = null;
  let focusAfterSwap = null;

  // The link has an id, so htmx keeps the focus on it when a live refresh swaps its column.
  const cardLink = (id) => document.getElementById(`card-link-${id}`);

  const close = () => {
    panel.classList.remove("is-open");
    panel.replaceChildren();
    const link = cardId && cardLink(cardId);
    if (link) link.focus();
  };

  const focusHeading = () => {
    const heading = panel.querySelector("h2");
    if (heading) {
      heading.setAttribute("tabindex", "-1");
      heading.focus();
    }
  };

  document.body.addEventListener("htmx:beforeRequest", (event) => {
    const source = event.detail.elt;
    if (event.detail.target === panel) {
      const card = source.closest("[data-card-id]");
      cardId = card ? card.dataset.cardId : null;
      focusAfterSwap = null;
    } else if (panel.contains(source)) {
      const control = document.activeElement;
      focusAfterSwap = control && panel.contains(control) && control.id ? control.id : null;
    }
  });
  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target === panel) {
      panel.classList.add("is-open");
      focusHeading();
      return;
    }
    if (!panel.contains(event.detail.target) && event.detail.target.id !== "card-detail") return;
    const detail = panel.querySelector("#card-detail");
    if (detail) cardId = detail.dataset.cardId;
    const confirm = panel.querySelector("[data-confirm-delete]");
    const control = confirm || (focusAfterSwap && document.getElementById(focusAfterSwap));
    focusAfterSwap = null;
    if (control && panel.contains(control)) control.focus();
    else focusHeading();
  });
  panel.addEventListener("click", (event) => {
    if (event.target.closest("[data-panel-close]")) {
      event.preventDefault();
      close();
    }
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && panel.classList.contains("is-open")) close();
  });
})();
