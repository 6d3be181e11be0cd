// The prompt editor on the generate page ([data-prompt-editor]):
// - highlighting: a mirror <div> behind the textarea (whose own text is made transparent) shows the same text
//   coloured by syntax — weights and emphasis (stronger colour for more weight, muted under 1), LoRA tags,
//   {alternations} and {{variables}}. The tokenizer below follows prompts/syntax.py closely enough for colour;
//   the server is the authority for weights and errors.
// - under the prompt, from GET /api/prompts/analyze (debounced): each term's effective weight, the token
//   counter, a syntax error with its position, and the notice for models that ignore weights.
// - autocomplete from the user's own prompts (GET /api/prompts/autocomplete): ↓/↑ move, Enter/Tab accept,
//   Esc closes; a listbox the textarea points at with aria-activedescendant.
// - quick-add chips (append to the prompt; pressed when already there, click again to remove) and negative
//   prompt presets.
// No Alpine and no inline handlers (CSP): one Editor per [data-prompt-editor], set up on DOMContentLoaded
// and on every htmx:load (the form is swapped whole on a 422).
const ANALYZE_DELAY = 300;
const COMPLETE_DELAY = 150;
const GET_LIMIT = 6000; // longer (encoded) prompts are analysed by POST instead
const MAX_CHIPS = 40;
const ESCAPABLE = "()[]{}|\\<>:";
const LORA = /<(?:lora|lyco):[^<>\n]*>/iy;
const VARIABLE = /\{\{\s*[A-Za-z_][\w-]*\s*\}\}/y;
const NUMBER = /^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)\s*$/;
const CLOSER_OF = { ")": "(", "]": "[", "}": "{" };

// Colours by kind and by weight band. Only colour and background: anything that changes glyph widths
// (bold, italic, padding) would move the mirror's text away from the caret.
const CLASSES = {
  syntax: "text-muted-foreground/70",
  escape: "text-muted-foreground/60",
  alt: "text-warning-700 dark:text-warning-300",
  lora: "rounded-sm bg-success-100 text-success-800 dark:bg-success-500/20 dark:text-success-200",
  variable: "rounded-sm bg-sky-100 text-sky-800 dark:bg-sky-500/20 dark:text-sky-200",
  error: "rounded-sm bg-error-100 text-error-800 underline decoration-error-500 decoration-wavy dark:bg-error-500/30 dark:text-error-100",
  down2: "text-muted-foreground/70",
  down1: "text-muted-foreground",
  up1: "text-primary-700 dark:text-primary-300",
  up2: "rounded-sm bg-primary-100 text-primary-800 dark:bg-primary-500/20 dark:text-primary-200",
  up3: "rounded-sm bg-accent-100 text-accent-800 dark:bg-accent-500/25 dark:text-accent-200",
  up4: "rounded-sm bg-accent-200 text-accent-900 dark:bg-accent-500/45 dark:text-accent-50",
};
const CHIP_CLASSES = {
  "": "border-transparent bg-muted/70 text-muted-foreground dark:bg-muted/60",
  down2: "border-dashed border-border text-muted-foreground/80",
  down1: "border-dashed border-border text-muted-foreground",
  up1: "border-primary-200 bg-primary-50 text-primary-800 dark:border-primary-500/30 dark:bg-primary-500/10 dark:text-primary-200",
  up2: "border-primary-300 bg-primary-100 text-primary-900 dark:border-primary-500/40 dark:bg-primary-500/20 dark:text-primary-100",
  up3: "border-accent-300 bg-accent-100 text-accent-900 dark:border-accent-500/40 dark:bg-accent-500/25 dark:text-accent-100",
  up4: "border-accent-400 bg-accent-200 text-accent-900 dark:border-accent-400/60 dark:bg-accent-500/45 dark:text-white",
  lora: "border-success-300 bg-success-50 text-success-800 dark:border-success-500/40 dark:bg-success-500/15 dark:text-success-200",
};
const TEXTAREA_ON = ["relative", "z-10", "bg-transparent", "text-transparent", "caret-foreground"];
const COPIED_STYLES = [
  "fontFamily", "fontSize", "fontWeight", "fontStyle", "fontFeatureSettings", "fontVariationSettings", "lineHeight",
  "letterSpacing", "wordSpacing", "tabSize", "textIndent", "textTransform", "paddingTop", "paddingBottom",
  "paddingLeft", "borderTopWidth", "borderRightWidth", "borderBottomWidth", "borderLeftWidth",
];

export function band(weight) {
  if (weight >= 1.6) return "up4";
  if (weight >= 1.35) return "up3";
  if (weight >= 1.15) return "up2";
  if (weight > 1.0001) return "up1";
  if (weight < 0.75) return "down2";
  if (weight < 0.9999) return "down1";
  return "";
}

// Runs of the text with the class key each character gets: [{text, key}]. Unbalanced brackets stay
// uncoloured (the server reports them); `errorAt` marks one character.
export function highlight(text, errorAt = -1) {
  const n = text.length;
  const kinds = new Array(n).fill("");
  const weights = new Float64Array(n).fill(1);
  for (const group of scanGroups(text, kinds)) applyGroup(text, group, kinds, weights);
  if (errorAt >= 0 && errorAt < n) kinds[errorAt] = "error";
  const runs = [];
  for (let i = 0; i < n; i++) {
    const key = kinds[i] || band(weights[i]);
    const last = runs[runs.length - 1];
    if (last && last.key === key) last.text += text[i];
    else runs.push({ text: text[i], key });
  }
  return runs;
}

function scanGroups(text, kinds) {
  const stack = [];
  const groups = [];
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === "\\") {
      kinds[i] = "escape";
      if (ESCAPABLE.includes(text[i + 1] || "x")) i++;
      continue;
    }
    const span = matchAt(LORA, text, i) || matchAt(VARIABLE, text, i);
    if (span) {
      kinds.fill(char === "<" ? "lora" : "variable", i, i + span);
      i += span - 1;
      continue;
    }
    const top = stack[stack.length - 1];
    if (char === "(" || char === "[" || char === "{") stack.push({ char, at: i, colon: -1 });
    else if (char === ":" && top && top.char === "(" && top.colon < 0) top.colon = i;
    else if (char === "|" && top && top.char === "{") kinds[i] = "alt";
    else if (CLOSER_OF[char] && top && top.char === CLOSER_OF[char]) groups.push({ ...stack.pop(), close: i });
  }
  return groups;
}

function matchAt(pattern, text, index) {
  const char = text[index];
  if (char !== "<" && char !== "{") return 0;
  pattern.lastIndex = index;
  const match = pattern.exec(text);
  return match ? match[0].length : 0;
}

function applyGroup(text, group, kinds, weights) {
  if (group.char === "{") {
    kinds[group.at] = kinds[group.close] = "alt";
    return;
  }
  let factor = group.char === "(" ? 1.1 : 1 / 1.1;
  let end = group.close;
  if (group.colon >= 0) {
    const written = text.slice(group.colon + 1, group.close);
    if (NUMBER.test(written)) factor = parseFloat(written);
    kinds.fill("syntax", group.colon, group.close);
    end = group.colon;
  }
  kinds[group.at] = kinds[group.close] = "syntax";
  for (let i = group.at + 1; i < end; i++) weights[i] *= factor;
}

const formatWeight = (weight) => String(Math.round(weight * 100) / 100);
// Text goes through the JavaScript catalog (/jsi18n/, loaded before this script); without it, English.
const gettext = (text) => (window.gettext ? window.gettext(text) : text);
const ngettext = (one, many, n) => (window.ngettext ? window.ngettext(one, many, n) : n === 1 ? one : many);
const interpolate = (format, values) => format.replace(/%\((\w+)\)s/g, (match, name) => String(values[name]));
const toast = (message, level = "info") => window.studioToast?.(message, level);
const debounce = (fn, wait) => {
  let timer = 0;
  const run = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), wait);
  };
  run.cancel = () => clearTimeout(timer);
  return run;
};

// Insert `text` over the current selection, keeping the browser's undo history where it can.
function insertText(field, text) {
  let inserted = false;
  try {
    inserted = document.execCommand("insertText", false, text);
  } catch (error) {
    inserted = false;
  }
  if (!inserted) {
    const { selectionStart: start, selectionEnd: end, value } = field;
    field.value = value.slice(0, start) + text + value.slice(end);
    field.setSelectionRange(start + text.length, start + text.length);
    field.dispatchEvent(new Event("input", { bubbles: true }));
  }
}

function setValue(field, value) {
  field.value = value;
  field.dispatchEvent(new Event("input", { bubbles: true }));
}

function containsPhrase(value, phrase) {
  return phrase && value.toLowerCase().includes(phrase.toLowerCase());
}

// The prompt without `phrase` (and the comma that joined it), or null when it is not there.
function withoutPhrase(value, phrase) {
  const at = value.toLowerCase().indexOf(phrase.toLowerCase());
  if (at < 0) return null;
  let start = at;
  let end = at + phrase.length;
  const lead = value.slice(0, start).match(/,\s*$/);
  const trail = value.slice(end).match(/^\s*[,.]\s*/);
  if (lead) start -= lead[0].length;
  else if (trail) end += trail[0].length;
  return (value.slice(0, start) + value.slice(end)).replace(/[ \t]{2,}/g, " ").trim();
}

function appended(value, phrase, tagStyle) {
  const base = value.replace(/\s+$/, "");
  if (!base) return phrase;
  if (!tagStyle && /[.!?]$/.test(base)) return `${base} ${phrase[0].toUpperCase()}${phrase.slice(1)}.`;
  return `${base}${base.endsWith(",") ? " " : ", "}${phrase}`;
}

class Editor {
  constructor(root) {
    this.root = root;
    this.form = root.closest("form");
    this.field = root.querySelector("textarea[name=prompt]");
    this.mirror = root.querySelector("[data-prompt-mirror]");
    this.box = root.querySelector("[data-prompt-suggest]");
    this.list = root.querySelector("[role=listbox]");
    this.errorAt = -1;
    this.tagStyle = false;
    this.analysis = null;
    this.request = 0;
    this.completion = 0;
    this.suggestions = [];
    this.active = -1;
    this.invalid = this.field.getAttribute("aria-invalid");
    this.analyzeSoon = debounce(() => this.analyze(), ANALYZE_DELAY);
    this.completeSoon = debounce((query) => this.complete(query), COMPLETE_DELAY);
    this.startHighlighting();
    this.listen();
    this.render();
    this.analyze();
  }

  // -- highlighting -------------------------------------------------------------------------------

  startHighlighting() {
    this.field.classList.add(...TEXTAREA_ON);
    this.mirror.hidden = false;
    this.matchMirror();
    if (window.ResizeObserver) new ResizeObserver(() => this.matchMirror()).observe(this.field);
  }

  // Same font, padding and borders as the textarea, and room for its scrollbar when it has one.
  matchMirror() {
    const style = getComputedStyle(this.field);
    for (const name of COPIED_STYLES) this.mirror.style[name] = style[name];
    const borders = parseFloat(style.borderLeftWidth) + parseFloat(style.borderRightWidth);
    const scrollbar = Math.max(0, this.field.offsetWidth - this.field.clientWidth - borders);
    this.mirror.style.paddingRight = `${parseFloat(style.paddingRight) + scrollbar}px`;
    this.mirror.scrollTop = this.field.scrollTop;
  }

  render() {
    const fragment = document.createDocumentFragment();
    for (const run of highlight(this.field.value, this.errorAt)) {
      if (!run.key) {
        fragment.append(run.text);
        continue;
      }
      const span = document.createElement("span");
      span.className = `${CLASSES[run.key]} box-decoration-clone`;
      span.dataset.kind = run.key;
      span.textContent = run.text;
      fragment.append(span);
    }
    fragment.append("\u200b"); // keeps a trailing empty line as tall as the textarea's
    this.mirror.replaceChildren(fragment);
    this.matchMirror();
  }

  // -- events -------------------------------------------------------------------------------------

  listen() {
    this.field.addEventListener("input", (event) => this.onInput(event));
    this.field.addEventListener("scroll", () => { this.mirror.scrollTop = this.field.scrollTop; });
    this.field.addEventListener("keydown", (event) => this.onKeydown(event));
    this.field.addEventListener("blur", () => setTimeout(() => this.close(), 120));
    this.form?.addEventListener("change", (event) => {
      if (event.target.name === "model") this.analyze();
    });
    this.list.addEventListener("mousedown", (event) => event.preventDefault()); // keep the caret in the field
    this.list.addEventListener("click", (event) => {
      const option = event.target.closest("[role=option]");
      if (option) this.accept(Number(option.dataset.index));
    });
    this.root.addEventListener("click", (event) => this.onClick(event));
    const tablist = this.root.querySelector("[data-qa-tabs]");
    tablist?.addEventListener("click", (event) => {
      const tab = event.target.closest("[role=tab]");
      if (tab) this.selectTab(tab);
    });
    tablist?.addEventListener("keydown", (event) => this.onTabKey(event, tablist));
    this.form?.querySelector("[data-negative-presets]")?.addEventListener("click", (event) => this.onPreset(event));
  }

  onInput(event) {
    this.errorAt = -1;
    this.render();
    this.syncChips();
    this.analyzeSoon();
    if (event.isComposing) return;
    const query = this.query();
    if (query) this.completeSoon(query);
    else {
      this.completeSoon.cancel();
      this.close();
    }
  }

  onKeydown(event) {
    if (this.box.hidden || event.altKey || event.ctrlKey || event.metaKey || event.isComposing) return;
    const count = this.suggestions.length;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      this.highlightOption(this.active < 0 ? (step > 0 ? 0 : count - 1) : (this.active + step + count) % count);
    } else if ((event.key === "Enter" && this.active >= 0) || (event.key === "Tab" && !event.shiftKey)) {
      event.preventDefault();
      this.accept(Math.max(this.active, 0));
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation(); // one Escape closes one thing (refine.js listens on the document)
      this.close();
    }
  }

  onClick(event) {
    const chip = event.target.closest("[data-quick-add]");
    if (chip) return this.toggleChip(chip);
    const term = event.target.closest("[data-term-start]");
    if (term) return this.select(Number(term.dataset.termStart), Number(term.dataset.termEnd));
    if (event.target.closest("[data-prompt-error-show]") && this.errorAt >= 0) {
      this.select(this.errorAt, Math.min(this.errorAt + 1, this.field.value.length));
    }
  }

  select(start, end) {
    this.field.focus();
    this.field.setSelectionRange(start, end);
  }

  // -- quick-add chips and negative presets -------------------------------------------------------

  selectTab(tab, focus = false) {
    tab.closest("[role=tablist]").querySelectorAll("[role=tab]").forEach((other) => {
      const on = other === tab;
      other.setAttribute("aria-selected", String(on));
      other.tabIndex = on ? 0 : -1;
      this.root.querySelector(`#${other.getAttribute("aria-controls")}`).hidden = !on;
    });
    if (focus) tab.focus();
  }

  onTabKey(event, tablist) {
    const tabs = [...tablist.querySelectorAll("[role=tab]")];
    const index = tabs.indexOf(document.activeElement);
    const next = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: tabs.length - 1 }[event.key];
    if (index < 0 || next === undefined) return;
    event.preventDefault();
    this.selectTab(tabs[(next + tabs.length) % tabs.length], true);
  }

  toggleChip(chip) {
    const words = this.tagStyle ? chip.dataset.quickAdd : chip.dataset.phrase || chip.dataset.quickAdd;
    const value = this.field.value;
    const present = [chip.dataset.phrase, chip.dataset.quickAdd].find((form) => containsPhrase(value, form));
    if (present) {
      setValue(this.field, withoutPhrase(value, present) ?? value);
      toast(interpolate(gettext("Removed “%(phrase)s” from the prompt."), { phrase: present }), "info");
    } else {
      setValue(this.field, appended(value, words, this.tagStyle));
      toast(interpolate(gettext("Added “%(phrase)s” to the prompt."), { phrase: words }), "success");
    }
  }

  syncChips() {
    const value = this.field.value;
    this.root.querySelectorAll("[data-quick-add]").forEach((chip) => {
      const on = containsPhrase(value, chip.dataset.phrase) || containsPhrase(value, chip.dataset.quickAdd);
      chip.setAttribute("aria-pressed", String(Boolean(on)));
    });
  }

  onPreset(event) {
    const preset = event.target.closest("[data-negative-preset]");
    const field = this.form.querySelector("textarea[name=negative_prompt]");
    if (!preset || !field) return;
    const have = field.value.toLowerCase();
    const fresh = preset.dataset.negativePreset.split(",").map((t) => t.trim()).filter((t) => t && !have.includes(t.toLowerCase()));
    if (!fresh.length) {
      toast(gettext("Those terms are already in the negative prompt."), "info");
      return;
    }
    setValue(field, appended(field.value, fresh.join(", "), true));
    const added = ngettext("Negative prompt: added %(count)s term.", "Negative prompt: added %(count)s terms.", fresh.length);
    toast(interpolate(added, { count: fresh.length }), "success");
  }

  // -- analysis -----------------------------------------------------------------------------------

  async analyze() {
    const id = ++this.request;
    const model = this.form ? new FormData(this.form).get("model") || "" : "";
    const text = this.field.value;
    const query = new URLSearchParams({ text, model_id: model });
    const url = `${this.root.dataset.analyzeUrl}?${query}`;
    let response;
    try {
      if (url.length <= GET_LIMIT) {
        response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      } else {
        const token = this.form?.querySelector("[name=csrfmiddlewaretoken]")?.value || "";
        response = await fetch(this.root.dataset.analyzeUrl, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": token },
          body: JSON.stringify({ text, model_id: model }),
        });
      }
      if (id !== this.request) return; // a newer request is on its way
      const body = await response.json();
      if (id !== this.request) return;
      if (response.ok) this.show(body);
      else if (response.status === 422 && body.field === "text") this.showError(body);
    } catch (error) {
      // Offline or the page is going away: the editor keeps working without the server's reading.
    }
  }

  show(analysis) {
    this.analysis = analysis;
    this.tagStyle = analysis.tag_style;
    this.showError(null);
    this.showTokens(analysis);
    this.showNotice(analysis);
    this.showStrength(analysis);
  }

  showTokens({ tokens, token_limit: limit, family }) {
    const counter = this.root.querySelector("[data-prompt-tokens]");
    const over = limit && tokens > limit;
    const near = limit && !over && tokens >= limit * 0.9;
    counter.hidden = !this.field.value.trim();
    counter.textContent = limit
      ? interpolate(gettext("%(tokens)s / %(limit)s tokens"), { tokens, limit })
      : interpolate(gettext("%(tokens)s tokens"), { tokens });
    counter.classList.toggle("text-muted-foreground", !over && !near);
    counter.classList.toggle("text-warning-700", Boolean(near));
    counter.classList.toggle("dark:text-warning-300", Boolean(near));
    counter.classList.toggle("text-error-600", Boolean(over));
    counter.classList.toggle("dark:text-error-400", Boolean(over));
    counter.classList.toggle("font-semibold", Boolean(over));
    counter.dataset.state = over ? "over" : near ? "near" : "ok";
    const model = limit === 77
      ? gettext("CLIP reads 77 tokens: words past it are cut or weakened")
      : limit ? interpolate(gettext("reads up to %(limit)s tokens"), { limit }) : gettext("the offline engine reads the whole prompt");
    counter.title = interpolate(gettext("About %(tokens)s tokens (an estimate) — %(model)s."), { tokens, model });
  }

  showNotice({ ignores_weights: ignores, notice, plain_text: plain }) {
    const box = this.root.querySelector("[data-prompt-notice]");
    box.hidden = !ignores;
    if (!ignores) return;
    this.root.querySelector("[data-prompt-notice-text]").textContent = notice;
    const changed = plain.trim() !== this.field.value.trim();
    this.root.querySelector("[data-prompt-plain]").hidden = !changed || !plain;
    this.root.querySelector("[data-prompt-plain-text]").textContent = plain;
  }

  showStrength({ terms, loras, alternations, combinations, variables, ignores_weights: ignores }) {
    const wrap = this.root.querySelector("[data-prompt-strength]");
    const weighted = terms.some((term) => band(term.weight)) || loras.length > 0;
    wrap.hidden = !weighted && !alternations && !variables.length;
    const list = this.root.querySelector("[data-prompt-terms]");
    const items = [];
    if (weighted) {
      for (const term of terms.slice(0, MAX_CHIPS)) items.push(this.termChip(term, ignores));
      if (terms.length > MAX_CHIPS) items.push(this.moreChip(terms.length - MAX_CHIPS));
      for (const lora of loras) items.push(this.loraChip(lora, ignores));
    }
    list.replaceChildren(...items);
    list.hidden = !items.length;
    this.root.querySelector("[data-prompt-strength-title]").textContent = weighted ? gettext("Strength") : gettext("Dynamic prompt");
    const notes = [];
    if (ignores && weighted) notes.push(gettext("· ignored by this model"));
    if (alternations) {
      const format = ngettext("· %(count)s combination", "· %(count)s combinations", combinations);
      notes.push(interpolate(format, { count: combinations.toLocaleString() }));
    }
    if (variables.length) notes.push(interpolate(gettext("· variables: %(names)s"), { names: variables.join(", ") }));
    this.root.querySelector("[data-prompt-strength-note]").textContent = notes.join(" ");
  }

  termChip(term, ignores) {
    const key = band(term.weight);
    const weight = formatWeight(term.weight);
    const title = ignores
      ? gettext("“%(term)s”: weight %(weight)s (ignored by this model). Select it in the prompt.")
      : gettext("“%(term)s”: weight %(weight)s. Select it in the prompt.");
    return this.chip(term, term.text, key ? weight : "", CHIP_CLASSES[key], ignores, interpolate(title, { term: term.text, weight }));
  }

  loraChip(lora, ignores) {
    const weight = formatWeight(lora.weight);
    const title = ignores
      ? gettext("LoRA “%(name)s” at strength %(weight)s (removed for this model).")
      : gettext("LoRA “%(name)s” at strength %(weight)s.");
    return this.chip(lora, `LoRA ${lora.name}`, weight, CHIP_CLASSES.lora, ignores, interpolate(title, { name: lora.name, weight }));
  }

  moreChip(count) {
    const item = document.createElement("li");
    item.className = "inline-flex h-6 items-center px-1 text-xs text-muted-foreground";
    item.textContent = interpolate(gettext("+%(count)s more"), { count });
    return item;
  }

  // A chip that selects its span of the prompt when clicked; `shown` is the weight printed on it ("" for 1).
  chip(span, label, shown, classes, ignores, title) {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = `inline-flex h-6 max-w-full cursor-pointer items-center gap-1.5 rounded-md border px-2 text-xs transition-opacity hover:opacity-80 ${classes}${ignores ? " opacity-60 line-through decoration-1" : ""}`;
    Object.assign(button.dataset, { testid: "strength-chip", termStart: span.start, termEnd: span.end, weight: formatWeight(span.weight) });
    button.title = title;
    const text = document.createElement("span");
    text.className = "max-w-[11rem] truncate";
    text.textContent = label;
    const number = document.createElement("span");
    number.className = "font-mono text-[0.6875rem] tabular-nums";
    number.textContent = shown;
    number.hidden = !shown;
    button.append(text, number);
    item.append(button);
    return item;
  }

  showError(error) {
    const box = this.root.querySelector("[data-prompt-error]");
    const described = new Set((this.field.getAttribute("aria-describedby") || "").split(" ").filter(Boolean));
    if (error) {
      this.root.querySelector("[data-prompt-error-text]").textContent = error.detail;
      this.errorAt = typeof error.position === "number" ? error.position : -1;
      this.root.querySelector("[data-prompt-error-show]").hidden = this.errorAt < 0 || this.errorAt >= this.field.value.length;
      described.add(box.id);
      this.field.setAttribute("aria-invalid", "true");
      // The last reading no longer matches the text: hide what would mislead.
      this.root.querySelector("[data-prompt-strength]").hidden = true;
      this.root.querySelector("[data-prompt-plain]").hidden = true;
      this.root.querySelector("[data-prompt-tokens]").hidden = true;
    } else {
      this.errorAt = -1;
      described.delete(box.id);
      if (this.invalid) this.field.setAttribute("aria-invalid", this.invalid);
      else this.field.removeAttribute("aria-invalid");
    }
    box.hidden = !error;
    if (described.size) this.field.setAttribute("aria-describedby", [...described].join(" "));
    else this.field.removeAttribute("aria-describedby");
    this.render();
  }

  // -- autocomplete -------------------------------------------------------------------------------

  // The text before the caret when the caret ends a word and the phrase being typed has three letters or more
  // ("sno", or "snowy f": the server also tries the phrase's last words); else "".
  query() {
    const { selectionStart: caret, selectionEnd, value } = this.field;
    if (caret !== selectionEnd || /[\p{L}\p{N}]/u.test(value[caret] || "")) return "";
    const before = value.slice(0, caret);
    const phrase = before.split(/[,;\n(\[{|<>]/).pop().trimStart();
    return /[\p{L}\p{N}]$/u.test(before) && phrase.length >= 3 ? before.slice(-160) : "";
  }

  async complete(query) {
    const id = ++this.completion;
    let body;
    try {
      const url = `${this.root.dataset.autocompleteUrl}?${new URLSearchParams({ q: query })}`;
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok) return;
      body = await response.json();
    } catch (error) {
      return;
    }
    if (id !== this.completion || this.query() !== query || document.activeElement !== this.field) return;
    this.open(body.suggestions || []);
  }

  open(suggestions) {
    this.suggestions = suggestions;
    this.active = -1;
    if (!suggestions.length) return this.close();
    const options = suggestions.map((suggestion, index) => this.option(suggestion, index));
    this.list.replaceChildren(...options);
    this.box.hidden = false;
    this.field.removeAttribute("aria-activedescendant");
    const format = ngettext("%(count)s suggestion: use the down arrow to choose.", "%(count)s suggestions: use the down arrow to choose.", suggestions.length);
    this.announce(interpolate(format, { count: suggestions.length }));
  }

  option(suggestion, index) {
    const item = document.createElement("li");
    item.id = `prompt-suggestion-${index}`;
    item.setAttribute("role", "option");
    item.setAttribute("aria-selected", "false");
    item.dataset.index = index;
    item.className = "flex cursor-pointer items-center gap-3 rounded-md px-2.5 py-1.5 text-sm text-foreground hover:bg-muted aria-selected:bg-primary-50 aria-selected:text-primary-900 dark:aria-selected:bg-primary-500/20 dark:aria-selected:text-primary-50";
    const text = document.createElement("span");
    text.className = "min-w-0 flex-1 truncate";
    const typed = document.createElement("span");
    typed.className = "font-semibold";
    typed.textContent = suggestion.text.slice(0, suggestion.replace);
    text.append(typed, suggestion.text.slice(suggestion.replace));
    const uses = document.createElement("span");
    uses.className = "shrink-0 font-mono text-[0.6875rem] text-muted-foreground";
    uses.textContent = suggestion.uses > 1 ? `${suggestion.uses}×` : "";
    item.append(text, uses);
    return item;
  }

  highlightOption(index) {
    this.active = index;
    this.list.querySelectorAll("[role=option]").forEach((option, i) => {
      option.setAttribute("aria-selected", String(i === index));
      if (i === index) option.scrollIntoView({ block: "nearest" });
    });
    this.field.setAttribute("aria-activedescendant", `prompt-suggestion-${index}`);
  }

  accept(index) {
    const suggestion = this.suggestions[index];
    if (!suggestion) return;
    const caret = this.field.selectionStart;
    this.close();
    this.field.focus();
    this.field.setSelectionRange(Math.max(0, caret - suggestion.replace), caret);
    insertText(this.field, suggestion.text);
    this.completeSoon.cancel();
    this.close();
  }

  close() {
    if (this.box.hidden) return;
    this.box.hidden = true;
    this.suggestions = [];
    this.active = -1;
    this.list.replaceChildren();
    this.field.removeAttribute("aria-activedescendant");
  }

  announce(message) {
    const region = this.root.querySelector("[data-prompt-announce]");
    if (region) region.textContent = message;
  }
}

function initAll() {
  document.querySelectorAll("[data-prompt-editor]").forEach((root) => {
    if (!root.promptEditor && root.querySelector("textarea[name=prompt]")) root.promptEditor = new Editor(root);
  });
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", initAll);
else initAll();
document.addEventListener("htmx:load", initAll);
