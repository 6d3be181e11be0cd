// Compare page: before/after as a split you drag (mouse, pen, touch, arrow keys) or side by side. Zoom (wheel,
// pinch, the buttons, + − 0 on the focused stage) and pan (drag) give both images the same transform, so
// they stay in register whatever the view. Double-click fits both again.
const MAX_ZOOM = 8;
// Text goes through the JavaScript catalog (/jsi18n/, loaded before this script); without it, English.
const gettext = (text) => (window.gettext ? window.gettext(text) : text);
const interpolate = (format, values) => format.replace(/%\((\w+)\)s/g, (match, name) => String(values[name]));
const clamp = (value, low, high) => Math.min(high, Math.max(low, value));

function init(root) {
  const stage = root.querySelector("[data-compare-stage]");
  const handle = root.querySelector("[data-compare-handle]");
  const layers = [...root.querySelectorAll("[data-compare-zoom-layer]")];
  const level = root.querySelector('[data-compare-zoom="reset"]');
  const view = { split: 50, scale: 1, x: 0, y: 0 };
  const pointers = new Map();
  let drag = null;

  // Both panes have the same size: the "after" one measures for both.
  const paneRect = () => layers[layers.length - 1].parentElement.getBoundingClientRect();
  const sideBySide = () => root.dataset.mode === "side";

  function render() {
    const pane = paneRect();
    view.x = clamp(view.x, pane.width - pane.width * view.scale, 0);
    view.y = clamp(view.y, pane.height - pane.height * view.scale, 0);
    stage.style.setProperty("--split", `${view.split}%`);
    const transform = `translate(${view.x}px, ${view.y}px) scale(${view.scale})`;
    for (const layer of layers) layer.style.transform = transform;
    const percent = Math.round(view.split);
    handle.setAttribute("aria-valuenow", String(percent));
    handle.setAttribute("aria-valuetext", interpolate(gettext("%(percent)s before"), { percent: `${percent}%` }));
    level.textContent = `${Math.round(view.scale * 100)}%`;
  }

  // Zoom by `factor` keeping the point (x, y) of the pane (in pixels from its corner) where it is.
  function zoomAt(factor, x, y) {
    const scale = clamp(view.scale * factor, 1, MAX_ZOOM);
    const ratio = scale / view.scale;
    view.x = x - (x - view.x) * ratio;
    view.y = y - (y - view.y) * ratio;
    view.scale = scale;
    render();
  }

  function zoomCentre(factor) {
    const pane = paneRect();
    zoomAt(factor, pane.width / 2, pane.height / 2);
  }

  function fit() {
    Object.assign(view, { scale: 1, x: 0, y: 0 });
    render();
  }

  // A client point as pixels from the corner of the pane it is over (either pane: they share a transform).
  function inPane(clientX, clientY, target) {
    const figure = (sideBySide() && target?.closest?.("figure")) || layers[layers.length - 1].parentElement;
    const rect = figure.getBoundingClientRect();
    return [clientX - rect.left, clientY - rect.top];
  }

  function splitAt(clientX) {
    const rect = stage.getBoundingClientRect();
    view.split = clamp(((clientX - rect.left) / rect.width) * 100, 0, 100);
    render();
  }

  const spread = () => {
    const [a, b] = [...pointers.values()];
    return Math.hypot(a.x - b.x, a.y - b.y) || 1;
  };

  root.addEventListener("click", (event) => {
    const mode = event.target.closest("[data-compare-mode]");
    if (mode) {
      root.dataset.mode = mode.dataset.compareMode;
      for (const button of root.querySelectorAll("[data-compare-mode]")) {
        button.setAttribute("aria-pressed", String(button === mode));
      }
      fit();
      return;
    }
    const zoom = event.target.closest("[data-compare-zoom]");
    if (zoom) {
      const action = zoom.dataset.compareZoom;
      if (action === "in") zoomCentre(1.5);
      else if (action === "out") zoomCentre(1 / 1.5);
      else fit();
    }
  });

  stage.addEventListener(
    "wheel",
    (event) => {
      event.preventDefault();
      const [x, y] = inPane(event.clientX, event.clientY, event.target);
      zoomAt(Math.exp(-event.deltaY * 0.0015), x, y);
    },
    { passive: false },
  );

  stage.addEventListener("pointerdown", (event) => {
    if (event.pointerType === "mouse" && event.button !== 0) return;
    stage.setPointerCapture(event.pointerId);
    pointers.set(event.pointerId, { x: event.clientX, y: event.clientY, target: event.target });
    if (pointers.size === 2) {
      drag = { kind: "pinch", spread: spread(), scale: view.scale };
    } else if (event.target.closest("[data-compare-handle]") || (!sideBySide() && view.scale === 1)) {
      drag = { kind: "split" };
      splitAt(event.clientX);
    } else {
      drag = { kind: "pan", x: event.clientX - view.x, y: event.clientY - view.y };
    }
  });

  stage.addEventListener("pointermove", (event) => {
    const known = pointers.get(event.pointerId);
    if (!known || !drag) return;
    Object.assign(known, { x: event.clientX, y: event.clientY });
    if (drag.kind === "pinch" && pointers.size === 2) {
      const [a, b] = [...pointers.values()];
      const [x, y] = inPane((a.x + b.x) / 2, (a.y + b.y) / 2, a.target);
      zoomAt((drag.scale * spread()) / drag.spread / view.scale, x, y);
    } else if (drag.kind === "split") {
      splitAt(event.clientX);
    } else if (drag.kind === "pan") {
      view.x = event.clientX - drag.x;
      view.y = event.clientY - drag.y;
      render();
    }
  });

  const release = (event) => {
    pointers.delete(event.pointerId);
    drag = null; // after a pinch, the remaining finger starts a new gesture when it moves again
  };
  stage.addEventListener("pointerup", release);
  stage.addEventListener("pointercancel", release);
  stage.addEventListener("dblclick", fit);

  handle.addEventListener("keydown", (event) => {
    const step = event.shiftKey ? 10 : 1;
    const moves = { ArrowLeft: -step, ArrowDown: -step, ArrowRight: step, ArrowUp: step };
    if (event.key in moves) view.split = clamp(view.split + moves[event.key], 0, 100);
    else if (event.key === "Home") view.split = 0;
    else if (event.key === "End") view.split = 100;
    else return;
    event.preventDefault();
    event.stopPropagation();
    render();
  });

  stage.addEventListener("keydown", (event) => {
    if (event.target !== stage) return;
    if (event.key === "+" || event.key === "=") zoomCentre(1.25);
    else if (event.key === "-") zoomCentre(0.8);
    else if (event.key === "0") fit();
    else return;
    event.preventDefault();
  });

  window.addEventListener("resize", render);
  render();
}

for (const root of document.querySelectorAll("[data-compare]")) init(root);
