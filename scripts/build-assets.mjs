// Builds static/dist: Tailwind CSS from our sources, plus the third-party files we serve ourselves
// (no CDN). Run by `make assets` (and so by `make run` and `make test`).
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync } from "node:fs";
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
  "@fontsource-variable/inter/files": "fonts/inter",
  "@fontsource-variable/jetbrains-mono/files": "fonts/jetbrains-mono",
};
for (const [from, to] of Object.entries(copies)) {
  cpSync(join(root, "node_modules", from), join(vendor, to), { recursive: true });
}

const args = ["-i", join(staticDir, "src/app.css"), "-o", join(dist, "app.css"), "--minify"];
if (process.argv.includes("--watch")) args.push("--watch");
execFileSync(join(root, "node_modules/.bin/tailwindcss"), args, { stdio: "inherit", cwd: root });
