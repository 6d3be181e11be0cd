// A collection's board: drag images into a new order (SortableJS; mouse, pen and touch — a finger drags after
// a short press so the page still scrolls), or focus an image's handle and use the arrow keys. Every change is
// saved at once with PUT /api/collections/{id}/reorder; a failure puts the images back and says why.
// Tiles loaded later by "More" join the board (they are children of the same grid).
// Text goes through the JavaScript catalog (/jsi18n/, loaded before this script); without it, English.
const gettext = (text) => (window.gettext ? window.gettext(text) : text);
const interpolate = (format, values) => format.replace(/%\((\w+)\)s/g, (match, name) => String(values[name]));

const board = document.querySelector("[data-collection-board]");
const status = document.querySelector("[data-order-status]");
const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
let saving = Promise.resolve();
let clearStatus = 0;

const items = () => Array.from(board.querySelectorAll(":scope > [data-sort-item]"));
const order = () => items().map((item) => item.dataset.imageId);

function say(text, sticky = false) {
  if (!status) return;
  clearTimeout(clearStatus);
  status.textContent = text;
  if (!sticky) clearStatus = setTimeout(() => { status.textContent = ""; }, 2500);
}

function csrfToken() {
  try {
    return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
  } catch (error) {
    return "";
  }
}

function restore(ids) {
  const byId = new Map(items().map((item) => [item.dataset.imageId, item]));
  const anchor = board.querySelector(":scope > .load-more");
  ids.forEach((id) => {
    const item = byId.get(id);
    if (item) board.insertBefore(item, anchor);
  });
}

async function put(ids, before) {
  const response = await fetch(board.dataset.reorderUrl, {
    method: "PUT",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
    body: JSON.stringify({ image_ids: ids }),
  });
  if (!response.ok) {
    let detail = interpolate(gettext("the studio answered %(status)s"), { status: response.status });
    try {
      const data = await response.json();
      if (data && typeof data.detail === "string") detail = data.detail;
    } catch (error) { /* keep the status */ }
    restore(before);
    throw new Error(detail);
  }
}

// Saves run one after another, each sending the whole order shown at that moment.
function save(before) {
  const ids = order();
  say(gettext("Saving…"), true);
  board.setAttribute("aria-busy", "true");
  saving = saving
    .then(() => put(ids, before))
    .then(() => say(gettext("Order saved")))
    .catch((error) => {
      say("");
      const message = interpolate(gettext("Couldn't save the new order: %(error)s"), { error: error.message });
      if (window.studioToast) window.studioToast(message, "error");
      else window.alert(message);
    })
    .finally(() => board.removeAttribute("aria-busy"));
}

function start() {
  if (!board || !window.Sortable) return;
  let before = [];
  window.Sortable.create(board, {
    draggable: "[data-sort-item]",
    filter: "form, .tile-action, .load-more",
    preventOnFilter: false,
    forceFallback: true, // pointer events everywhere: the same behaviour for mouse, pen and touch
    fallbackTolerance: 4,
    delay: 180,
    delayOnTouchOnly: true,
    touchStartThreshold: 6,
    animation: reducedMotion ? 0 : 160,
    scroll: true,
    bubbleScroll: true,
    onStart: () => { before = order(); },
    onEnd: (event) => {
      if (event.oldIndex !== event.newIndex) save(before);
    },
  });
  board.dataset.boardReady = "";

  // Keyboard: arrows on an image's handle move it one place; Home/End to the start or the end.
  board.addEventListener("keydown", (event) => {
    const handle = event.target.closest && event.target.closest("[data-sort-handle]");
    if (!handle) return;
    const item = handle.closest("[data-sort-item]");
    const all = items();
    const index = all.indexOf(item);
    const target = {
      ArrowLeft: index - 1, ArrowUp: index - 1, ArrowRight: index + 1, ArrowDown: index + 1,
      Home: 0, End: all.length - 1,
    }[event.key];
    if (target === undefined) return;
    event.preventDefault();
    if (target < 0 || target >= all.length || target === index) return;
    const previous = order();
    if (target < index) board.insertBefore(item, all[target]);
    else board.insertBefore(item, all[target].nextSibling);
    handle.focus();
    save(previous);
    say(interpolate(gettext("Moved to position %(position)s of %(count)s"), { position: target + 1, count: all.length }), true);
  });
}

start();
