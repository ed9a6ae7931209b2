// Submit a filter form as soon as one of its `data-autosubmit` controls changes (the button stays for no-JS).
document.addEventListener("change", (event) => {
  const control = event.target.closest("[data-autosubmit]");
  if (control && control.form) control.form.requestSubmit();
});
