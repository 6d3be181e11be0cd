// AI Image Studio — page behaviour. Loaded with `defer` before Alpine (CSP build), so the Alpine.data
// components below are registered on `alpine:init`. Everything else is plain event delegation, which keeps
// working after htmx swaps new HTML in.
(() => {
  "use strict";

  const qs = (selector, root = document) => root.querySelector(selector);
  const qsa = (selector, root = document) => Array.from(root.querySelectorAll(selector));
  const isTyping = (el) =>
    !!el && (el.isContentEditable || !!el.closest("input, textarea, select, [contenteditable='true'], [contenteditable='']"));

  // ---------------------------------------------------------------- toasts
  function toast(message, level = "info") {
    const region = qs("#toast-region");
    if (!region || !message) return;
    if (qsa("[data-toast-message]", region).some((el) => el.textContent === message)) return; // no duplicates
    const template = qs(`#toast-template-${level}`) || qs("#toast-template-info");
    const node = template.content.firstElementChild.cloneNode(true);
    qs("[data-toast-message]", node).textContent = message;
    region.appendChild(node);
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
        const ms = this.$el.dataset.level === "error" ? 9000 : 5000;
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
          toast("Could not copy — select the text and copy it manually.", "error");
        }
      },
    }));

    // Accessible tabs: [role=tab][data-tab] buttons switch [data-tab-panel] panels; arrow keys move.
    Alpine.data("tabs", () => ({
      init() {
        const tabs = this.tabs();
        const selected = tabs.find((t) => t.getAttribute("aria-selected") === "true") || tabs[0];
        if (selected) this.select(selected, false);
      },
      tabs() {
        return qsa("[role=tab]", this.$el).filter((t) => t.closest("[x-data]") === this.$el);
      },
      select(tab, focus = true) {
        const name = tab.dataset.tab;
        this.tabs().forEach((t) => {
          const on = t === tab;
          t.setAttribute("aria-selected", String(on));
          t.tabIndex = on ? 0 : -1;
        });
        qsa("[data-tab-panel]", this.$el).forEach((panel) => {
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
        this.styleText = fragment ? `Adds: ${fragment.textContent}` : "";
        const checked = form.querySelector("input[name=num_images]:checked");
        const count = checked ? parseInt(checked.value, 10) : 1;
        const unit = option ? parseInt(option.dataset.cost || "0", 10) : 0;
        const total = unit * count;
        const balance = parseInt(form.dataset.balance || "0", 10);
        if (!option) this.costText = "";
        else if (total === 0) this.costText = "Free — runs on the offline engine";
        else this.costText = `≈ ${total} credit${total === 1 ? "" : "s"} · you have ${balance}`;
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
        toast("Seed cleared — each run will use a new random seed.", "info");
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
      button.setAttribute("aria-label", collapsed ? "Expand sidebar" : "Collapse sidebar");
      button.title = collapsed ? "Expand sidebar" : "Collapse sidebar";
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

    if (event.key === "/") {
      if (focusSearch()) event.preventDefault();
    } else if (event.key === "g") {
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
    } else if (event.key === "?") {
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
    const what = status >= 500 ? "The server had a problem" : `The request failed (${status})`;
    toast(`${what}. Please try again in a moment.`, "error");
  });
  document.addEventListener("htmx:sendError", () => {
    toast("Can't reach the studio — check your connection, then try again.", "error");
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
