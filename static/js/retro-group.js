// Group phase: drag a note onto a group. The drop only fills in the note's own "Move" form
// (the keyboard path) and submits it, so both paths send the same request.
(function () {
  "use strict";

  document.addEventListener("dragstart", function (event) {
    const note = event.target.closest && event.target.closest("[data-note][draggable]");
    if (note) {
      event.dataTransfer.setData("text/plain", note.dataset.note);
      event.dataTransfer.effectAllowed = "move";
    }
  });

  document.addEventListener("dragover", function (event) {
    const target = event.target.closest && event.target.closest("[data-group-drop]");
    if (target) {
      event.preventDefault();
      target.classList.add("drop-target");
    }
  });

  document.addEventListener("dragleave", function (event) {
    const target = event.target.closest && event.target.closest("[data-group-drop]");
    if (target) {
      target.classList.remove("drop-target");
    }
  });

  document.addEventListener("drop", function (event) {
    const target = event.target.closest && event.target.closest("[data-group-drop]");
    if (!target) {
      return;
    }
    event.preventDefault();
    target.classList.remove("drop-target");
    const noteId = event.dataTransfer.getData("text/plain");
    const note = document.querySelector('[data-note="' + CSS.escape(noteId) + '"]');
    const form = note && note.querySelector("form.retro-move");
    if (!form) {
      return;
    }
    form.elements.group.value = target.dataset.groupDrop;
    form.requestSubmit();
  });
})();
