// Blameless hints under the field they are about, as the person types (debounced): the server
// finds blaming phrases in each field posted and answers one escaped block per field with any.
(() => {
  const form = document.querySelector("form.pm-editor[data-hints-url]");
  if (!form) return;
  const DELAY_MS = 600;
  const fields = () => [...form.querySelectorAll("textarea, input[type=text]")].filter((f) => f.name && f.id);
  const boxId = (field) => `hints-for-${field.id}`;

  const place = (field, block) => {
    let box = document.getElementById(boxId(field));
    if (!block) {
      if (box) box.replaceChildren();
      return;
    }
    if (!box) {
      box = Object.assign(document.createElement("div"), { id: boxId(field), className: "pm-field-hints" });
      box.setAttribute("aria-live", "polite");
      field.after(box);
      const described = field.getAttribute("aria-describedby");
      field.setAttribute("aria-describedby", described ? `${described} ${box.id}` : box.id);
    }
    box.replaceChildren(block);
  };

  async function check(asked) {
    const body = new URLSearchParams({ csrfmiddlewaretoken: form.elements.csrfmiddlewaretoken.value });
    for (const field of asked) body.append(field.name, field.value);
    try {
      const response = await fetch(form.dataset.hintsUrl, { method: "POST", body, credentials: "same-origin" });
      if (!response.ok) return;
      const answer = new DOMParser().parseFromString(await response.text(), "text/html");
      for (const field of asked) {
        const block = [...answer.querySelectorAll("[data-hints-for]")].find((b) => b.dataset.hintsFor === field.name);
        place(field, block ? document.importNode(block, true) : null);
      }
    } catch (error) {
      // Offline for a moment: hints are advisory, the next keystroke asks again.
    }
  }

  const timers = new WeakMap();
  form.addEventListener("input", (event) => {
    const field = event.target;
    if (!fields().includes(field)) return;
    clearTimeout(timers.get(field));
    timers.set(field, setTimeout(() => check([field]), DELAY_MS));
  });
  check(fields().filter((field) => field.value));
})();
