// Inpaint mask editor: paint what should change over the image with a brush, eraser, rectangle or lasso;
// invert, clear, undo and redo. The mask is a canvas at the image's natural size (longest side capped at
// MAX_SIDE, same aspect ratio: the server resizes it), painted in the primary colour and shown at 45%
// opacity; only its alpha matters. On submit of the form the hidden input gets a PNG data URL of it (opaque
// black, white where painted); an empty mask stops the submit with a message. After a 422 the input comes
// back holding the previous mask, which is painted in again. Mouse, pen and touch all arrive as Pointer Events.
// Text goes through the JavaScript catalog (/jsi18n/, loaded before this script); without it, English.
const gettext = (text) => (window.gettext ? window.gettext(text) : text);
const ngettext = (one, many, n) => (window.ngettext ? window.ngettext(one, many, n) : n === 1 ? one : many);
const interpolate = (format, values) => format.replace(/%\((\w+)\)s/g, (match, name) => String(values[name]));
const MAX_SIDE = 4096;
const PAINTED = 128; // alpha from here up counts as painted (the server thresholds the same way)
const HISTORY_BYTES = 192 * 1024 * 1024; // each undo step keeps the changed region before and after
const TOOLS = { b: "brush", e: "eraser", r: "rect", l: "lasso" };
const clamp = (value, low, high) => Math.min(high, Math.max(low, value));

// Keys typed into a text field are the field's own (Ctrl+Z there undoes the typing); sliders and buttons
// don't take letters, so shortcuts still work while one of them has focus.
function isTyping(target) {
  if (!(target instanceof Element)) return false;
  if (target.closest("textarea, select, [contenteditable]:not([contenteditable=false])")) return true;
  const nonText = ["range", "checkbox", "radio", "button", "submit", "reset", "color", "file"];
  return target.matches("input") && !nonText.includes(target.type);
}

function colourOf(css) {
  const probe = document.createElement("canvas").getContext("2d", { willReadFrequently: true });
  probe.fillStyle = "#8b5cf6";
  probe.fillStyle = css || "#8b5cf6"; // an unparsable value leaves the fallback
  probe.fillRect(0, 0, 1, 1);
  const [r, g, b] = probe.getImageData(0, 0, 1, 1).data;
  return { css: `rgb(${r} ${g} ${b})`, rgb: [r, g, b] };
}

function countPainted(data) {
  let count = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i] >= PAINTED) count += 1;
  return count;
}

function sameBytes(a, b) {
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return false;
  return true;
}

function init(root) {
  const $ = (selector) => root.querySelector(selector);
  const input = $("[data-mask-input]");
  const form = input.form;
  const canvas = $("[data-mask-canvas]");
  const guides = $("[data-mask-guides]");
  const rectGuide = $("[data-mask-rect]");
  const lassoGuide = $("[data-mask-lasso]");
  const ring = $("[data-mask-ring]");
  const sizeInput = $("[data-mask-size]");
  const sizeValue = $("[data-mask-size-value]");
  const errorBox = $("[data-mask-error]");
  const status = $("[data-mask-status]");
  const toolButtons = [...root.querySelectorAll("[data-mask-tool]")];
  const action = (name) => $(`[data-mask-action="${name}"]`);

  const naturalW = Number(root.dataset.width) || 1;
  const naturalH = Number(root.dataset.height) || 1;
  const scale = Math.min(1, MAX_SIDE / Math.max(naturalW, naturalH));
  const W = Math.max(1, Math.round(naturalW * scale));
  const H = Math.max(1, Math.round(naturalH * scale));
  canvas.width = W;
  canvas.height = H;
  guides.setAttribute("viewBox", `0 0 ${W} ${H}`);
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  // The committed mask (as of the last finished action): undo steps are diffs of it against the canvas.
  const base = document.createElement("canvas");
  base.width = W;
  base.height = H;
  const baseCtx = base.getContext("2d", { willReadFrequently: true });
  const colour = colourOf(getComputedStyle(document.documentElement).getPropertyValue("--color-primary-500").trim());

  const longest = Math.max(W, H);
  sizeInput.min = String(Math.max(1, Math.round(longest / 200)));
  sizeInput.max = String(Math.max(16, Math.round(longest / 3)));
  let size = clamp(Math.round(longest / 16), Number(sizeInput.min), Number(sizeInput.max));
  let tool = "brush";
  let painted = 0;
  let gesture = null;
  let undoStack = [];
  let redoStack = [];

  // ---------------------------------------------------------------- state shown in the toolbar
  function render() {
    for (const [name, disabled] of [
      ["undo", !undoStack.length],
      ["redo", !redoStack.length],
      ["clear", !painted],
    ]) {
      action(name).setAttribute("aria-disabled", String(disabled));
    }
    if (!painted) status.textContent = gettext("Nothing painted yet");
    else {
      const percent = (painted / (W * H)) * 100;
      const share = percent < 1 ? gettext("Under 1%") : `${Math.round(percent)}%`;
      status.textContent = interpolate(gettext("%(percent)s of the image will change"), { percent: share });
    }
  }

  function setSize(value) {
    size = clamp(Math.round(value), Number(sizeInput.min), Number(sizeInput.max));
    sizeInput.value = String(size);
    sizeValue.textContent = `${Math.round(size / scale)}\u202Fpx`;
    const pixels = Math.round(size / scale);
    sizeInput.setAttribute("aria-valuetext", interpolate(ngettext("%(pixels)s pixel", "%(pixels)s pixels", pixels), { pixels }));
    if (!ring.hasAttribute("hidden")) moveRing(null);
  }

  function setTool(name) {
    tool = name;
    canvas.dataset.tool = name;
    for (const button of toolButtons) button.setAttribute("aria-pressed", String(button.dataset.maskTool === name));
    if (name === "rect" || name === "lasso") ring.setAttribute("hidden", "");
  }

  function setVisible(visible) {
    canvas.toggleAttribute("data-hidden", !visible);
    action("visibility").setAttribute("aria-pressed", String(visible));
  }

  function showError(show) {
    errorBox.toggleAttribute("hidden", !show);
    if (show) errorBox.scrollIntoView({ block: "nearest" });
  }

  // ---------------------------------------------------------------- history
  function trimHistory() {
    let bytes = 0;
    for (let i = undoStack.length - 1; i >= 0; i -= 1) {
      bytes += undoStack[i].before.data.length * 2;
      if (bytes > HISTORY_BYTES && i < undoStack.length - 1) {
        undoStack = undoStack.slice(i + 1);
        break;
      }
    }
  }

  // Record what the last action changed inside `box` (mask pixels; grown to whole pixels, clipped).
  function commit(box) {
    const x = clamp(Math.floor(box.x0), 0, W);
    const y = clamp(Math.floor(box.y0), 0, H);
    const w = clamp(Math.ceil(box.x1), 0, W) - x;
    const h = clamp(Math.ceil(box.y1), 0, H) - y;
    if (w <= 0 || h <= 0) return;
    const before = baseCtx.getImageData(x, y, w, h);
    const after = ctx.getImageData(x, y, w, h);
    if (sameBytes(before.data, after.data)) return;
    const delta = countPainted(after.data) - countPainted(before.data);
    baseCtx.putImageData(after, x, y);
    undoStack.push({ x, y, before, after, delta });
    redoStack = [];
    trimHistory();
    painted += delta;
    render();
  }

  function step(from, to, sign) {
    const entry = from.pop();
    if (!entry) return;
    const data = sign > 0 ? entry.after : entry.before;
    ctx.putImageData(data, entry.x, entry.y);
    baseCtx.putImageData(data, entry.x, entry.y);
    painted += sign * entry.delta;
    to.push(entry);
    render();
  }
  const undo = () => !gesture && step(undoStack, redoStack, -1);
  const redo = () => !gesture && step(redoStack, undoStack, 1);

  // Replace the whole mask with `alphaAt(i)` for each pixel (invert, clear, restore).
  function replaceAll(alphaAt, record = true) {
    const image = ctx.createImageData(W, H);
    const data = image.data;
    const [r, g, b] = colour.rgb;
    for (let i = 0, p = 0; i < data.length; i += 4, p += 1) {
      const alpha = alphaAt(p);
      if (!alpha) continue;
      data[i] = r;
      data[i + 1] = g;
      data[i + 2] = b;
      data[i + 3] = alpha;
    }
    ctx.putImageData(image, 0, 0);
    if (record) commit({ x0: 0, y0: 0, x1: W, y1: H });
    else {
      baseCtx.putImageData(image, 0, 0);
      painted = countPainted(data);
      render();
    }
  }

  function invert() {
    if (gesture) return;
    const alpha = ctx.getImageData(0, 0, W, H).data;
    replaceAll((p) => 255 - alpha[p * 4 + 3]);
    if (painted) showError(false);
  }

  function clear() {
    if (!gesture) replaceAll(() => 0);
  }

  // ---------------------------------------------------------------- painting
  function toMask(event) {
    const rect = canvas.getBoundingClientRect();
    return {
      x: ((event.clientX - rect.left) / rect.width) * W,
      y: ((event.clientY - rect.top) / rect.height) * H,
    };
  }

  function widthFor(event) {
    return event.pointerType === "pen" && event.pressure > 0 ? Math.max(1, size * (0.25 + 0.75 * event.pressure)) : size;
  }

  function grow(box, point, margin) {
    box.x0 = Math.min(box.x0, point.x - margin);
    box.y0 = Math.min(box.y0, point.y - margin);
    box.x1 = Math.max(box.x1, point.x + margin);
    box.y1 = Math.max(box.y1, point.y + margin);
  }

  function paintSegment(from, to, width, erase) {
    ctx.save();
    ctx.globalCompositeOperation = erase ? "destination-out" : "source-over";
    ctx.fillStyle = ctx.strokeStyle = colour.css;
    ctx.lineWidth = width;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.beginPath();
    if (from.x === to.x && from.y === to.y) {
      ctx.arc(to.x, to.y, width / 2, 0, Math.PI * 2);
      ctx.fill();
    } else {
      ctx.moveTo(from.x, from.y);
      ctx.lineTo(to.x, to.y);
      ctx.stroke();
    }
    ctx.restore();
    grow(gesture.box, from, width / 2 + 2);
    grow(gesture.box, to, width / 2 + 2);
  }

  function fillShape(trace, erase) {
    ctx.save();
    ctx.globalCompositeOperation = erase ? "destination-out" : "source-over";
    ctx.fillStyle = colour.css;
    ctx.beginPath();
    trace();
    ctx.fill();
    ctx.restore();
  }

  function moveRing(point, width = size) {
    if (tool !== "brush" && tool !== "eraser") return;
    const circles = ring.querySelectorAll("circle");
    for (const circle of circles) {
      if (point) {
        circle.setAttribute("cx", String(point.x));
        circle.setAttribute("cy", String(point.y));
      }
      circle.setAttribute("r", String(Math.max(width / 2, 0.5)));
    }
    if (point) ring.removeAttribute("hidden");
  }

  function rectBox(a, b) {
    return { x0: Math.min(a.x, b.x), y0: Math.min(a.y, b.y), x1: Math.max(a.x, b.x), y1: Math.max(a.y, b.y) };
  }

  function showRect(box) {
    rectGuide.setAttribute("x", String(box.x0));
    rectGuide.setAttribute("y", String(box.y0));
    rectGuide.setAttribute("width", String(box.x1 - box.x0));
    rectGuide.setAttribute("height", String(box.y1 - box.y0));
    rectGuide.removeAttribute("hidden");
  }

  function start(event) {
    if (gesture || (event.pointerType === "mouse" && event.button !== 0)) return;
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    showError(false);
    setVisible(true);
    const point = toMask(event);
    const box = { x0: point.x, y0: point.y, x1: point.x, y1: point.y };
    gesture = { id: event.pointerId, tool, point, box, erase: tool === "eraser" || event.altKey, points: [point] };
    if (tool === "brush" || tool === "eraser") {
      const width = widthFor(event);
      paintSegment(point, point, width, gesture.erase);
      moveRing(point, width);
    } else if (tool === "lasso") {
      lassoGuide.setAttribute("points", `${point.x},${point.y}`);
      lassoGuide.removeAttribute("hidden");
    }
  }

  function move(event) {
    if (!gesture) {
      if (event.pointerType !== "touch") moveRing(toMask(event));
      return;
    }
    if (event.pointerId !== gesture.id) return;
    const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [];
    for (const each of events.length ? events : [event]) {
      const point = toMask(each);
      if (gesture.tool === "brush" || gesture.tool === "eraser") {
        const width = widthFor(each);
        paintSegment(gesture.point, point, width, gesture.erase);
        moveRing(point, width);
      } else if (gesture.tool === "lasso") {
        const last = gesture.points[gesture.points.length - 1];
        const rect = canvas.getBoundingClientRect();
        // One point per ~2 screen pixels is plenty for the outline.
        if (Math.hypot(point.x - last.x, point.y - last.y) * (rect.width / W) >= 2) gesture.points.push(point);
      }
      gesture.point = point;
    }
    if (gesture.tool === "rect") showRect(rectBox(gesture.points[0], gesture.point));
    else if (gesture.tool === "lasso") {
      lassoGuide.setAttribute("points", gesture.points.map((p) => `${p.x},${p.y}`).join(" "));
    }
  }

  function finish(event) {
    if (!gesture || event.pointerId !== gesture.id) return;
    const done = gesture;
    gesture = null;
    rectGuide.setAttribute("hidden", "");
    lassoGuide.setAttribute("hidden", "");
    if (event.pointerType === "touch") ring.setAttribute("hidden", "");
    const cancelled = event.type === "pointercancel";
    if (done.tool === "rect" && !cancelled) {
      const box = rectBox(done.points[0], done.point);
      if (box.x1 - box.x0 >= 1 && box.y1 - box.y0 >= 1) {
        fillShape(() => ctx.rect(box.x0, box.y0, box.x1 - box.x0, box.y1 - box.y0), done.erase);
        commit({ x0: box.x0 - 1, y0: box.y0 - 1, x1: box.x1 + 1, y1: box.y1 + 1 });
      }
    } else if (done.tool === "lasso" && !cancelled) {
      const points = [...done.points, done.point];
      if (points.length >= 3) {
        fillShape(() => {
          ctx.moveTo(points[0].x, points[0].y);
          for (const p of points.slice(1)) ctx.lineTo(p.x, p.y);
          ctx.closePath();
        }, done.erase);
        const box = rectBox(points[0], points[0]);
        for (const p of points) grow(box, p, 2);
        commit(box);
      }
    } else if (done.tool === "brush" || done.tool === "eraser") {
      commit(done.box); // a cancelled stroke keeps what was painted: undo removes it
    }
  }

  canvas.addEventListener("pointerdown", start);
  canvas.addEventListener("pointermove", move);
  canvas.addEventListener("pointerup", finish);
  canvas.addEventListener("pointercancel", finish);
  canvas.addEventListener("lostpointercapture", finish);
  canvas.addEventListener("pointerleave", () => gesture || ring.setAttribute("hidden", ""));
  canvas.addEventListener("contextmenu", (event) => event.preventDefault());

  // ---------------------------------------------------------------- controls and keys
  root.addEventListener("click", (event) => {
    const toolButton = event.target.closest("[data-mask-tool]");
    if (toolButton) return setTool(toolButton.dataset.maskTool);
    const button = event.target.closest("[data-mask-action]");
    if (!button || button.getAttribute("aria-disabled") === "true") return;
    const name = button.dataset.maskAction;
    if (name === "undo") undo();
    else if (name === "redo") redo();
    else if (name === "invert") invert();
    else if (name === "clear") clear();
    else if (name === "visibility") setVisible(canvas.hasAttribute("data-hidden"));
  });
  sizeInput.addEventListener("input", () => setSize(Number(sizeInput.value)));

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.altKey || isTyping(event.target)) return;
    if (document.querySelector("dialog[open]")) return;
    const key = event.key.toLowerCase();
    if (event.ctrlKey || event.metaKey) {
      if (key === "z") event.shiftKey ? redo() : undo();
      else if (key === "y" && event.ctrlKey && !event.shiftKey) redo();
      else return;
      event.preventDefault();
      return;
    }
    const stepSize = Math.max(1, Math.round(size * 0.15));
    if (TOOLS[key]) setTool(TOOLS[key]);
    else if (key === "[" || key === "{") setSize(size - stepSize);
    else if (key === "]" || key === "}") setSize(size + stepSize);
    else if (key === "i") invert();
    else if (key === "m") setVisible(canvas.hasAttribute("data-hidden"));
    else return;
    event.preventDefault();
  });

  // ---------------------------------------------------------------- submit and restore
  // The PNG the server expects: opaque, black = keep, white = change, at the mask's size.
  function exportMask() {
    const alpha = ctx.getImageData(0, 0, W, H).data;
    const out = document.createElement("canvas");
    out.width = W;
    out.height = H;
    const outCtx = out.getContext("2d");
    const image = outCtx.createImageData(W, H);
    const data = image.data;
    for (let i = 0; i < data.length; i += 4) {
      const value = alpha[i + 3] >= PAINTED ? 255 : 0;
      data[i] = data[i + 1] = data[i + 2] = value;
      data[i + 3] = 255;
    }
    outCtx.putImageData(image, 0, 0);
    return out.toDataURL("image/png");
  }

  form?.addEventListener("submit", (event) => {
    if (!painted) {
      event.preventDefault();
      showError(true);
      return;
    }
    input.value = exportMask();
  });

  async function restore(url) {
    const image = new Image();
    image.src = url;
    try {
      await image.decode();
    } catch {
      return; // not an image we can read: start with an empty mask (the server said what was wrong)
    }
    const scratch = document.createElement("canvas").getContext("2d", { willReadFrequently: true });
    scratch.canvas.width = W;
    scratch.canvas.height = H;
    scratch.drawImage(image, 0, 0, W, H);
    const data = scratch.getImageData(0, 0, W, H).data;
    replaceAll((p) => Math.round((data[p * 4] * data[p * 4 + 3]) / 255), false);
  }

  setTool("brush");
  setSize(size);
  render();
  if (input.value.startsWith("data:image/")) restore(input.value);

  return { paintedPixels: () => painted };
}

const editors = [...document.querySelectorAll("[data-mask-editor]")].map(init);
if (editors.length) {
  // A read-only look at the first editor, for tests and the console.
  Object.defineProperty(window, "maskEditor", { value: Object.freeze(editors[0]), configurable: false });
}
