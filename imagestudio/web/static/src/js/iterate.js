// Iteration tool pages (generation/iterate/*.html): slider read-outs, the outpaint and upscale previews,
// and the edit page's live preview. The server applies the real operation; these only show what is coming.
// Text goes through the JavaScript catalog (/jsi18n/, loaded before this script); without it, English.
const gettext = (text) => (window.gettext ? window.gettext(text) : text);
const ngettext = (one, many, n) => (window.ngettext ? window.ngettext(one, many, n) : n === 1 ? one : many);
const interpolate = (format, values) => format.replace(/%\((\w+)\)s/g, (match, name) => String(values[name]));

for (const output of document.querySelectorAll("[data-range-output]")) {
  const input = document.getElementById(output.dataset.rangeOutput);
  input?.addEventListener("input", () => { output.textContent = input.value; });
}

// -- outpaint: the striped frame grows with the margins --------------------------------------------
const outpaint = document.querySelector("[data-outpaint-preview]");
if (outpaint) {
  const form = document.getElementById("iterate-form");
  const width = Number(outpaint.dataset.width);
  const height = Number(outpaint.dataset.height);
  const canvas = outpaint.querySelector("[data-outpaint-canvas]");
  const image = outpaint.querySelector("[data-outpaint-image]");
  const size = outpaint.querySelector("[data-outpaint-size]");
  const pixels = form.querySelector("[data-outpaint-pixels]");
  const aspect = form.querySelector("[data-outpaint-aspect]");

  const margins = () => {
    if (form.elements.mode.value === "aspect") {
      const [rw, rh] = form.elements.aspect_ratio.value.split(":").map(Number);
      if (width * rh < height * rw) {
        const extra = Math.round((height * rw) / rh) - width;
        return { left: Math.floor(extra / 2), right: extra - Math.floor(extra / 2), top: 0, bottom: 0 };
      }
      const extra = Math.max(0, Math.round((width * rh) / rw) - height);
      return { left: 0, right: 0, top: Math.floor(extra / 2), bottom: extra - Math.floor(extra / 2) };
    }
    const value = (side) => Math.max(0, Number(form.elements[side].value) || 0);
    return { left: value("left"), right: value("right"), top: value("top"), bottom: value("bottom") };
  };

  const update = () => {
    const byAspect = form.elements.mode.value === "aspect";
    pixels.hidden = byAspect;
    aspect.hidden = !byAspect;
    const m = margins();
    const newWidth = width + m.left + m.right;
    const newHeight = height + m.top + m.bottom;
    outpaint.style.setProperty("--ratio", `${newWidth} / ${newHeight}`);
    canvas.style.aspectRatio = `${newWidth} / ${newHeight}`;
    Object.assign(image.style, {
      left: `${(100 * m.left) / newWidth}%`,
      top: `${(100 * m.top) / newHeight}%`,
      width: `${(100 * width) / newWidth}%`,
      height: `${(100 * height) / newHeight}%`,
    });
    size.textContent = `${width}×${height} → ${newWidth}×${newHeight}`;
  };
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
}

// -- upscale: the size each factor makes ------------------------------------------------------------
const upscale = document.querySelector("[data-upscale]");
if (upscale) {
  const width = Number(upscale.dataset.width);
  const height = Number(upscale.dataset.height);
  const largest = Number(upscale.dataset.max);
  for (const label of upscale.querySelectorAll("[data-upscale-size]")) {
    const factor = Number(label.dataset.upscaleSize);
    const tooLarge = Math.max(width, height) * factor > largest;
    label.textContent = tooLarge ? interpolate(gettext("over %(largest)s px"), { largest }) : `${width * factor}×${height * factor}`;
    const radio = label.closest("label").querySelector("input");
    radio.disabled = tooLarge;
    if (tooLarge && radio.checked) upscale.querySelector("input:not(:disabled)").checked = true;
  }
}

// -- edit: crop, rotate, flip, resize and tone on a canvas ------------------------------------------
const edit = document.querySelector("[data-edit-preview]");
if (edit) {
  const form = document.getElementById("iterate-form");
  const source = edit.querySelector("[data-edit-source]");
  const canvas = edit.querySelector("[data-edit-canvas]");
  const size = edit.querySelector("[data-edit-size]");
  const context = canvas.getContext("2d");
  const number = (name) => Number(form.elements[name].value) || 0;

  const cropBox = () => {
    const w = source.naturalWidth;
    const h = source.naturalHeight;
    const ratio = form.elements.crop_aspect.value;
    if (ratio) {
      const [rw, rh] = ratio.split(":").map(Number);
      const cw = Math.min(w, Math.round((h * rw) / rh));
      const ch = Math.min(h, Math.round((w * rh) / rw));
      return { x: Math.floor((w - cw) / 2), y: Math.floor((h - ch) / 2), w: cw, h: ch };
    }
    const cw = number("crop_width");
    const ch = number("crop_height");
    if (cw > 0 && ch > 0) return { x: number("crop_x"), y: number("crop_y"), w: cw, h: ch };
    return { x: 0, y: 0, w, h };
  };

  const draw = () => {
    if (!source.complete || !source.naturalWidth) return;
    const crop = cropBox();
    const radians = (number("rotate") * Math.PI) / 180;
    const cos = Math.abs(Math.cos(radians));
    const sin = Math.abs(Math.sin(radians));
    let outWidth = Math.ceil(crop.w * cos + crop.h * sin - 1e-6);
    let outHeight = Math.ceil(crop.w * sin + crop.h * cos - 1e-6);
    const resizeWidth = number("resize_width");
    const resizeHeight = number("resize_height");
    const scaleX = resizeWidth ? resizeWidth / outWidth : 1;
    const scaleY = resizeHeight ? resizeHeight / outHeight : 1;
    outWidth = resizeWidth || outWidth;
    outHeight = resizeHeight || outHeight;
    canvas.width = outWidth;
    canvas.height = outHeight;
    const flip = form.elements.flip.value;
    const brightness = number("brightness");
    const contrast = number("contrast");
    const saturation = number("saturation");
    // CSS filters approximate the server's tone curves closely enough to judge by eye.
    context.filter = [
      `brightness(${1 + 0.8 * brightness})`,
      `contrast(${contrast <= 0 ? 1 + contrast : 1 + 2 * contrast})`,
      `saturate(${1 + saturation})`,
    ].join(" ");
    context.save();
    context.translate(outWidth / 2, outHeight / 2);
    context.scale(scaleX * (flip === "horizontal" ? -1 : 1), scaleY * (flip === "vertical" ? -1 : 1));
    context.rotate(-radians);  // positive degrees turn counter-clockwise, as the server does
    context.drawImage(source, crop.x, crop.y, crop.w, crop.h, -crop.w / 2, -crop.h / 2, crop.w, crop.h);
    context.restore();
    context.filter = "none";
    const temperature = number("temperature");
    if (temperature) {
      context.globalCompositeOperation = "soft-light";
      context.fillStyle = temperature > 0 ? `rgba(255,140,0,${0.35 * temperature})` : `rgba(0,120,255,${-0.35 * temperature})`;
      context.fillRect(0, 0, outWidth, outHeight);
      context.globalCompositeOperation = "source-over";
    }
    size.textContent = `${source.naturalWidth}×${source.naturalHeight} → ${outWidth}×${outHeight}`;
  };

  for (const button of form.querySelectorAll("[data-edit-rotate]")) {
    button.addEventListener("click", () => {
      const turned = (number("rotate") + Number(button.dataset.editRotate)) % 360;
      form.elements.rotate.value = String(turned);
      draw();
    });
  }
  form.querySelector("[data-edit-reset]")?.addEventListener("click", () => {
    for (const name of ["brightness", "contrast", "saturation", "temperature"]) {
      form.elements[name].value = "0";
      form.elements[name].dispatchEvent(new Event("input"));
    }
    draw();
  });
  form.addEventListener("input", draw);
  form.addEventListener("change", draw);
  if (source.complete) draw(); else source.addEventListener("load", draw);
}

// On a phone the tool bar scrolls: bring the current tool into view.
document.querySelector("[data-testid^='tool-'][aria-current='page']")?.scrollIntoView({ block: "nearest", inline: "center" });

// -- A/B and X/Y: show the fields of the chosen mode and count the images ---------------------------
const compare = document.querySelector("[data-compare-form]");
if (compare) {
  const largest = Number(compare.dataset.max);
  const count = compare.querySelector("[data-compare-count]");
  const valuesOf = (name) => compare.elements[name].value.split(",").filter((v) => v.trim()).length;
  const update = () => {
    const byPrompts = compare.elements.mode.value === "prompts";
    for (const el of compare.querySelectorAll("[data-compare-prompts]")) el.hidden = !byPrompts;
    for (const el of compare.querySelectorAll("[data-compare-sweep]")) el.hidden = byPrompts;
    for (const el of compare.querySelectorAll("[data-compare-optional]")) el.hidden = !byPrompts;
    const seeds = compare.elements.seeds.value.split(",").filter((v) => v.trim()).length || Number(compare.elements.seed_count.value);
    const columns = compare.elements.x.value ? Math.max(valuesOf("x_values"), 1) : 1;
    const rows = byPrompts
      ? compare.elements.prompts.value.split("\n").filter((line) => line.trim()).length
      : (compare.elements.y.value ? Math.max(valuesOf("y_values"), 1) : 1);
    const total = rows * columns * seeds;
    const parts = {
      images: interpolate(ngettext("%(total)s image", "%(total)s images", total), { total }),
      cells: interpolate(ngettext("%(rows)s × %(columns)s cell", "%(rows)s × %(columns)s cells", rows * columns), { rows, columns }),
      seeds: interpolate(ngettext("%(seeds)s seed each", "%(seeds)s seeds each", seeds), { seeds }),
      largest,
    };
    count.textContent = interpolate(total > largest
      ? gettext("%(images)s: %(cells)s, %(seeds)s — more than the %(largest)s one comparison can make.")
      : gettext("%(images)s: %(cells)s, %(seeds)s."), parts);
    count.classList.toggle("text-error-700", total > largest);
  };
  compare.addEventListener("input", update);
  compare.addEventListener("change", update);
  document.body.addEventListener("htmx:afterSwap", update);
  update();
}

// -- new batch: show the fields of the chosen source -------------------------------------------------
const batchForm = document.querySelector("[data-batch-form]");
if (batchForm) {
  const show = () => {
    const chosen = batchForm.elements.source.value;
    for (const block of batchForm.querySelectorAll("[data-batch-source]")) block.hidden = block.dataset.batchSource !== chosen;
  };
  batchForm.addEventListener("change", show);
  show();
}
