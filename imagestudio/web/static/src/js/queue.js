// Queue page: drag waiting jobs (or focus a handle and press ↑/↓) to change the order they run in. The
// list is refreshed every 2 s by htmx; a refresh waits while a drag is in progress.

const CSRF = () => document.querySelector("input[name=csrfmiddlewaretoken]")?.value || "";
let dragging = false;

function save(list) {
  const body = new URLSearchParams();
  for (const item of list.querySelectorAll("[data-sort-item]")) body.append("order", item.dataset.orderKey);
  return fetch(list.dataset.queueOrder, {
    method: "POST",
    headers: { "X-CSRFToken": CSRF(), "X-Requested-With": "fetch" },
    body,
  });
}

function wire(list) {
  if (list.dataset.sortWired || !window.Sortable) return;
  list.dataset.sortWired = "1";
  window.Sortable.create(list, {
    handle: "[data-sort-handle]",
    draggable: "[data-sort-item]",
    animation: 150,
    onStart: () => { dragging = true; },
    onEnd: () => { dragging = false; save(list); },
  });
  list.addEventListener("keydown", (event) => {
    const handle = event.target.closest("[data-sort-handle]");
    if (!handle || !["ArrowUp", "ArrowDown"].includes(event.key)) return;
    event.preventDefault();
    const item = handle.closest("[data-sort-item]");
    const sibling = event.key === "ArrowUp" ? item.previousElementSibling : item.nextElementSibling;
    if (!sibling?.matches("[data-sort-item]")) return;
    if (event.key === "ArrowUp") sibling.before(item); else sibling.after(item);
    handle.focus();
    save(list);
  });
}

function wireAll() {
  for (const list of document.querySelectorAll("[data-queue-order]")) wire(list);
}

document.body.addEventListener("htmx:beforeRequest", (event) => {
  if (dragging || document.activeElement?.matches("[data-sort-handle]")) event.preventDefault();
});
document.body.addEventListener("htmx:afterSwap", wireAll);
window.addEventListener("load", wireAll);
