// Settings › Preferences and › Models: live preview of the theme and accent colour before saving, the
// browser's time zone offered as a suggestion, and the chosen default model's cost and capabilities.
(function () {
  "use strict";
  var root = document.documentElement;

  function checkedTheme(form) {
    var input = form.querySelector("[data-theme-choice]:checked");
    return input ? input.value : "auto";
  }

  // Custom theme: the accent rebuilds the primary scale (app.css html[data-accent]); others drop it.
  function preview(form) {
    var theme = checkedTheme(form);
    var accent = form.querySelector("[data-accent-input]");
    if (window.studioTheme) window.studioTheme.apply(theme);
    if (theme === "custom" && accent) {
      root.style.setProperty("--user-accent", accent.value);
      root.setAttribute("data-accent", accent.value);
    } else {
      root.removeAttribute("data-accent");
    }
    var shown = form.querySelector("[data-accent-value]");
    if (shown && accent) shown.textContent = accent.value;
  }

  function offerTimezone(form) {
    var button = form.querySelector("[data-tz-suggest]");
    var select = form.querySelector("select[name=timezone]");
    var zone = "";
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { return; }
    if (!button || !select || !zone || select.value === zone) return;
    if (!select.value && button.getAttribute("data-studio-zone") === zone) return;  // the studio's zone already
    if (!select.querySelector('option[value="' + zone.replace(/"/g, "") + '"]')) return;
    button.querySelector("[data-tz-name]").textContent = zone;
    button.hidden = false;
    button.addEventListener("click", function () {
      select.value = zone;
      button.hidden = true;
    });
  }

  function showModelInfo(select) {
    var value = select.value;
    var blocks = document.querySelectorAll("[data-model-info]");
    var any = false;
    for (var i = 0; i < blocks.length; i++) {
      var match = blocks[i].getAttribute("data-model-info") === value;
      blocks[i].hidden = !match;
      any = any || match;
    }
    // "The studio's default": keep the block the page opened with.
    if (!any && blocks.length && !value) blocks[0].hidden = true;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("[data-preferences-form]");
    if (form) {
      form.addEventListener("change", function (event) {
        if (event.target.matches("[data-theme-choice], [data-accent-input]")) preview(form);
      });
      form.addEventListener("input", function (event) {
        if (event.target.matches("[data-accent-input]")) {
          var custom = form.querySelector('[data-theme-choice][value="custom"]');
          if (custom) custom.checked = true;  // picking a colour means the custom theme
          preview(form);
        }
      });
      offerTimezone(form);
    }
    var select = document.querySelector("[data-model-select]");
    if (select) select.addEventListener("change", function () { showModelInfo(select); });
  });
})();
