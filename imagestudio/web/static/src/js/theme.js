// Runs in <head> before first paint: applies the saved theme (light / dark / auto) and sidebar state,
// and wires the theme switch buttons ([data-theme-set]) plus blur-up image fade-in.
(function () {
  "use strict";
  var root = document.documentElement;
  var THEME_KEY = "studio-theme";
  var SIDEBAR_KEY = "studio-sidebar";
  var media = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;

  function read(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }
  function write(key, value) {
    try { window.localStorage.setItem(key, value); } catch (e) { /* private mode: keep it for this page */ }
  }
  // A signed-in user's saved theme (Settings → Preferences) comes on <html data-theme-saved> and wins over
  // what this browser remembered; "custom" is auto light/dark with the user's accent colour.
  var saved = root.getAttribute("data-theme-saved");
  if (saved) write(THEME_KEY, saved);
  function preference() {
    var value = read(THEME_KEY);
    return value === "light" || value === "dark" || value === "custom" ? value : "auto";
  }
  // The top-bar switch saves the choice to the account too (PUT /api/settings with the session's CSRF token).
  function save(pref) {
    var url = root.getAttribute("data-theme-save");
    if (!url || !window.fetch) return;
    var token = "";
    try { token = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; } catch (e) { /* none */ }
    window.fetch(url, {
      method: "PUT",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify({ theme: pref })
    }).catch(function () { /* offline: the browser still remembers it */ });
    root.setAttribute("data-theme-saved", pref);
    root.removeAttribute("data-accent");
  }
  function sync(pref) {
    var buttons = document.querySelectorAll("[data-theme-set]");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].setAttribute("aria-pressed", String(buttons[i].getAttribute("data-theme-set") === pref));
    }
  }
  function apply(pref) {
    var dark = pref === "dark" || ((pref === "auto" || pref === "custom") && !!media && media.matches);
    root.classList.toggle("dark", dark);
    root.setAttribute("data-theme", pref);
    sync(pref);
  }

  root.classList.add("js");
  apply(preference());
  if (read(SIDEBAR_KEY) === "collapsed") root.setAttribute("data-sidebar", "collapsed");

  if (media) {
    var onChange = function () { var pref = preference(); if (pref === "auto" || pref === "custom") apply(pref); };
    if (media.addEventListener) media.addEventListener("change", onChange); else media.addListener(onChange);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-theme-set]");
    if (!button) return;
    var pref = button.getAttribute("data-theme-set");
    write(THEME_KEY, pref);
    apply(pref);
    save(pref);
  });

  // Blur-up: images marked data-fade stay transparent (placeholder shows) until they have loaded.
  function markLoaded(img) { img.classList.add("is-loaded"); }
  document.addEventListener("load", function (event) {
    var el = event.target;
    if (el && el.tagName === "IMG" && el.hasAttribute("data-fade")) markLoaded(el);
  }, true);
  document.addEventListener("DOMContentLoaded", function () {
    sync(preference());
    var images = document.querySelectorAll("img[data-fade]");
    for (var i = 0; i < images.length; i++) if (images[i].complete && images[i].naturalWidth) markLoaded(images[i]);
  });

  window.studioTheme = { apply: apply, preference: preference, set: function (pref) { write(THEME_KEY, pref); apply(pref); } };
})();
