"""Lighthouse scores (performance, accessibility, best practices, SEO) for the landing page, the dashboard
and the gallery, on Lighthouse's default mobile emulation. Goal: 95 or more in each.

Run from the repo root:  make lighthouse    (or: .venv/bin/python benchmarks/lighthouse.py)
Options: --pages landing,dashboard,gallery (default all), --images N (offline images the signed-in user owns,
default 12), --cpu-slowdown X (Lighthouse's CPU throttling, default 4), --save-reports DIR (keep each page's
full JSON report), --keep (leave the temp dir and database for a look).

Lighthouse (npm `lighthouse`) is installed on first use into benchmarks/.lighthouse (gitignored), outside the
project's package.json, so `make install` and CI stay fast. It drives Debian's Chromium (CHROME_PATH,
default /usr/bin/chromium); no browser is ever downloaded.

The studio runs as in production (the Dockerfile): DEBUG=false, `collectstatic` into a throwaway VAR_DIR,
gunicorn serving pages and WhiteNoise the static files, on a throwaway SQLite database (migrated and seeded).
A user with offline-engine images, a favourite and a project signs in through the real login form; its
cookies go into a Chromium that Lighthouse drives (--port) for the dashboard and the gallery. The landing
page is audited as an anonymous visitor sees it, in a fresh browser. Everything started is stopped and the
temp dir removed at the end.

Performance varies between runs: Lighthouse simulates a phone from a trace taken on this machine, so a busy
machine (a low "CPU benchmark index", printed per page) inflates Total Blocking Time most.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

# The report-reading half (summarize, format_results, trim_report) needs nothing else, so tests import this
# module directly; the benchmark's stack (_stack.py, next to this file) is imported by main() only.
ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable


class Stack(Protocol):
    """What the running half uses of _stack.Stack (its temp dir and the processes it owns)."""

    tmp: Path

    def spawn(self, name: str, args: list[str], env: dict | None = None) -> subprocess.Popen: ...

    def log_tail(self, name: str, lines: int = 30) -> str: ...


LIGHTHOUSE_VERSION = "13.5.0"
CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")  # Debian's Chromium; never a downloaded build
LIGHTHOUSE_DIR = ROOT / "benchmarks" / ".lighthouse"
LIGHTHOUSE_CLI = LIGHTHOUSE_DIR / "node_modules" / "lighthouse" / "cli" / "index.js"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
GOAL = 95
EMAIL = "lighthouse@example.com"
PASSWORD = secrets.token_urlsafe(18)  # a throwaway account on a throwaway database
PROMPTS = [
    "a lighthouse on a cliff at dusk, teal sea",
    "a red fox in a snowy forest",
    "neon city street at night in the rain",
    "a field of poppies under a summer sky",
    "space nebula with a ringed planet",
    "abstract purple and gold shapes",
]
STYLES = ["cinematic", "watercolor", "digital-art", "photographic", "anime", "oil-painting"]


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    signed_in: bool


PAGES = (Page("landing", "/", False), Page("dashboard", "/dashboard/", True), Page("gallery", "/images/", True))


# -- reading a report (pure: tested in tests/test_lighthouse_script.py) -----------------------------------


@dataclass(frozen=True)
class FailingAudit:
    category: str
    id: str
    title: str
    score: float
    display_value: str = ""
    where: tuple[str, ...] = ()  # the first few offending elements or URLs


@dataclass
class PageResult:
    page: str
    url: str
    scores: dict[str, int | None]
    failing: list[FailingAudit] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    cpu_index: float | None = None  # Lighthouse's benchmarkIndex of this machine during the run (higher: faster)


def _items(details: dict | None) -> list:
    """An audit's table rows (some audits keep a tree or a dict under `items` instead: no rows)."""
    items = (details or {}).get("items")
    return items if isinstance(items, list) else []


def _where(details: dict | None, limit: int = 3) -> tuple[str, ...]:
    """The first offending elements (CSS selector and HTML snippet) or resources (URL) of an audit."""
    found: list[str] = []
    for item in map(_trim_item, _items(details)):
        if "node" in item:
            snippet = " ".join(str(item["node"].get("snippet", "")).split())
            found.append(f"{item['node'].get('selector', '')}  {snippet[:120]}".strip())
        elif "url" in item or "source" in item:
            found.append(item.get("url") or item["source"]["url"])
        if len(found) >= limit:
            break
    return tuple(found)


def _trim_item(item: object) -> dict:
    """What `_where` reads of a table row: its element, or its resource's URL ({} for neither)."""
    if not isinstance(item, dict):
        return {}
    node = item.get("node")
    if isinstance(node, dict) and (node.get("selector") or node.get("snippet")):
        return {"node": {k: node[k] for k in ("selector", "snippet") if k in node}}
    if isinstance(item.get("url"), str) and item["url"]:
        return {"url": item["url"]}
    source = item.get("source")
    if isinstance(source, dict) and isinstance(source.get("url"), str) and source["url"]:
        return {"source": {"url": source["url"]}}
    return {}


def summarize(page: str, report: dict) -> PageResult:
    """Category scores (0-100, None when Lighthouse could not score one) and each category's audits scoring
    below 1 (an audit in two categories is listed under the first), worst first within each category."""
    categories = report.get("categories", {})
    audits = report.get("audits", {})
    scores: dict[str, int | None] = {}
    failing: list[FailingAudit] = []
    seen: set[str] = set()
    for category_id in CATEGORIES:
        category = categories.get(category_id) or {}
        score = category.get("score")
        scores[category_id] = None if score is None else round(score * 100)
        below: list[FailingAudit] = []
        for ref in category.get("auditRefs", []):
            audit = audits.get(ref["id"]) or {}
            audit_score = audit.get("score")
            if ref["id"] in seen or audit_score is None or audit_score >= 1:  # None: not applicable, manual, error
                continue
            seen.add(ref["id"])
            below.append(
                FailingAudit(
                    category=category_id,
                    id=ref["id"],
                    title=audit.get("title", ref["id"]),
                    score=float(audit_score),
                    display_value=audit.get("displayValue", ""),
                    where=_where(audit.get("details")),
                )
            )
        failing.extend(sorted(below, key=lambda a: a.score))
    url = report.get("finalDisplayedUrl") or report.get("finalUrl") or report.get("requestedUrl", "")
    return PageResult(
        page=page,
        url=url,
        scores=scores,
        failing=failing,
        warnings=list(report.get("runWarnings", [])),
        cpu_index=(report.get("environment") or {}).get("benchmarkIndex"),
    )


def format_results(results: list[PageResult], goal: int = GOAL) -> str:
    """The score table, the goal line and each page's failing audits, as printed."""
    width = max([len("page"), *(len(r.page) for r in results)]) + 2
    lines = [f"{'page':<{width}}" + "".join(f"{c:>16}" for c in CATEGORIES)]
    for result in results:
        cells = "".join(f"{'—' if result.scores.get(c) is None else result.scores[c]:>16}" for c in CATEGORIES)
        lines.append(f"{result.page:<{width}}{cells}")
    below = [
        f"{r.page} {c} {r.scores.get(c)}"
        for r in results
        for c in CATEGORIES
        if r.scores.get(c) is None or (r.scores.get(c) or 0) < goal
    ]
    verdict = "meets goal" if not below else "MISSES goal: " + ", ".join(below)
    lines.append(f"goal >= {goal} in every cell -> {verdict}")
    for result in results:
        lines.append("")
        cpu = f", CPU benchmark index {result.cpu_index:.0f}" if result.cpu_index else ""
        lines.append(f"{result.page} ({result.url}{cpu}): {len(result.failing)} audit(s) below 1")
        lines.extend(f"  ! {warning}" for warning in result.warnings)
        for audit in result.failing:
            value = f" — {audit.display_value}" if audit.display_value else ""
            lines.append(f"  [{audit.category}] {audit.id} ({audit.score:.2f}): {audit.title}{value}")
            lines.extend(f"      at {where}" for where in audit.where)
    return "\n".join(lines)


def trim_report(report: dict) -> dict:
    """Only what `summarize` reads, in Lighthouse's own shape (for a small test fixture): titles, values and
    offending elements of the audits below 1, the score alone of the others."""
    referenced = {ref["id"] for c in report.get("categories", {}).values() for ref in c.get("auditRefs", [])}
    audits = {}
    for audit_id, audit in report.get("audits", {}).items():
        if audit_id not in referenced:
            continue
        trimmed = {k: audit[k] for k in ("id", "score", "scoreDisplayMode") if k in audit}
        if audit.get("score") is not None and audit["score"] < 1:
            trimmed.update({k: audit[k] for k in ("title", "displayValue") if k in audit})
            items = [item for item in map(_trim_item, _items(audit.get("details"))) if item][:3]
            if items:
                trimmed["details"] = {"items": items}
        audits[audit_id] = trimmed
    categories = {
        cid: {
            "id": cid,
            "title": c.get("title"),
            "score": c.get("score"),
            "auditRefs": [{"id": ref["id"], "weight": ref.get("weight", 0)} for ref in c.get("auditRefs", [])],
        }
        for cid, c in report.get("categories", {}).items()
    }
    keep_top = ("lighthouseVersion", "requestedUrl", "finalDisplayedUrl", "runWarnings")
    top = {k: report[k] for k in keep_top if k in report}
    if "benchmarkIndex" in (report.get("environment") or {}):
        top["environment"] = {"benchmarkIndex": report["environment"]["benchmarkIndex"]}
    return {**top, "categories": categories, "audits": audits}


# -- running ------------------------------------------------------------------------------------------------


def ensure_lighthouse() -> Path:
    """Lighthouse's CLI, installed into benchmarks/.lighthouse on first use (never into package.json)."""
    if not LIGHTHOUSE_CLI.exists():
        print(f"installing lighthouse@{LIGHTHOUSE_VERSION} into {LIGHTHOUSE_DIR.relative_to(ROOT)} …", flush=True)
        LIGHTHOUSE_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                "npm",
                "install",
                "--no-save",
                "--no-package-lock",
                "--no-audit",
                "--no-fund",
                "--loglevel=error",
                "--prefix",
                str(LIGHTHOUSE_DIR),
                f"lighthouse@{LIGHTHOUSE_VERSION}",
            ],
            check=True,
            cwd=ROOT,
            # puppeteer-core downloads nothing, but make sure no install script fetches a browser.
            env={**os.environ, "PUPPETEER_SKIP_DOWNLOAD": "1", "PUPPETEER_SKIP_CHROMIUM_DOWNLOAD": "1"},
        )
    return LIGHTHOUSE_CLI


def seed_content(images: int) -> None:
    """A user with offline-engine images (rendered through the real generation path), a favourite and a project."""
    from imagestudio.accounts.services import register
    from imagestudio.catalog.models import AIModel
    from imagestudio.gallery.manage import set_favorite
    from imagestudio.gallery.models import Image
    from imagestudio.generation import services
    from imagestudio.projects.models import Project
    from imagestudio.workspaces.services import personal_workspace

    user = register(EMAIL, PASSWORD, "Lighthouse")
    model = AIModel.objects.get(endpoint_id="offline/studio-v1")
    project = Project.objects.create(workspace=personal_workspace(user), user=user, name="Coastal series")
    for n in range(images):
        services.enqueue(
            services.GenerationRequest(
                user=user,
                model=model,
                prompt=PROMPTS[n % len(PROMPTS)],
                parameters={"width": 512, "height": 512 if n % 3 else 768, "seed": 100 + n, "style": STYLES[n % 6]},
                project=project if n % 4 == 0 else None,
            )
        )
    made = Image.objects.filter(user=user)
    if made.count() < images:
        raise RuntimeError(f"only {made.count()} of {images} images were generated")
    for image in made.order_by("created_at")[:2]:
        set_favorite(image, True, by=user)


def start_gunicorn(stack: Stack, port: int) -> None:
    """The web process as the Dockerfile runs it."""
    args = [PYTHON, "-m", "gunicorn", "imagestudio.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2"]
    proc = stack.spawn("web", [*args, "--log-level", "warning"])
    wait_until_up(stack, "web", proc, f"http://127.0.0.1:{port}/healthz")


def wait_until_up(stack: Stack, name: str, proc: subprocess.Popen, url: str, timeout: float = 60) -> None:
    """Until `url` answers (any status), or fail with the process's log if it exits or the deadline passes."""
    import httpx

    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited:\n{stack.log_tail(name)}")
        try:
            httpx.get(url, timeout=5)
            return
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.2)


def log_in(base_url: str) -> dict[str, str]:
    """Sign in through the login form; the cookies a signed-in browser holds."""
    import re

    import httpx

    with httpx.Client(base_url=base_url, timeout=30) as client:
        form = client.get("/accounts/login/")
        form.raise_for_status()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
        if token is None:
            raise RuntimeError("no CSRF token on the login page")
        answer = client.post(
            "/accounts/login/",
            data={"csrfmiddlewaretoken": token.group(1), "login": EMAIL, "password": PASSWORD},
            headers={"Referer": f"{base_url}/accounts/login/"},
        )
        if answer.status_code != 302 or "sessionid" not in client.cookies:
            raise RuntimeError(f"login failed: HTTP {answer.status_code}")
        if client.get("/dashboard/").status_code != 200:
            raise RuntimeError("the session cookie does not open the dashboard")
        return dict(client.cookies.items())


def start_signed_in_browser(stack: Stack, port: int, base_url: str, cookies: dict[str, str]) -> None:
    """Chromium with the session cookies in its cookie jar; Lighthouse drives it through --port.

    Lighthouse's --extra-headers Cookie reaches the page request only, not the page's own requests (thumbnails,
    htmx fragments), which then answered with the login page: the jar holds them for every request, as for a
    person. `port`: its DevTools port.
    """
    from playwright.sync_api import sync_playwright

    args = [CHROME, "--headless=new", "--no-sandbox", "--no-first-run", f"--remote-debugging-port={port}"]
    proc = stack.spawn("chromium", [*args, f"--user-data-dir={stack.tmp / 'chromium'}", "about:blank"])
    wait_until_up(stack, "chromium", proc, f"http://127.0.0.1:{port}/json/version")
    with sync_playwright() as playwright:  # leaving this only disconnects: the browser is ours, it stays up
        browser = playwright.chromium.connect_over_cdp(f"http://127.0.0.1:{port}")
        browser.contexts[0].add_cookies([{"name": k, "value": v, "url": base_url} for k, v in cookies.items()])


def run_lighthouse(
    cli: Path, url: str, out: Path, browser_port: int | None, extra: list[str], attempts: int = 3
) -> dict:
    """One Lighthouse run: in the signed-in browser on `browser_port`, or in a fresh one it starts itself."""
    args = [
        "node",
        str(cli),
        url,
        "--output=json",
        f"--output-path={out}",
        "--only-categories=" + ",".join(CATEGORIES),
        "--chrome-flags=--headless=new --no-sandbox",
        "--quiet",
        *extra,
    ]
    if browser_port:
        args.append(f"--port={browser_port}")
    env = {**os.environ, "CHROME_PATH": CHROME}
    for attempt in range(1, attempts + 1):
        out.unlink(missing_ok=True)
        done = subprocess.run(args, cwd=out.parent, env=env, capture_output=True, text=True, timeout=600)
        if done.returncode == 0 and out.exists():
            return json.loads(out.read_text())
        # A busy machine sometimes loses the trace (NO_NAVSTART, NO_FCP): Lighthouse itself says to run again.
        print(
            f"    lighthouse failed on {url} (attempt {attempt}): {done.stderr.strip().splitlines()[-1:]}", flush=True
        )
    raise RuntimeError(f"lighthouse failed on {url} ({done.returncode}):\n{done.stderr[-3000:]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=12, help="offline images the signed-in user owns")
    parser.add_argument(
        "--cpu-slowdown",
        type=float,
        help="Lighthouse's CPU throttling multiplier (default 4, for a fast desktop); lower it on a slow or busy "
        "machine (see the CPU benchmark index printed per page)",
    )
    parser.add_argument("--pages", default=",".join(p.name for p in PAGES), help="which pages, comma-separated")
    parser.add_argument("--save-reports", type=Path, help="directory to keep each page's full JSON report in")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir and database; prints where")
    args = parser.parse_args()
    pages = [page for page in PAGES if page.name in args.pages.split(",")]
    if not pages:
        parser.error(f"--pages: choose from {', '.join(p.name for p in PAGES)}")
    sys.path.insert(0, str(ROOT))  # run as a script, only benchmarks/ is on the path
    from benchmarks._stack import Stack as BenchmarkStack
    from benchmarks._stack import free_port, terminate_on_signals

    terminate_on_signals()
    if not Path(CHROME).exists():
        raise SystemExit("Chromium not found: apt-get install chromium (or set CHROME_PATH)")
    cli = ensure_lighthouse()
    web_port, browser_port = free_port(), free_port()
    base_url = f"http://127.0.0.1:{web_port}"
    stack = BenchmarkStack(
        "lighthouse",
        keep=args.keep,
        env={
            "FAL_KEY": "",  # the offline engine: no network, real images
            "TASKS_BACKEND": "immediate",  # jobs render while seeding; no worker needed
            "APP_URL": base_url,  # canonical links and sitemaps point at the audited host
        },
    )
    extra = [f"--throttling.cpuSlowdownMultiplier={args.cpu_slowdown}"] if args.cpu_slowdown else []
    try:
        print("== lighthouse benchmark: migrate, seed, collectstatic, render images …", flush=True)
        stack.setup_django()
        prepare(args.images)
        start_gunicorn(stack, web_port)
        start_signed_in_browser(stack, browser_port, base_url, log_in(base_url))
        results = []
        for page in pages:
            print(f"  lighthouse {page.name} ({page.path}) …", flush=True)
            out = stack.tmp / f"{page.name}.json"
            report = run_lighthouse(cli, base_url + page.path, out, browser_port if page.signed_in else None, extra)
            if args.save_reports:
                args.save_reports.mkdir(parents=True, exist_ok=True)
                (args.save_reports / f"{page.name}.json").write_text(json.dumps(report, indent=1))
            results.append(summarize(page.name, report))
        version, slowdown = report.get("lighthouseVersion", "?"), args.cpu_slowdown or 4
        print(
            f"\nLighthouse {version}, mobile emulation (simulated slow 4G, CPU ×{slowdown:g}), Debian's Chromium;"
            " DEBUG=false, gunicorn, collected static files\n"
        )
        print(format_results(results))
    finally:
        stack.close()


def prepare(images: int) -> None:
    """Production-style static files (as the Dockerfile collects them) and the signed-in user's content."""
    import logging

    from django.core.management import call_command

    logging.getLogger("django.tasks").setLevel(logging.WARNING)  # a line per rendered image would drown the table
    call_command("collectstatic", interactive=False, verbosity=0)
    seed_content(images)


if __name__ == "__main__":
    main()
