// Retro meeting page: the phase timer counts down between polls, and forms kept across live
// refreshes (hx-preserve) are emptied once their own submission went through.
(function () {
  "use strict";

  function format(seconds) {
    const m = Math.floor(seconds / 60);
    const s = seconds % 60;
    return m + ":" + String(s).padStart(2, "0");
  }

  let ends = new Map();

  function startTimers(root) {
    root.querySelectorAll("[data-retro-timer]").forEach(function (el) {
      const seconds = parseInt(el.dataset.seconds, 10);
      if (!Number.isNaN(seconds)) {
        ends.set(el, Date.now() + seconds * 1000);
      }
    });
  }

  function tick() {
    ends.forEach(function (end, el) {
      if (!el.isConnected) {
        ends.delete(el);
        return;
      }
      const left = Math.max(0, Math.round((end - Date.now()) / 1000));
      el.textContent = left > 0 ? format(left) : "time is up";
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    startTimers(document);
    tick();
    setInterval(tick, 1000);
  });
  document.body.addEventListener("htmx:afterSettle", function (event) {
    startTimers(event.detail.elt.ownerDocument);
    tick();
  });
  // A poll that was in flight while a newer answer (the person's own change) was swapped in
  // would put the older state back: versions only grow, so drop any answer older than the page.
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    const target = event.detail.target;
    if (!target || target.id !== "retro-live") {
      return;
    }
    const match = /data-version="(\d+)"/.exec(event.detail.serverResponse || "");
    if (match && Number(match[1]) < Number(target.dataset.version)) {
      event.detail.shouldSwap = false;
    }
  });
  document.body.addEventListener("htmx:afterRequest", function (event) {
    const form = event.detail.elt;
    if (form.matches && form.matches("form[data-reset-after]") && event.detail.successful) {
      form.reset();
    }
  });
})();
