// Jump to the chosen team as soon as it is picked. The form's Go button does the same without
// JavaScript, so it is only hidden once this script runs.
document.querySelectorAll("[data-team-switcher]").forEach((select) => {
  const go = select.form && select.form.querySelector("button[type=submit]");
  if (go) go.hidden = true;
});
document.addEventListener("change", (event) => {
  const select = event.target.closest("[data-team-switcher]");
  if (select && select.value) window.location.assign(select.value);
});
