// AI Image Studio — page behaviour. Loaded with `defer` before Alpine (CSP build), so the Alpine.data
// components below are registered on `alpine:init`. Everything else is plain event delegation, which keeps
// working after htmx swaps new HTML in.
(() => {
  "use strict";

  // Text goes through the JavaScript catalog (/jsi18n/, loaded before this script); without it, English.
  const gettext = (text) => (window.gettext ? window.gettext(text) : text);
  const ngettext = (one, many, n) => (window.ngettext ? window.ngettext(one, many, n) : n === 1 ? one : many);
  const interpolate = (format, values) => format.replace(/%\((\w+)\)s/g, (match, name) => String(values[name]));

  const qs = (selector, root = document) => root.querySelector(selector);
  const qsa = (selector, root = document) => Array.from(root.querySelectorAll(selector));
  const isTyping = (el) =>
    !!el && (el.isContentEditable || !!el.closest("input, textarea, select, [contenteditable='true'], [contenteditable='']"));

  // ---------------------------------------------------------------- toasts
  function toast(message, level = "info", durationMs = 0) {
    const region = qs("#toast-region");
    if (!region || !message) return null;
    const same = qsa("[data-toast-message]", region).find((el) => el.textContent === message);
    if (same) return same.closest(".toast"); // no duplicates
    const template = qs(`#toast-template-${level}`) || qs("#toast-template-info");
    const node = template.content.firstElementChild.cloneNode(true);
    qs("[data-toast-message]", node).textContent = message;
    if (durationMs) node.dataset.duration = String(durationMs);
    region.appendChild(node);
    return node;
  }
  window.studioToast = toast;

  // ---------------------------------------------------------------- clipboard
  async function copyText(text) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch (error) {
      const area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      let ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      area.remove();
      return ok;
    }
  }

  // ---------------------------------------------------------------- Alpine components
  document.addEventListener("alpine:init", () => {
    const Alpine = window.Alpine;

    // A toast that removes itself after a few seconds (longer for errors). Pauses while hovered.
    Alpine.data("toast", () => ({
      timer: null,
      init() {
        this.start();
      },
      start() {
        const ms = parseInt(this.$el.dataset.duration || "0", 10) || (this.$el.dataset.level === "error" ? 9000 : 5000);
        this.timer = setTimeout(() => this.dismiss(), ms);
      },
      pause() {
        clearTimeout(this.timer);
      },
      dismiss() {
        clearTimeout(this.timer);
        const el = this.$el;
        el.style.transition = "opacity 200ms ease, transform 200ms ease";
        el.style.opacity = "0";
        el.style.transform = "translateY(6px)";
        setTimeout(() => el.remove(), 200);
      },
    }));

    // Copy the text of data-copy-text (or the element named by data-copy-from) to the clipboard.
    Alpine.data("copyButton", () => ({
      copied: false,
      get idle() {
        return !this.copied;
      },
      async copy() {
        const el = this.$el;
        const source = el.dataset.copyFrom ? document.getElementById(el.dataset.copyFrom) : null;
        const text = source ? source.textContent.trim() : el.dataset.copyText || "";
        const ok = await copyText(text);
        if (ok) {
          this.copied = true;
          setTimeout(() => { this.copied = false; }, 2000);
        } else {
          toast(gettext("Could not copy — select the text and copy it manually."), "error");
        }
      },
    }));

    // Accessible tabs: [role=tab][data-tab] buttons switch [data-tab-panel] panels; arrow keys move.
    Alpine.data("tabs", () => ({
      root: null,
      init() {
        // In x-on handlers `this.$el` is the element the handler sits on (the tablist), so keep the root.
        this.root = this.$el;
        const tabs = this.tabs();
        const selected = tabs.find((t) => t.getAttribute("aria-selected") === "true") || tabs[0];
        if (selected) this.select(selected, false);
      },
      tabs() {
        return qsa("[role=tab]", this.root).filter((t) => t.closest("[x-data]") === this.root);
      },
      select(tab, focus = true) {
        const name = tab.dataset.tab;
        this.tabs().forEach((t) => {
          const on = t === tab;
          t.setAttribute("aria-selected", String(on));
          t.tabIndex = on ? 0 : -1;
        });
        qsa("[data-tab-panel]", this.root).forEach((panel) => {
          panel.hidden = panel.dataset.tabPanel !== name;
        });
        if (focus) tab.focus();
      },
      choose(event) {
        const tab = event.target.closest("[role=tab]");
        if (tab) this.select(tab);
      },
      keys(event) {
        const tabs = this.tabs();
        const index = tabs.indexOf(document.activeElement);
        if (index < 0) return;
        let next = null;
        if (event.key === "ArrowRight") next = tabs[(index + 1) % tabs.length];
        else if (event.key === "ArrowLeft") next = tabs[(index - 1 + tabs.length) % tabs.length];
        else if (event.key === "Home") next = tabs[0];
        else if (event.key === "End") next = tabs[tabs.length - 1];
        if (next) {
          event.preventDefault();
          this.select(next);
        }
      },
    }));

    // A slider mirrored by a number input (the number input carries the name and is what is submitted).
    Alpine.data("rangeField", () => ({
      fromRange() {
        this.$refs.number.value = this.$refs.range.value;
      },
      fromNumber() {
        const value = this.$refs.number.value;
        if (value !== "") this.$refs.range.value = value;
      },
    }));

    // The generate form: model details, cost estimate, prompt ideas, seed reset, ?prompt= prefill.
    Alpine.data("generateForm", () => ({
      costText: "",
      styleText: "",
      init() {
        const prompt = this.$el.querySelector("[name=prompt]");
        const fromUrl = new URLSearchParams(window.location.search).get("prompt");
        if (prompt && fromUrl && !prompt.value) prompt.value = fromUrl;
        this.refresh();
      },
      refresh() {
        const form = this.$el;
        const select = form.querySelector("select[name=model]");
        const option = select ? select.selectedOptions[0] : null;
        qsa("[data-model-info]", form).forEach((block) => {
          block.hidden = !option || block.dataset.modelInfo !== option.value;
        });
        const style = form.querySelector("select[name=style]");
        const fragment = style ? form.querySelector(`[data-style-fragment="${style.value}"]`) : null;
        this.styleText = fragment ? interpolate(gettext("Adds: %(fragment)s"), { fragment: fragment.textContent }) : "";
        const checked = form.querySelector("input[name=num_images]:checked");
        const count = checked ? parseInt(checked.value, 10) : 1;
        const unit = option ? parseInt(option.dataset.cost || "0", 10) : 0;
        const total = unit * count;
        const balance = parseInt(form.dataset.balance || "0", 10);
        if (!option) this.costText = "";
        else if (total === 0) this.costText = gettext("Free — runs on the offline engine");
        else {
          const format = ngettext("≈ %(total)s credit · you have %(balance)s", "≈ %(total)s credits · you have %(balance)s", total);
          this.costText = interpolate(format, { total, balance });
        }
      },
      usePrompt(event) {
        const chip = event.target.closest("[data-prompt]");
        const prompt = this.$el.querySelector("[name=prompt]");
        if (!chip || !prompt) return;
        prompt.value = chip.dataset.prompt;
        prompt.dispatchEvent(new Event("input", { bubbles: true }));
        prompt.focus();
      },
      randomSeed() {
        const seed = this.$el.querySelector("[name=seed]");
        if (!seed) return;
        seed.value = "";
        seed.focus();
        toast(gettext("Seed cleared — each run will use a new random seed."), "info");
      },
    }));
  });

  // ---------------------------------------------------------------- dropdown menus (<details data-dropdown>)
  const openDropdowns = () => qsa("details[data-dropdown][open]");
  const menuItems = (details) => qsa("[role=menuitem]:not([disabled])", details);

  document.addEventListener("click", (event) => {
    openDropdowns().forEach((details) => {
      if (!details.contains(event.target)) details.open = false;
    });
    // Choosing a menu item closes its menu (links navigate away anyway).
    const item = event.target.closest("details[data-dropdown] [role=menuitem]");
    if (item && !item.closest("form")) item.closest("details").open = false;
  });

  document.addEventListener("keydown", (event) => {
    const details = event.target.closest && event.target.closest("details[data-dropdown]");
    if (!details) return;
    const items = menuItems(details);
    const index = items.indexOf(document.activeElement);
    if (event.key === "Escape" && details.open) {
      details.open = false;
      qs("summary", details).focus();
      event.preventDefault();
      event.stopPropagation();
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!details.open) details.open = true;
      if (!items.length) return;
      const step = event.key === "ArrowDown" ? 1 : -1;
      const next = index < 0 ? (step > 0 ? 0 : items.length - 1) : (index + step + items.length) % items.length;
      items[next].focus();
    } else if ((event.key === "Home" || event.key === "End") && details.open && items.length) {
      event.preventDefault();
      items[event.key === "Home" ? 0 : items.length - 1].focus();
    } else if (event.key === "Tab" && details.open && index === items.length - 1 && !event.shiftKey) {
      details.open = false;
    }
  });

  // ---------------------------------------------------------------- dialogs (native <dialog>)
  function openDialog(id, opener) {
    const dialog = document.getElementById(id);
    if (!dialog || dialog.open) return;
    dialog._opener = opener || document.activeElement;
    dialog.showModal();
    if (opener) opener.setAttribute("aria-expanded", "true");
  }
  window.studioOpenDialog = openDialog;

  document.addEventListener("click", (event) => {
    const opener = event.target.closest("[data-dialog-open]");
    if (opener) {
      event.preventDefault();
      openDropdowns().forEach((d) => { d.open = false; });
      openDialog(opener.dataset.dialogOpen, opener);
      return;
    }
    const closer = event.target.closest("[data-dialog-close]");
    if (closer) {
      const dialog = closer.closest("dialog");
      if (dialog) dialog.close();
      return;
    }
    // Click on the backdrop (outside the dialog box) closes it.
    if (event.target.tagName === "DIALOG" && event.target.open) {
      const box = event.target.getBoundingClientRect();
      const inside = event.clientX >= box.left && event.clientX <= box.right && event.clientY >= box.top && event.clientY <= box.bottom;
      if (!inside) event.target.close();
    }
  });
  document.addEventListener("close", (event) => {
    const dialog = event.target;
    if (dialog.tagName !== "DIALOG") return;
    if (dialog._opener) {
      dialog._opener.setAttribute("aria-expanded", "false");
      if (document.contains(dialog._opener)) dialog._opener.focus();
    }
  }, true);

  // ---------------------------------------------------------------- sidebar collapse (desktop)
  function syncSidebarToggles() {
    const collapsed = document.documentElement.dataset.sidebar === "collapsed";
    qsa("[data-sidebar-toggle]").forEach((button) => {
      button.setAttribute("aria-expanded", String(!collapsed));
      const label = collapsed ? gettext("Expand sidebar") : gettext("Collapse sidebar");
      button.setAttribute("aria-label", label);
      button.title = label;
    });
  }
  document.addEventListener("click", (event) => {
    if (!event.target.closest("[data-sidebar-toggle]")) return;
    const root = document.documentElement;
    const collapsed = root.dataset.sidebar !== "collapsed";
    if (collapsed) root.dataset.sidebar = "collapsed";
    else delete root.dataset.sidebar;
    try { localStorage.setItem("studio-sidebar", collapsed ? "collapsed" : "expanded"); } catch (e) { /* ignore */ }
    syncSidebarToggles();
  });

  // ---------------------------------------------------------------- keyboard shortcuts
  // Single-key shortcuts: the user's keys from Settings → Preferences (the page's #shortcut-map), else these.
  const DEFAULT_SHORTCUTS = { search: "/", generate: "g", help: "?" };
  function shortcutKeys() {
    const script = document.getElementById("shortcut-map");
    try {
      return Object.assign({}, DEFAULT_SHORTCUTS, script ? JSON.parse(script.textContent) : {});
    } catch (e) {
      return DEFAULT_SHORTCUTS;
    }
  }

  function focusSearch() {
    const search = qsa("[data-shortcut-search]").find((el) => el.offsetParent !== null);
    if (search) {
      search.focus();
      search.select();
      return true;
    }
    return false;
  }

  // Web Share API (phones): buttons marked data-web-share appear where the browser can share, and open
  // the system share sheet with their data-share-url and data-share-title.
  document.addEventListener("DOMContentLoaded", () => {
    if (!navigator.share) return;
    qsa("[data-web-share]").forEach((button) => {
      button.hidden = false;
      button.addEventListener("click", () => {
        navigator.share({ title: button.dataset.shareTitle, url: button.dataset.shareUrl }).catch(() => {});
      });
    });
  });

  // A select marked data-autosubmit sends its form as soon as it changes (e.g. the workspace switcher).
  document.addEventListener("change", (event) => {
    const select = event.target.closest && event.target.closest("select[data-autosubmit]");
    if (select && select.form) select.form.requestSubmit();
  });

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.altKey) return;
    const target = event.target;

    // ⌘/Ctrl+Enter submits the form you are typing in (generate form).
    if ((event.metaKey || event.ctrlKey) && event.key === "Enter" && target.form && target.form.matches("[data-submit-shortcut]")) {
      event.preventDefault();
      target.form.requestSubmit();
      return;
    }
    // ⌘/Ctrl+K: search.
    if ((event.metaKey || event.ctrlKey) && event.key.toLowerCase() === "k") {
      if (focusSearch()) event.preventDefault();
      return;
    }
    if (event.metaKey || event.ctrlKey || isTyping(target)) return;
    if (document.querySelector("dialog[open], .pswp--open")) return;

    const keys = shortcutKeys();
    if (event.key === keys.search) {
      if (focusSearch()) event.preventDefault();
    } else if (event.key === keys.generate) {
      const prompt = qs("#generate-form [name=prompt]");
      if (prompt) {
        event.preventDefault();
        prompt.focus();
        return;
      }
      const link = qs("[data-shortcut-generate]");
      if (link) {
        event.preventDefault();
        window.location.assign(link.href);
      }
    } else if (event.key === keys.help) {
      if (qs("#shortcuts-dialog")) {
        event.preventDefault();
        openDialog("shortcuts-dialog");
      }
    }
  });

  // ---------------------------------------------------------------- forms: pressed/loading state on plain submits
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (event.defaultPrevented || form.hasAttribute("hx-post") || form.hasAttribute("hx-get")) return;
    const button = event.submitter && event.submitter.matches(".btn[data-loading]")
      ? event.submitter
      : form.querySelector(".btn[data-loading][type=submit]");
    if (button) {
      button.classList.add("is-loading");
      button.setAttribute("aria-busy", "true");
    }
  });
  window.addEventListener("pageshow", () => {
    qsa(".btn.is-loading").forEach((b) => {
      b.classList.remove("is-loading");
      b.removeAttribute("aria-busy");
    });
  });

  // Buttons marked data-native-submit post their form to their formaction with a normal page load,
  // bypassing htmx (e.g. "Save as preset" inside the htmx generate form).
  document.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-native-submit]");
    if (!button || !button.form) return;
    event.preventDefault();
    event.stopPropagation();
    const form = button.form;
    if (button.name) {
      const hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = button.name;
      hidden.value = button.value;
      form.appendChild(hidden);
    }
    button.classList.add("is-loading");
    form.action = button.formAction || form.action;
    HTMLFormElement.prototype.submit.call(form);
  }, true);

  // ---------------------------------------------------------------- selection and moving images
  // Tiles marked data-drag-image inside a [data-selectable] grid can be selected (the corner check; shift for a
  // range; once something is selected a click selects instead of opening) and dragged onto any
  // [data-drop-project] target — the sidebar's projects, or the drop tray on narrow screens. Mouse and pen
  // drag after a few pixels; a finger drags after a long press (a long press without moving selects). Moves
  // are optimistic: on a project page the tiles leave at once, a toast offers Undo, a failure puts them back.
  const DRAG_DISTANCE = 6;
  const LONG_PRESS_MS = 400;
  const selection = new Set();
  let lastToggled = null;
  let press = null;
  let drag = null;
  let suppressClick = false;
  let moving = false;

  const selectableRoot = () => qs("[data-selectable]");
  const tilesIn = (root) => (root ? qsa("[data-drag-image]", root) : []);
  const tileBox = (tile) => tile.closest("[data-drag-item]") || tile;

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  async function api(method, url, body) {
    const response = await fetch(url, {
      method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
      body: body ? JSON.stringify(body) : undefined,
    });
    let data = null;
    try { data = await response.json(); } catch (error) { data = null; }
    if (!response.ok) {
      const detail = data && typeof data.detail === "string"
        ? data.detail
        : interpolate(gettext("the studio answered %(status)s"), { status: response.status });
      throw new Error(detail);
    }
    return data;
  }

  function renderSelection() {
    const root = selectableRoot();
    tilesIn(root).forEach((tile) => {
      const on = selection.has(tile.dataset.dragImage);
      tile.classList.toggle("is-selected", on);
      const check = qs("[data-select-toggle]", tile);
      if (check) {
        check.setAttribute("aria-pressed", String(on));
        check.setAttribute("aria-label", on ? gettext("Deselect this image") : gettext("Select this image"));
      }
    });
    if (root) {
      if (selection.size) root.dataset.selecting = "";
      else delete root.dataset.selecting;
    }
    const bar = qs("#selection-bar");
    if (bar) {
      bar.hidden = selection.size === 0;
      const count = qs("[data-selection-count]", bar);
      if (count) count.textContent = String(selection.size);
    }
  }

  function toggleTile(tile, range) {
    const visible = tilesIn(selectableRoot()).filter((t) => !tileBox(t).classList.contains("is-moving-out"));
    const from = range && lastToggled ? visible.indexOf(lastToggled) : -1;
    const to = visible.indexOf(tile);
    if (from >= 0 && to >= 0) {
      visible.slice(Math.min(from, to), Math.max(from, to) + 1).forEach((t) => selection.add(t.dataset.dragImage));
    } else if (selection.has(tile.dataset.dragImage)) {
      selection.delete(tile.dataset.dragImage);
    } else {
      selection.add(tile.dataset.dragImage);
    }
    lastToggled = tile;
    renderSelection();
  }

  function clearSelection() {
    selection.clear();
    lastToggled = null;
    renderSelection();
  }

  document.addEventListener("click", (event) => {
    if (suppressClick) {
      suppressClick = false;
      event.preventDefault();
      event.stopPropagation();
      return;
    }
    const tile = event.target.closest && event.target.closest("[data-selectable] [data-drag-image]");
    if (!tile || event.target.closest(".tile-action")) return;
    if (event.target.closest("[data-select-toggle]") || selection.size || event.shiftKey) {
      event.preventDefault();
      event.stopPropagation();
      toggleTile(tile, event.shiftKey);
    }
  }, true);

  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-selection-clear]")) clearSelection();
    else if (event.target.closest("[data-selection-all]")) {
      tilesIn(selectableRoot())
        .filter((t) => !tileBox(t).classList.contains("is-moving-out"))
        .forEach((t) => selection.add(t.dataset.dragImage));
      renderSelection();
    }
  });

  document.addEventListener("change", (event) => {
    const select = event.target.closest && event.target.closest("[data-selection-move]");
    if (!select || !select.value) return;
    const name = select.selectedOptions[0].textContent;
    moveImages([...selection], select.value, name);
    select.value = "";
  });

  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    if (drag) {
      endDrag(null);
      event.preventDefault();
    } else if (selection.size && !document.querySelector("dialog[open], .pswp--open, details[data-dropdown][open]")) {
      clearSelection();
    }
  });

  document.addEventListener("htmx:afterSettle", renderSelection); // newly loaded pages of tiles

  function setImageCount(delta) {
    const count = qs("[data-testid=image-count]");
    if (!count || !delta) return;
    const value = parseInt(count.textContent.replace(/\D/g, ""), 10);
    if (!Number.isNaN(value)) count.textContent = Math.max(0, value + delta).toLocaleString("en-US");
  }

  function undoToast(message, undo) {
    const node = toast(message, "success", 10000);
    const text = node && qs("[data-toast-message]", node);
    if (!text || qs("[data-undo]", node)) return;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-outline btn-sm -my-1 shrink-0";
    button.textContent = gettext("Undo");
    button.dataset.undo = "";
    button.dataset.testid = "undo-move";
    button.addEventListener("click", () => {
      button.disabled = true;
      node.remove();
      undo();
    });
    text.after(button);
  }

  async function moveImages(ids, projectId, projectName) {
    if (!ids.length || moving) return;
    const root = selectableRoot();
    const here = root ? root.dataset.currentProject || "" : "";
    if (projectId === here) {
      toast(interpolate(gettext("Already in %(project)s."), { project: projectName }), "info");
      return;
    }
    const leaving = here
      ? tilesIn(root).filter((t) => ids.includes(t.dataset.dragImage)).map(tileBox)
      : [];
    leaving.forEach((el) => el.classList.add("is-moving-out"));
    ids.forEach((id) => selection.delete(id));
    renderSelection();
    setImageCount(-leaving.length);
    moving = true;
    try {
      const result = await api("POST", `/api/projects/${projectId}/images/add`, { image_ids: ids });
      const n = ids.length;
      const message = interpolate(ngettext("Moved %(count)s image to %(project)s.", "Moved %(count)s images to %(project)s.", n), { count: n, project: projectName });
      undoToast(message, () => undoMove(result.previous, projectId, leaving));
    } catch (error) {
      leaving.forEach((el) => el.classList.remove("is-moving-out"));
      setImageCount(leaving.length);
      toast(interpolate(gettext("Couldn't move the images: %(error)s"), { error: error.message }), "error");
    } finally {
      moving = false;
    }
  }

  // Put every image back where it was: into its previous project, or out of any project.
  async function undoMove(previous, projectId, leaving) {
    const back = {};
    Object.entries(previous || {}).forEach(([id, from]) => {
      if (from !== projectId) (back[from || ""] = back[from || ""] || []).push(id);
    });
    try {
      await Promise.all(Object.entries(back).map(([from, ids]) => (from
        ? api("POST", `/api/projects/${from}/images/add`, { image_ids: ids })
        : Promise.all(ids.map((id) => api("DELETE", `/api/projects/${projectId}/images/${id}`))))));
      leaving.forEach((el) => el.classList.remove("is-moving-out"));
      setImageCount(leaving.length);
      toast(gettext("Move undone."), "success");
    } catch (error) {
      toast(interpolate(gettext("Couldn't undo the move: %(error)s"), { error: error.message }), "error");
    }
  }

  // The selection bar's other actions: favourite, tags, collections, trash (optimistic, with Undo), and
  // downloads (a real form post, so the browser streams the file to disk instead of into memory).
  const selectedIds = () => [...selection];

  async function bulk(url, body, done) {
    const ids = selectedIds();
    if (!ids.length) return;
    try {
      const result = await api("POST", url, { image_ids: ids, ...body });
      toast(done(ids.length, result), "success");
    } catch (error) {
      toast(interpolate(gettext("That didn't work: %(error)s"), { error: error.message }), "error");
    }
  }

  async function trashSelected() {
    const ids = selectedIds();
    if (!ids.length) return;
    const leaving = tilesIn(selectableRoot()).filter((t) => ids.includes(t.dataset.dragImage)).map(tileBox);
    leaving.forEach((el) => el.classList.add("is-moving-out"));
    setImageCount(-leaving.length);
    clearSelection();
    try {
      await api("POST", "/api/images/bulk-delete", { image_ids: ids });
      const message = ngettext("Moved %(count)s image to the trash.", "Moved %(count)s images to the trash.", ids.length);
      undoToast(interpolate(message, { count: ids.length }), async () => {
        try {
          await Promise.all(ids.map((id) => api("POST", `/api/images/${id}/restore`)));
          leaving.forEach((el) => el.classList.remove("is-moving-out"));
          setImageCount(leaving.length);
          toast(gettext("Restored."), "success");
        } catch (error) {
          toast(interpolate(gettext("Couldn't restore: %(error)s"), { error: error.message }), "error");
        }
      });
    } catch (error) {
      leaving.forEach((el) => el.classList.remove("is-moving-out"));
      setImageCount(leaving.length);
      toast(interpolate(gettext("Couldn't move them to the trash: %(error)s"), { error: error.message }), "error");
    }
  }

  function exportSelected(url) {
    const ids = selectedIds();
    if (!ids.length) return;
    const form = document.createElement("form");
    form.method = "post";
    form.action = url;
    form.hidden = true;
    const fields = [["csrfmiddlewaretoken", csrfToken()], ...ids.map((id) => ["ids", id])];
    fields.forEach(([name, value]) => {
      const input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = value;
      form.appendChild(input);
    });
    document.body.appendChild(form);
    form.submit();
    form.remove();
  }

  document.addEventListener("click", (event) => {
    const exporter = event.target.closest("[data-selection-export]");
    if (exporter) {
      exportSelected(exporter.dataset.selectionExport);
      return;
    }
    const button = event.target.closest("[data-selection-action]");
    if (!button) return;
    const tagInput = qs("[data-selection-tag]");
    const tag = tagInput ? tagInput.value.trim() : "";
    switch (button.dataset.selectionAction) {
      case "favourite":
        bulk("/api/images/bulk-favorite", { is_favorite: true }, (n) => interpolate(
          ngettext("Marked %(count)s image as favourites.", "Marked %(count)s images as favourites.", n), { count: n }));
        break;
      case "unfavourite":
        bulk("/api/images/bulk-favorite", { is_favorite: false }, (n) => interpolate(
          ngettext("Removed %(count)s image from favourites.", "Removed %(count)s images from favourites.", n), { count: n }));
        break;
      case "tag":
      case "untag":
        if (!tag) {
          toast(gettext("Type a tag first."), "warning");
          if (tagInput) tagInput.focus();
          return;
        }
        bulk("/api/images/bulk-tag", button.dataset.selectionAction === "tag" ? { add: [tag] } : { remove: [tag] },
          (n) => interpolate(button.dataset.selectionAction === "tag"
            ? ngettext("Tagged %(count)s image “%(tag)s”.", "Tagged %(count)s images “%(tag)s”.", n)
            : ngettext("Removed “%(tag)s” from %(count)s image.", "Removed “%(tag)s” from %(count)s images.", n), { count: n, tag }));
        tagInput.value = "";
        break;
      case "trash":
        trashSelected();
        break;
      default:
        break;
    }
  });

  document.addEventListener("change", async (event) => {
    const select = event.target.closest && event.target.closest("[data-selection-collection]");
    if (!select || !select.value) return;
    const [collectionId, name] = [select.value, select.selectedOptions[0].textContent];
    const ids = selectedIds();
    select.value = "";
    if (!ids.length) return;
    try {
      const result = await api("POST", `/api/collections/${collectionId}/images`, { image_ids: ids });
      const format = result.already
        ? ngettext("Added %(count)s image to %(name)s (%(already)s already there).", "Added %(count)s images to %(name)s (%(already)s already there).", result.added)
        : ngettext("Added %(count)s image to %(name)s.", "Added %(count)s images to %(name)s.", result.added);
      toast(interpolate(format, { count: result.added, name, already: result.already }), "success");
    } catch (error) {
      toast(interpolate(gettext("Couldn't add them to %(name)s: %(error)s"), { name, error: error.message }), "error");
    }
  });

  function cancelPress() {
    if (press) clearTimeout(press.timer);
    press = null;
  }

  function startDrag(x, y) {
    const { tile, pointerId, type: pressType } = press;
    cancelPress();
    const id = tile.dataset.dragImage;
    const ids = selection.has(id) ? [...selection] : [id];
    const ghost = document.createElement("div");
    ghost.className = "drag-ghost";
    ghost.dataset.testid = "drag-ghost";
    const img = qs("img", tile);
    if (img) ghost.style.backgroundImage = `url("${img.currentSrc || img.src}")`;
    if (ids.length > 1) {
      const badge = document.createElement("span");
      badge.textContent = String(ids.length);
      ghost.appendChild(badge);
    }
    document.body.appendChild(ghost);
    const tiles = tilesIn(selectableRoot()).filter((t) => ids.includes(t.dataset.dragImage));
    tiles.forEach((t) => t.classList.add("is-dragging"));
    document.documentElement.classList.add("is-dragging-images");
    const sidebar = qs("#sidebar");
    const tray = qs("#drop-tray");
    if (tray && (!sidebar || getComputedStyle(sidebar).display === "none")) tray.hidden = false;
    drag = { ids, ghost, tiles, pointerId, over: null, touch: pressType === "touch" };
    moveDrag(x, y);
  }

  function moveDrag(x, y) {
    // Beside the mouse pointer; above a finger, which would hide it.
    const [dx, dy] = drag.touch ? [-40, -110] : [12, 12];
    drag.ghost.style.transform = `translate(${x + dx}px, ${y + dy}px)`;
    const under = document.elementFromPoint(x, y);
    const over = under ? under.closest("[data-drop-project]") : null;
    if (over !== drag.over) {
      if (drag.over) drag.over.classList.remove("is-drop-over");
      if (over) over.classList.add("is-drop-over");
      drag.over = over;
    }
  }

  function endDrag(point) {
    const { ids, ghost, tiles, over } = drag;
    drag = null;
    ghost.remove();
    tiles.forEach((t) => t.classList.remove("is-dragging"));
    document.documentElement.classList.remove("is-dragging-images");
    if (over) over.classList.remove("is-drop-over");
    const tray = qs("#drop-tray");
    if (tray) tray.hidden = true;
    suppressClick = true;
    setTimeout(() => { suppressClick = false; }, 0);
    if (point && over) moveImages(ids, over.dataset.dropProject, over.dataset.projectName);
  }

  document.addEventListener("pointerdown", (event) => {
    if (drag || event.button !== 0) return;
    const tile = event.target.closest && event.target.closest("[data-selectable] [data-drag-image]");
    if (!tile || event.target.closest("button, form, .tile-action")) return;
    press = { tile, x: event.clientX, y: event.clientY, pointerId: event.pointerId, type: event.pointerType, armed: false, timer: null };
    if (event.pointerType === "touch") {
      press.timer = setTimeout(() => {
        if (!press) return;
        press.armed = true; // from now on the finger drags instead of scrolling
        tile.classList.add("is-dragging");
        if (navigator.vibrate) navigator.vibrate(10);
      }, LONG_PRESS_MS);
    }
  });

  document.addEventListener("pointermove", (event) => {
    if (drag) {
      if (event.pointerId === drag.pointerId) moveDrag(event.clientX, event.clientY);
      return;
    }
    if (!press || event.pointerId !== press.pointerId) return;
    if (Math.hypot(event.clientX - press.x, event.clientY - press.y) <= DRAG_DISTANCE) return;
    if (press.type === "touch" && !press.armed) {
      cancelPress(); // moved before the long press: the finger is scrolling
      return;
    }
    press.tile.classList.remove("is-dragging");
    startDrag(event.clientX, event.clientY);
  });

  document.addEventListener("pointerup", (event) => {
    if (drag) {
      if (event.pointerId === drag.pointerId) endDrag({ x: event.clientX, y: event.clientY });
      return;
    }
    if (press && press.armed) {
      // A long press released without moving selects the image (as photo apps do).
      press.tile.classList.remove("is-dragging");
      toggleTile(press.tile, false);
      suppressClick = true;
      setTimeout(() => { suppressClick = false; }, 350);
    }
    cancelPress();
  });

  document.addEventListener("pointercancel", () => {
    if (press) press.tile.classList.remove("is-dragging");
    if (drag) endDrag(null);
    cancelPress();
  });

  // While a finger drags (or is about to), the page must not scroll; native image drag and the long-press
  // menu would take the gesture away.
  document.addEventListener("touchmove", (event) => {
    if (drag || (press && press.armed)) event.preventDefault();
  }, { passive: false });
  document.addEventListener("contextmenu", (event) => {
    if (event.target.closest && event.target.closest("[data-selectable] [data-drag-image]") && (press || drag)) event.preventDefault();
  });
  document.addEventListener("dragstart", (event) => {
    if (event.target.closest && event.target.closest("[data-selectable] [data-drag-image]")) event.preventDefault();
  });

  // ---------------------------------------------------------------- justified image rows
  // Without JS, .justified uses flex-grow sizing; with JS every row is packed exactly: tiles are added until
  // the row is full, then the row's height shrinks so it fits the width (no over-stretched rows).
  function layoutJustified(container) {
    const tiles = Array.from(container.querySelectorAll(":scope > .tile"));
    const width = container.clientWidth;
    if (!tiles.length || !width) return;
    const style = getComputedStyle(container);
    const gap = parseFloat(style.columnGap) || 8;
    const cols = parseFloat(style.getPropertyValue("--cols")) || 0;
    // Phones: size rows so that about `cols` square images fill a row; larger screens: a target row height.
    const target = cols > 0 ? (width - gap * (cols - 1)) / cols : parseFloat(style.getPropertyValue("--row-h")) || 200;
    const place = (row, height) => {
      row.forEach(({ el, ratio }) => {
        el.style.flex = "none";
        el.style.width = `${Math.floor(ratio * height * 100) / 100}px`;
        el.style.height = `${Math.floor(height * 100) / 100}px`;
      });
    };
    let row = [];
    let sum = 0;
    tiles.forEach((el) => {
      const ratio = (parseFloat(el.dataset.w) || 1) / (parseFloat(el.dataset.h) || 1);
      row.push({ el, ratio });
      sum += ratio;
      const available = width - gap * (row.length - 1) - 1;
      if (sum * target >= available) {
        place(row, available / sum);
        row = [];
        sum = 0;
      }
    });
    if (row.length) place(row, target); // the last row keeps the target height
  }
  const layoutAll = () => qsa(".justified").forEach(layoutJustified);
  if ("ResizeObserver" in window) {
    const observer = new ResizeObserver((entries) => entries.forEach((entry) => layoutJustified(entry.target)));
    const observeAll = () => qsa(".justified").forEach((el) => {
      if (!el._observed) {
        el._observed = true;
        observer.observe(el);
      }
    });
    document.addEventListener("DOMContentLoaded", observeAll);
    document.addEventListener("htmx:afterSettle", () => { observeAll(); layoutAll(); });
  }
  document.addEventListener("DOMContentLoaded", layoutAll);

  // ---------------------------------------------------------------- htmx integration
  document.addEventListener("htmx:responseError", (event) => {
    const status = event.detail.xhr ? event.detail.xhr.status : 0;
    const message = status >= 500
      ? gettext("The server had a problem. Please try again in a moment.")
      : interpolate(gettext("The request failed (%(status)s). Please try again in a moment."), { status });
    toast(message, "error");
  });
  document.addEventListener("htmx:sendError", () => {
    toast(gettext("Can't reach the studio — check your connection, then try again."), "error");
  });
  document.addEventListener("htmx:afterSettle", (event) => {
    qsa("img[data-fade]", event.detail.elt || document).forEach((img) => {
      if (img.complete && img.naturalWidth) img.classList.add("is-loaded");
    });
  });
  document.addEventListener("htmx:afterSwap", (event) => {
    const swapped = event.detail.target && event.detail.target.id === "generate-form" ? document.getElementById("generate-form") : null;
    if (swapped) {
      const invalid = swapped.querySelector("[aria-invalid=true]") || swapped.querySelector("[data-testid=form-errors]");
      if (invalid) {
        invalid.scrollIntoView({ behavior: "smooth", block: "center" });
        if (invalid.focus && invalid.matches("input, select, textarea")) invalid.focus({ preventScroll: true });
      }
    }
    // On phones the results sit below the form: bring a freshly queued job into view.
    const target = event.detail.target;
    if (target && target.id === "results" && window.matchMedia("(max-width: 1023px)").matches) {
      const card = target.firstElementChild;
      if (card) card.scrollIntoView({ behavior: "smooth", block: "start" });
    }
  });
  // Server-sent toasts: HX-Trigger: {"toast": {"message": "...", "level": "success"}}
  document.addEventListener("toast", (event) => {
    if (event.detail && event.detail.message) toast(event.detail.message, event.detail.level || "info");
  });

  document.addEventListener("DOMContentLoaded", syncSidebarToggles);
})();
