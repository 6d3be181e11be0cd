// Builds static/dist: Tailwind CSS from our sources, plus the third-party files we serve ourselves
// (no CDN). Run by `make assets` (and so by `make run` and `make test`).
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, watch, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

const root = join(dirname(new URL(import.meta.url).pathname), "..");
const staticDir = join(root, "imagestudio/web/static");
const dist = join(staticDir, "dist");
const vendor = join(dist, "vendor");
mkdirSync(vendor, { recursive: true });

const copies = {
  "htmx.org/dist/htmx.min.js": "htmx.min.js",
  "@alpinejs/csp/dist/cdn.min.js": "alpine-csp.min.js",
  "photoswipe/dist/photoswipe.esm.min.js": "photoswipe.esm.min.js",
  "photoswipe/dist/photoswipe-lightbox.esm.min.js": "photoswipe-lightbox.esm.min.js",
  "photoswipe/dist/photoswipe.css": "photoswipe.css",
  "sortablejs/Sortable.min.js": "sortable.min.js",
  "chart.js/dist/chart.umd.min.js": "chart.umd.min.js",
  "@fontsource-variable/inter/files": "fonts/inter",
  "@fontsource-variable/jetbrains-mono/files": "fonts/jetbrains-mono",
};
for (const [from, to] of Object.entries(copies)) {
  cpSync(join(root, "node_modules", from), join(vendor, to), { recursive: true });
}

// Alpine's CSP build reads every property of globalThis once (to refuse globals in expressions) and skips
// the ones whose mere reading makes Chromium log a deprecation (styleMedia, sharedStorage). `window.fence`
// (fenced frames) now does too, which costs every page its Lighthouse "deprecated APIs" check. Skip it as
// well, until Alpine's own list includes it; the pattern not matching (Alpine changed) leaves the file as is.
const alpine = join(vendor, "alpine-csp.min.js");
writeFileSync(
  alpine,
  readFileSync(alpine, "utf8").replace(/(\w+)==="sharedStorage"/, '$1==="sharedStorage"||$1==="fence"'),
);

// Our own scripts and images (theme.js runs in <head>, app.js registers the Alpine components,
// lightbox.js wires PhotoSwipe) are served from dist next to the vendor files.
const ownCopies = { "src/js": "js", "src/img": "img" };
for (const [from, to] of Object.entries(ownCopies)) {
  cpSync(join(staticDir, from), join(dist, to), { recursive: true });
}

if (process.argv.includes("--watch")) {
  // Re-copy our JS when it changes (Tailwind's own watcher handles the CSS).
  watch(join(staticDir, "src/js"), () => cpSync(join(staticDir, "src/js"), join(dist, "js"), { recursive: true }));
}

const args = ["-i", join(staticDir, "src/app.css"), "-o", join(dist, "app.css"), "--minify"];
if (process.argv.includes("--watch")) args.push("--watch");
execFileSync(join(root, "node_modules/.bin/tailwindcss"), args, { stdio: "inherit", cwd: root });
