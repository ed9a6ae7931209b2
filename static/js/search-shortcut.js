// "/" or Ctrl-K (⌘K) puts the cursor in the search box of the navigation, unless one is typing elsewhere.
(() => {
  const box = document.querySelector("[data-search-shortcut]");
  if (!box) return;
  const typing = (element) => element.closest("input, textarea, select, [contenteditable='true']");
  document.addEventListener("keydown", (event) => {
    const slash = event.key === "/" && !event.ctrlKey && !event.metaKey && !event.altKey && !typing(event.target);
    const commandK = event.key.toLowerCase() === "k" && (event.ctrlKey || event.metaKey);
    if (!slash && !commandK) return;
    event.preventDefault();
    const menu = box.closest("[popover]");
    if (menu && box.offsetParent === null) menu.showPopover();
    box.focus();
    box.select();
  });
})();
