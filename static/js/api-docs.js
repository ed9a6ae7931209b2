// Swagger UI draws the request-body editor without a label; name it for screen readers whenever it appears.
(() => {
  const root = document.getElementById("swagger-ui");
  if (!root) return;
  const label = () => {
    root.querySelectorAll("textarea.body-param__text:not([aria-label])").forEach((editor) => {
      editor.setAttribute("aria-label", "Request body (JSON)");
    });
  };
  new MutationObserver(label).observe(root, { childList: true, subtree: true });
})();
