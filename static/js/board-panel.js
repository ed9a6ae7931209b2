// The card side panel: opens when htmx fills it, closes with its Close link or Escape, and
// gives the focus back to the card that opened it.
(() => {
  const panel = document.getElementById("card-panel");
  if (!panel) return;
  let opener = null;

  const close = () => {
    panel.classList.remove("is-open");
    panel.replaceChildren();
    if (opener && document.body.contains(opener)) opener.focus();
  };

  document.body.addEventListener("htmx:beforeRequest", (event) => {
    if (event.detail.target === panel) opener = event.detail.elt;
  });
  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target !== panel) return;
    panel.classList.add("is-open");
    const heading = panel.querySelector("h2");
    if (heading) {
      heading.setAttribute("tabindex", "-1");
      heading.focus();
    }
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
