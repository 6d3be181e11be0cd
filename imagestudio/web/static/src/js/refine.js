// Prompt refinement on the generate page. The Refine and Variations buttons (htmx) swap suggested rewrites or
// variations into #refine-panel (the variations' More button asks again with the next seed);
// here: Apply puts a rewrite in the prompt field (undoable with Ctrl+Z where the browser allows, and an `input`
// event so counters follow), Close and Escape empty the panel, and a 422 (empty prompt) is shown in the panel
// instead of htmx's generic error toast. Event delegation only, so it keeps working after every swap.
// Text goes through the JavaScript catalog (/jsi18n/, loaded before this script); without it, English.
const gettext = (text) => (window.gettext ? window.gettext(text) : text);
const interpolate = (format, values) => format.replace(/%\((\w+)\)s/g, (match, name) => String(values[name]));
const PANEL = "#refine-panel";
const OPENERS = "[data-testid=refine-button], [data-testid=variations-button]";
const MORE = "[data-testid=variations-more]";
let opener = null; // the button that opened the panel: focus goes back to it on close
let moreAsked = false; // the last request came from More: focus its replacement after the swap

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
  const target = focus === "prompt" ? promptField(slot) : (opener?.isConnected && opener) || document.querySelector(OPENERS);
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
    const label = (apply.dataset.label || gettext("rewrite")).toLowerCase();
    toast(interpolate(gettext("Prompt updated: %(label)s applied."), { label }), "success");
    return;
  }
  if (event.target.closest("[data-refine-close]")) close();
});

document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape" || !isOpen()) return;
  const active = document.activeElement;
  const inside = panel().contains(active) || active === promptField(panel()) ||
    active?.matches(OPENERS);
  if (!inside) return;
  event.preventDefault();
  close({ focus: panel().contains(active) ? "button" : "prompt" });
});

// Remember which button asked: Refine or Variations (focus returns there), or the panel's More.
document.addEventListener("htmx:beforeRequest", (event) => {
  const { elt, target } = event.detail;
  if (!target || target.id !== PANEL.slice(1)) return;
  moreAsked = !!elt?.matches?.(MORE);
  if (elt?.matches?.(OPENERS)) opener = elt;
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
    const variations = (event.detail.requestConfig?.path || xhr.responseURL || "").includes("variations");
    const message = variations
      ? (wait ? gettext("Too many variation requests: try again in %(wait)s s.") : gettext("Too many variation requests."))
      : (wait ? gettext("Too many refine requests: try again in %(wait)s s.") : gettext("Too many refine requests."));
    toast(interpolate(message, { wait }), "error");
  }
});

// Bring fresh suggestions into view on small screens, where the panel may open below the fold.
document.addEventListener("htmx:afterSwap", (event) => {
  const target = event.detail.target;
  if (!target || target.id !== PANEL.slice(1) || !isOpen()) return;
  if (moreAsked) target.querySelector(MORE)?.focus({ preventScroll: true }); // More was replaced: keep the place
  const box = target.getBoundingClientRect();
  if (box.bottom > window.innerHeight || box.top < 0) {
    target.scrollIntoView({ behavior: window.matchMedia("(prefers-reduced-motion: reduce)").matches ? "auto" : "smooth", block: "nearest" });
  }
});
