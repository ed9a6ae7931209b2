// Say on the page when an htmx request fails, instead of failing silently (htmx does not swap
// error answers). A short text answer (or JSON "detail") from the server is shown as it is.
(() => {
  const box = document.getElementById("request-error");
  if (!box) return;

  const GENERIC = {
    403: "You are not allowed to do that, or your session has expired. Reload the page and try again.",
    404: "That is no longer here: someone may have deleted or moved it. Reload the page to see the latest.",
    409: "Someone changed this at the same time. Reload the page to see the latest.",
  };

  const describe = (xhr) => {
    const type = xhr.getResponseHeader("Content-Type") || "";
    const text = (xhr.responseText || "").trim();
    if (type.startsWith("application/json")) {
      try {
        const detail = JSON.parse(text).detail;
        if (detail) return String(detail);
      } catch (error) {
        // Not JSON after all: fall back to the generic sentence below.
      }
    }
    if (type.startsWith("text/plain") && text && text.length < 300) return text;
    if (GENERIC[xhr.status]) return GENERIC[xhr.status];
    if (xhr.status >= 500) return "Something went wrong on our side and it has been logged. Try again in a moment.";
    return "That did not work. Reload the page and try again.";
  };

  let source = null;
  const show = (text, element) => {
    box.textContent = text;
    box.hidden = false;
    source = element;
  };
  const hide = () => {
    box.hidden = true;
    source = null;
  };

  document.body.addEventListener("htmx:responseError", (event) => show(describe(event.detail.xhr), event.detail.elt));
  document.body.addEventListener("htmx:sendError", (event) =>
    show("The server could not be reached. Check your connection and try again.", event.detail.elt),
  );
  document.body.addEventListener("htmx:timeout", (event) =>
    show("The server took too long to answer. Try again in a moment.", event.detail.elt),
  );
  // A new action of the person clears the message; a background poll does not, unless it is the
  // request that failed and now succeeds.
  document.body.addEventListener("htmx:beforeRequest", (event) => {
    const trigger = event.detail.requestConfig && event.detail.requestConfig.triggeringEvent;
    if (trigger && trigger.isTrusted) hide();
  });
  document.body.addEventListener("htmx:afterRequest", (event) => {
    if (event.detail.successful && event.detail.elt === source) hide();
  });
})();
