// Jump to the chosen team as soon as it is picked; the form's Go button does the same without JS.
document.addEventListener("change", (event) => {
  const select = event.target.closest("[data-team-switcher]");
  if (select && select.value) window.location.assign(select.value);
});
