// PhotoSwipe lightbox for every [data-lightbox] gallery (gallery grid, generate results, dashboard).
// Children are looked up at click time, so tiles appended later by htmx (infinite scroll, new jobs) work.
// Module URLs come from data attributes on this script's tag, so hashed static names keep working.
//
// Besides PhotoSwipe's own controls it adds: favourite and 1–5 star rating (saved through the API), an info
// panel with the image's recipe (GET /api/images/{id}), and a keyboard help overlay. Keys while it is open:
// f favourite · 1–5 rate · 0 clear the rating · i info panel · ? help · ←/→ move · Esc close.
const config = document.getElementById("lightbox-script")?.dataset || {};

// Text goes through the JavaScript catalog (/jsi18n/, loaded before this script); without it, English.
// gettext_noop only marks a string for the catalog: it is translated where it is shown.
const gettext = (text) => (window.gettext ? window.gettext(text) : text);
const gettext_noop = (text) => text;
const ngettext = (one, many, n) => (window.ngettext ? window.ngettext(one, many, n) : n === 1 ? one : many);
const interpolate = (format, values) => format.replace(/%\((\w+)\)s/g, (match, name) => String(values[name]));

const ICON = (paths, extra = "") =>
  `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" ${extra}>${paths}</svg>`;
const DETAILS_ICON = ICON('<path d="M15 3h6v6M10 14 21 3M18 13v6a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V8a2 2 0 0 1 2-2h6"/>');
const INFO_ICON = ICON('<circle cx="12" cy="12" r="9"/><path d="M12 16v-4M12 8h.01"/>');
const ITERATE_ICON = ICON('<path d="m3 21 12-12M13 7l2-2 4 4-2 2"/><path d="M6 3v3M4.5 4.5h3M19 14v3M17.5 15.5h3M11 2v2"/>');
const DOWNLOAD_ICON = ICON('<path d="M12 3v12M7 10l5 5 5-5"/><path d="M4 17v2a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-2"/>');
const HEART_PATH = '<path d="M19.5 12.6 12 20l-7.5-7.4A5 5 0 1 1 12 6a5 5 0 1 1 7.5 6.6z"/>';
const STAR_PATH = '<path d="m12 3 2.8 5.7 6.2.9-4.5 4.4 1 6.2L12 17.3l-5.5 2.9 1-6.2L3 9.6l6.2-.9z"/>';
const KEYBOARD_ICON = ICON('<rect x="2" y="6" width="20" height="12" rx="2"/><path d="M6 10h.01M10 10h.01M14 10h.01M18 10h.01M7 14h10"/>');
const CLOSE_ICON = ICON('<path d="M18 6 6 18M6 6l12 12"/>');

// `!`: photoswipe.css is unlayered, so its `.pswp__button { display: block }` beats plain utilities.
const TOP_BUTTON = "flex! items-center justify-center [&>svg]:size-[22px] [&>svg]:text-white";
const SHORTCUTS = [
  ["←  →", gettext_noop("Previous / next image")],
  ["f", gettext_noop("Favourite (again to undo)")],
  ["1 – 5", gettext_noop("Rate 1 to 5 stars")],
  ["0", gettext_noop("Clear the rating")],
  ["i", gettext_noop("Show or hide the info panel")],
  ["z", gettext_noop("Zoom")],
  ["?", gettext_noop("Show or hide this help")],
  ["Esc", gettext_noop("Close")],
];
const ID_IN_URL = /\/images\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\//i;

// ------------------------------------------------------------------------- the API

function csrfToken() {
  try {
    return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
  } catch {
    return "";
  }
}

async function api(method, url, body) {
  const response = await fetch(url, {
    method,
    credentials: "same-origin",
    headers: { Accept: "application/json", "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const detail = typeof data.detail === "string" ? data.detail : gettext("Something went wrong; please try again.");
    throw new Error(detail);
  }
  return data;
}

function toast(message, level) {
  if (window.studioToast) window.studioToast(message, level);
}

const cache = new Map(); // image id -> its GET /api/images/{id} answer (or the pending promise)

function imageData(id) {
  if (!cache.has(id)) {
    const pending = api("GET", `/api/images/${id}`).catch((error) => {
      cache.delete(id);
      throw error;
    });
    cache.set(id, pending);
  }
  return Promise.resolve(cache.get(id));
}

// ------------------------------------------------------------------------- small DOM helpers

function el(tag, className = "", text = "") {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}

function formatDate(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? "—" : date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

function typing(event) {
  const target = event.target;
  return target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
}

// ------------------------------------------------------------------------- the lightbox

// PhotoSwipe's stylesheet is needed once the lightbox opens, not for the page's first paint: added from here
// (a module script runs after parsing) it no longer holds the page back. Appended last in <head>, it keeps
// its place after app.css in the cascade.
function addStylesheet(href) {
  if (!href || document.querySelector(`link[rel="stylesheet"][href="${CSS.escape(href)}"]`)) return;
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = href;
  document.head.append(link);
}

async function start() {
  if (!config.lightbox || !config.core || !document.querySelector("[data-lightbox]")) return;
  addStylesheet(config.css);
  const { default: PhotoSwipeLightbox } = await import(config.lightbox);
  let infoOpen = false;
  const PANEL_WIDTH = 384; // max-w-sm
  const lightbox = new PhotoSwipeLightbox({
    // With the info panel open on a wide screen, the image shrinks into the space beside it.
    paddingFn: (viewport) => ({ top: 0, bottom: 0, left: 0, right: infoOpen && viewport.x >= 768 ? PANEL_WIDTH : 0 }),
    gallery: "[data-lightbox]",
    children: "a[data-pswp-src]",
    pswpModule: () => import(config.core),
    bgOpacity: 0.94,
    wheelToZoom: true,
    showHideAnimationType: window.matchMedia("(prefers-reduced-motion: reduce)").matches ? "none" : "zoom",
    closeTitle: gettext("Close (Esc)"),
    zoomTitle: gettext("Zoom (z)"),
    arrowPrevTitle: gettext("Previous (←)"),
    arrowNextTitle: gettext("Next (→)"),
    errorMsg: gettext("This image could not be loaded."),
  });

  const current = (pswp) => pswp.currSlide && pswp.currSlide.data && pswp.currSlide.data.element;
  const currentId = (pswp) => {
    const link = current(pswp);
    const match = link && (link.getAttribute("href") || "").match(ID_IN_URL);
    return match ? match[1] : null;
  };

  // Everything the studio controls show, for the slide on screen.
  const ui = {
    favorite: null,
    infoButton: null,
    stars: [],
    rating: null,
    panel: null,
    panelBody: null,
    help: null,
    pswp: null,
  };
  let state = null; // the current image's API answer

  function renderControls() {
    const known = state !== null;
    if (ui.favorite) {
      const on = known && state.is_favorite;
      ui.favorite.setAttribute("aria-pressed", on ? "true" : "false");
      ui.favorite.title = on ? gettext("Remove from favourites (f)") : gettext("Add to favourites (f)");
      ui.favorite.disabled = !known;
    }
    ui.stars.forEach((star, index) => {
      const n = index + 1;
      const lit = known && state.rating !== null && n <= state.rating;
      star.setAttribute("aria-pressed", known && state.rating === n ? "true" : "false");
      star.dataset.lit = lit ? "true" : "false";
      star.disabled = !known;
      star.title = known && state.rating === n
        ? gettext("Clear the rating (0)")
        : interpolate(ngettext("Rate %(n)s star (%(n)s)", "Rate %(n)s stars (%(n)s)", n), { n });
    });
    if (ui.rating) {
      const label = known && state.rating
        ? interpolate(gettext("Rating: %(rating)s of 5"), { rating: state.rating })
        : gettext("Rating: not rated");
      ui.rating.setAttribute("aria-label", label);
    }
    if (infoOpen) renderPanel();
  }

  function renderPanel() {
    const body = ui.panelBody;
    if (!body) return;
    body.replaceChildren();
    if (state === null) {
      body.append(el("p", "text-sm text-slate-400", gettext("Loading…")));
      return;
    }
    if (state.title) body.append(el("h3", "text-base font-semibold text-white", state.title));
    // [label, value, shown in the monospace font]
    const rows = [
      [gettext("Prompt"), state.prompt || "—"],
      ...(state.negative_prompt ? [[gettext("Negative prompt"), state.negative_prompt]] : []),
      [gettext("Model"), state.model_id || gettext("Unknown model"), true],
      [gettext("Seed"), state.seed === null || state.seed === undefined ? "—" : String(state.seed), true],
      [gettext("Size"), `${state.width} × ${state.height}`, true],
      [gettext("Created"), formatDate(state.created_at)],
    ];
    if (state.tags && state.tags.length) rows.push([gettext("Tags"), state.tags.join(", ")]);
    if (state.notes) rows.push([gettext("Notes"), state.notes]);
    const list = el("dl", "space-y-3");
    for (const [label, value, mono] of rows) {
      const row = el("div");
      row.append(el("dt", "text-[11px] font-medium uppercase tracking-wide text-slate-400", label));
      row.append(el("dd", `mt-0.5 whitespace-pre-line break-words text-sm text-slate-100${mono ? " font-mono" : ""}`, value));
      list.append(row);
    }
    body.append(list);
    const link = current(ui.pswp);
    if (link) {
      const more = el("a", "mt-4 inline-flex items-center gap-1.5 text-sm font-medium text-primary-300 underline-offset-4 hover:underline", gettext("Open the details page"));
      more.href = link.getAttribute("href");
      body.append(more);
    }
  }

  async function load(pswp) {
    const id = currentId(pswp);
    state = null;
    renderControls();
    if (!id) return;
    try {
      const data = await imageData(id);
      if (currentId(pswp) === id) {
        state = data;
        renderControls();
      }
    } catch (error) {
      if (currentId(pswp) === id && ui.panelBody && infoOpen) {
        ui.panelBody.replaceChildren(el("p", "text-sm text-red-300", interpolate(gettext("Couldn't load this image's details: %(error)s"), { error: error.message })));
      }
    }
  }

  // Optimistic: the control changes at once; a refusal (a viewer's 403, say) puts it back and says why.
  // Only the answer to an image's latest change is kept: answers can arrive out of order (f then 4, and the
  // favourite's answer, a snapshot taken before the rating was saved, lands last), and a stale one would
  // undo the newer change on screen and in the cache.
  const latestSave = new Map(); // image id -> number of its latest change
  async function save(pswp, change, request) {
    const id = currentId(pswp);
    if (!id || state === null) return;
    const before = { ...state };
    const ticket = (latestSave.get(id) || 0) + 1;
    latestSave.set(id, ticket);
    state = { ...state, ...change };
    cache.set(id, state);
    renderControls();
    try {
      const saved = await request(id);
      if (latestSave.get(id) !== ticket) return; // a later change is on its way: its answer wins
      cache.set(id, saved);
      if (currentId(pswp) === id) {
        state = saved;
        renderControls();
      }
    } catch (error) {
      toast(interpolate(gettext("Couldn't save that: %(error)s"), { error: error.message }), "error");
      if (latestSave.get(id) !== ticket) return; // a later change already replaced what this one set
      cache.set(id, before);
      if (currentId(pswp) === id) {
        state = before;
        renderControls();
      }
    }
  }

  const toggleFavorite = (pswp) => {
    if (state === null) return;
    const value = !state.is_favorite;
    save(pswp, { is_favorite: value }, (id) => api("POST", `/api/images/${id}/favorite`, { is_favorite: value }));
  };
  const rate = (pswp, n) => {
    if (state === null) return;
    const value = n === 0 || state.rating === n ? null : n;
    save(pswp, { rating: value }, (id) => api("POST", `/api/images/${id}/rate`, { rating: value }));
  };

  function setInfo(open) {
    infoOpen = open;
    if (!ui.panel) return;
    ui.panel.classList.toggle("hidden", !open);
    ui.panel.setAttribute("aria-hidden", open ? "false" : "true");
    if (ui.infoButton) ui.infoButton.setAttribute("aria-pressed", open ? "true" : "false");
    if (open) renderPanel();
    if (ui.pswp) ui.pswp.updateSize(true);
  }

  function setHelp(open) {
    if (!ui.help) return;
    ui.help.classList.toggle("hidden", !open);
    ui.help.setAttribute("aria-hidden", open ? "false" : "true");
    if (open) ui.help.querySelector("button")?.focus();
  }
  const helpOpen = () => ui.help && !ui.help.classList.contains("hidden");

  lightbox.on("uiRegister", () => {
    const pswp = lightbox.pswp;
    ui.pswp = pswp;
    pswp.ui.registerElement({
      name: "favorite-button",
      order: 7.5, // after the preloader, which pushes the buttons after it to the right
      isButton: true,
      className: `${TOP_BUTTON} aria-pressed:[&>svg]:fill-current aria-pressed:[&>svg]:text-accent-400 disabled:opacity-40`,
      title: gettext("Add to favourites (f)"),
      ariaLabel: gettext("Favourite"),
      html: ICON(HEART_PATH),
      onInit: (button) => {
        ui.favorite = button;
        button.setAttribute("aria-pressed", "false");
        button.dataset.testid = "lightbox-favorite";
      },
      onClick: () => toggleFavorite(pswp),
    });
    pswp.ui.registerElement({
      name: "info-button",
      order: 7.6,
      isButton: true,
      className: `${TOP_BUTTON} aria-pressed:[&>svg]:text-primary-300`,
      title: gettext("Info (i)"),
      ariaLabel: gettext("Show the image's information"),
      html: INFO_ICON,
      onInit: (button) => {
        ui.infoButton = button;
        button.setAttribute("aria-pressed", "false");
        button.dataset.testid = "lightbox-info";
      },
      onClick: () => setInfo(!infoOpen),
    });
    pswp.ui.registerElement({
      name: "details-button",
      order: 8,
      isButton: true,
      className: `pswp__button--details-button ${TOP_BUTTON}`,
      tagName: "a",
      title: gettext("Open details page"),
      ariaLabel: gettext("Open the image's details page"),
      html: DETAILS_ICON,
      onInit: (link) => {
        pswp.on("change", () => {
          const slide = current(pswp);
          if (slide) link.href = slide.getAttribute("href");
        });
      },
    });
    pswp.ui.registerElement({
      name: "iterate-button",
      order: 8,
      isButton: true,
      className: `pswp__button--iterate-button ${TOP_BUTTON}`,
      tagName: "a",
      title: gettext("Edit, upscale, inpaint and more"),
      ariaLabel: gettext("Open the iteration tools for this image"),
      html: ITERATE_ICON,
      onInit: (link) => {
        link.dataset.testid = "lightbox-iterate";
        pswp.on("change", () => {
          const slide = current(pswp);
          link.hidden = !slide?.dataset.iterate;  // tiles offer the tools only where the viewer may use them
          if (slide?.dataset.iterate) link.href = slide.dataset.iterate;
        });
      },
    });
    pswp.ui.registerElement({
      name: "download-button",
      order: 9,
      isButton: true,
      className: `pswp__button--download-button ${TOP_BUTTON}`,
      tagName: "a",
      title: gettext("Download original"),
      ariaLabel: gettext("Download original"),
      html: DOWNLOAD_ICON,
      onInit: (link) => {
        link.setAttribute("download", "");
        pswp.on("change", () => {
          const slide = current(pswp);
          if (slide) link.href = slide.dataset.download || `${slide.dataset.pswpSrc}?download=1`;
        });
      },
    });
    pswp.ui.registerElement({
      name: "help-button",
      order: 9.5,
      isButton: true,
      className: `${TOP_BUTTON} max-sm:hidden!`,
      title: gettext("Keyboard shortcuts (?)"),
      ariaLabel: gettext("Keyboard shortcuts"),
      html: KEYBOARD_ICON,
      onClick: () => setHelp(!helpOpen()),
    });

    // Rating: five stars at the bottom, above the caption.
    pswp.ui.registerElement({
      name: "rating",
      order: 10,
      isButton: false,
      appendTo: "root",
      className:
        "absolute bottom-4 left-1/2 z-[2] flex -translate-x-1/2 items-center gap-0.5 rounded-full bg-slate-900/75 px-2 py-1 backdrop-blur-sm",
      onInit: (bar) => {
        bar.setAttribute("role", "group");
        bar.dataset.testid = "lightbox-rating";
        ui.rating = bar;
        for (let n = 1; n <= 5; n += 1) {
          const star = el(
            "button",
            "grid size-9 place-items-center rounded-full text-slate-300 transition-colors hover:text-warning-300 focus-visible:outline-2 focus-visible:outline-primary-400 disabled:opacity-40 data-[lit=true]:text-warning-400 data-[lit=true]:[&>svg]:fill-current [&>svg]:size-5",
          );
          star.type = "button";
          star.innerHTML = ICON(STAR_PATH);
          star.setAttribute("aria-label", interpolate(ngettext("%(n)s star", "%(n)s stars", n), { n }));
          star.dataset.testid = `lightbox-rate-${n}`;
          star.addEventListener("click", () => rate(pswp, n));
          ui.stars.push(star);
          bar.append(star);
        }
      },
    });

    pswp.ui.registerElement({
      name: "custom-caption",
      order: 11,
      isButton: false,
      appendTo: "root",
      className: "pswp__custom-caption bottom-[4.25rem]!",
      onInit: (caption) => {
        caption.setAttribute("aria-live", "polite");
        pswp.on("change", () => {
          const slide = current(pswp);
          const img = slide && slide.querySelector("img");
          caption.textContent = img ? img.getAttribute("alt") || "" : "";
        });
      },
    });

    // The info panel: the recipe and what the user set, beside the image (over it on a phone).
    pswp.ui.registerElement({
      name: "info-panel",
      order: 12,
      isButton: false,
      appendTo: "root",
      className:
        "hidden absolute bottom-0 right-0 top-[60px] z-[3] flex w-full max-w-sm flex-col border-l border-t border-white/10 bg-slate-950/95 text-slate-100 shadow-2xl backdrop-blur-md md:rounded-tl-xl",
      onInit: (panel) => {
        panel.setAttribute("role", "complementary");
        panel.setAttribute("aria-label", gettext("Image information"));
        panel.setAttribute("aria-hidden", "true");
        panel.dataset.testid = "lightbox-info-panel";
        const head = el("div", "flex items-center justify-between gap-2 border-b border-white/10 px-5 py-3");
        head.append(el("h2", "text-sm font-semibold text-white", gettext("Image information")));
        const close = el("button", "grid size-9 place-items-center rounded-md text-slate-300 hover:bg-white/10 hover:text-white [&>svg]:size-5");
        close.type = "button";
        close.innerHTML = CLOSE_ICON;
        close.setAttribute("aria-label", gettext("Close the information panel (i)"));
        close.addEventListener("click", () => setInfo(false));
        head.append(close);
        const body = el("div", "flex-1 overflow-y-auto px-5 py-4");
        panel.append(head, body);
        ui.panel = panel;
        ui.panelBody = body;
        // Wheel and drag inside the panel scroll it instead of zooming or swiping the image.
        for (const type of ["wheel", "pointerdown", "touchstart"]) {
          panel.addEventListener(type, (event) => event.stopPropagation(), { passive: true });
        }
      },
    });

    // Keyboard help.
    pswp.ui.registerElement({
      name: "keyboard-help",
      order: 13,
      isButton: false,
      appendTo: "root",
      className: "hidden absolute inset-0 z-[4] grid place-items-center bg-slate-950/70 p-4 backdrop-blur-sm",
      onInit: (overlay) => {
        overlay.setAttribute("role", "dialog");
        overlay.setAttribute("aria-modal", "true");
        overlay.setAttribute("aria-labelledby", "lightbox-help-title");
        overlay.setAttribute("aria-hidden", "true");
        overlay.dataset.testid = "lightbox-help";
        const card = el("div", "w-full max-w-sm rounded-xl border border-white/10 bg-slate-900 p-5 text-slate-100 shadow-2xl");
        const head = el("div", "mb-3 flex items-center justify-between");
        const title = el("h2", "text-base font-semibold text-white", gettext("Keyboard shortcuts"));
        title.id = "lightbox-help-title";
        const close = el("button", "grid size-8 place-items-center rounded-md text-slate-300 hover:bg-white/10 hover:text-white [&>svg]:size-4");
        close.type = "button";
        close.innerHTML = CLOSE_ICON;
        close.setAttribute("aria-label", gettext("Close the shortcuts"));
        close.addEventListener("click", () => setHelp(false));
        head.append(title, close);
        const list = el("dl", "divide-y divide-white/10 text-sm");
        for (const [keys, what] of SHORTCUTS) {
          const row = el("div", "flex items-center justify-between gap-4 py-2");
          row.append(el("dt", "text-slate-300", gettext(what)));
          const dd = el("dd");
          dd.append(el("kbd", "rounded border border-white/20 bg-white/10 px-1.5 py-0.5 font-mono text-xs text-white", keys));
          row.append(dd);
          list.append(row);
        }
        card.append(head, list);
        overlay.append(card);
        overlay.addEventListener("click", (event) => {
          if (event.target === overlay) setHelp(false);
        });
        ui.help = overlay;
      },
    });

    pswp.on("change", () => load(pswp));
  });

  // Keys go to us before PhotoSwipe (capture on window), only while it is open and nobody is typing.
  function onKey(event) {
    const pswp = lightbox.pswp;
    if (!pswp || typing(event) || event.ctrlKey || event.metaKey || event.altKey) return;
    if (!opened && event.key !== "Escape") {
      // A key that lands during the opening zoom leaves PhotoSwipe's slides stuck; wait for the end.
      event.preventDefault();
      event.stopImmediatePropagation();
      return;
    }
    let handled = true;
    if (event.key === "Escape" && helpOpen()) setHelp(false);
    else if (event.key === "?") setHelp(!helpOpen());
    else if (helpOpen()) handled = false;
    else if (event.key === "f" || event.key === "F") toggleFavorite(pswp);
    else if (event.key === "i" || event.key === "I") setInfo(!infoOpen);
    else if (/^[0-5]$/.test(event.key)) rate(pswp, Number(event.key));
    else handled = false;
    if (handled) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }
  let opened = false;
  lightbox.on("beforeOpen", () => window.addEventListener("keydown", onKey, true));
  lightbox.on("openingAnimationEnd", () => {
    opened = true;
    lightbox.pswp.element.dataset.opened = "true";
  });
  lightbox.on("destroy", () => {
    window.removeEventListener("keydown", onKey, true);
    opened = false;
    Object.assign(ui, { favorite: null, stars: [], rating: null, panel: null, panelBody: null, help: null, infoButton: null });
    state = null;
    infoOpen = false;
  });

  lightbox.init();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
