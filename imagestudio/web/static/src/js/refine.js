// Prompt refinement on the generate page. The Refine button (htmx) swaps suggested rewrites into #refine-panel;
// here: Apply puts a rewrite in the prompt field (undoable with Ctrl+Z where the browser allows, and an `input`
// event so counters follow), Close and Escape empty the panel, and a 422 (empty prompt) is shown in the panel
// instead of htmx's generic error toast. Event delegation only, so it keeps working after every swap.
const PANEL = "#refine-panel";

const panel = () => document.querySelector(PANEL);
const isOpen = () => !!panel()?.querySelector("[data-refine-content]");
const promptField = (from) =>
  from?.closest("form")?.querySelector("textarea[name=prompt]") ||
  document.querySelector("#generate-form textarea[name=prompt]");
const toast = (message, level = "info") => window.studioToast?.(message, level);

function close({ focus = "button" } = {}) {
  const slot = panel();
  if (!slot || !isOpen()) return;
  slot.replaceChildren();
  const target = focus === "prompt" ? promptField(slot) : document.querySelector("[data-testid=refine-button]");
  target?.focus({ preventScroll: true });
}

// Replace the prompt's text. insertText keeps the browser's undo history and fires `input` itself; where it is
// unavailable the value is set directly and the event dispatched by hand.
function replacePrompt(field, text) {
  field.focus({ preventScroll: true });
  field.select();
  let inserted = false;
  try {
    inserted = document.execCommand("insertText", false, text) && field.value === text;
  } catch (error) {
    inserted = false;
  }
  if (!inserted) {
    field.value = text;
    field.dispatchEvent(new Event("input", { bubbles: true }));
  }
  field.setSelectionRange(text.length, text.length);
  field.dispatchEvent(new Event("change", { bubbles: true }));
}

document.addEventListener("click", (event) => {
  const apply = event.target.closest("[data-refine-apply]");
  if (apply) {
    const field = promptField(apply);
    if (!field) return;
    replacePrompt(field, apply.dataset.prompt || "");
    close({ focus: "prompt" });
    toast(`Prompt updated: ${(apply.dataset.label || "rewrite").toLowerCase()} applied.`, "success");
    return;
  }
  if (event.target.closest("[data-refine-close]")) close();
});

document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape" || !isOpen()) return;
  const active = document.activeElement;
  const inside = panel().contains(active) || active === promptField(panel()) ||
    active?.matches("[data-testid=refine-button]");
  if (!inside) return;
  event.preventDefault();
  close({ focus: panel().contains(active) ? "button" : "prompt" });
});

// htmx leaves 4xx answers unswapped: show our 422 message in the panel, and say plainly when it is a rate limit.
document.addEventListener("htmx:beforeSwap", (event) => {
  const { xhr, target } = event.detail;
  if (!target || target.id !== PANEL.slice(1)) return;
  if (xhr.status === 422) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  } else if (xhr.status === 429) {
    event.detail.shouldSwap = false;
    event.detail.isError = false;
    const wait = parseInt(xhr.getResponseHeader("Retry-After") || "0", 10);
    toast(`Too many refine requests${wait ? `: try again in ${wait} s` : ""}.`, "error");
  }
});

// Bring fresh suggestions into view on small screens, where the panel may open below the fold.
document.addEventListener("htmx:afterSwap", (event) => {
  const target = event.detail.target;
  if (!target || target.id !== PANEL.slice(1) || !isOpen()) return;
  const box = target.getBoundingClientRect();
  if (box.bottom > window.innerHeight || box.top < 0) {
    target.scrollIntoView({ behavior: window.matchMedia("(prefers-reduced-motion: reduce)").matches ? "auto" : "smooth", block: "nearest" });
  }
});
