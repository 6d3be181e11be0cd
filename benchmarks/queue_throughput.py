"""Queue throughput on fal: N jobs, a per-user concurrency limit C, fal latency L. How close to ideal?

Run from the repo root:
    .venv/bin/python benchmarks/queue_throughput.py                 # both modes, SQLite
    .venv/bin/python benchmarks/queue_throughput.py --mode webhooks --database-url postgresql://postgres@127.0.0.1:5432/postgres
Options: --n 200 --concurrency 20 --latency 2 --workers 1 (see --help).

Setup per mode (each mode runs in a fresh child process with its own temp dir and database):
  fal emulator subprocess (latency L, runners 2*C so fal itself is never the limit, cheap "gradient"
  renderer), gunicorn web server (receives the webhooks), W `manage.py worker` processes
  (--interval 0.5 like docker-compose), USER_MAX_CONCURRENT_JOBS=C, one user.
  polling:  PUBLIC_URL empty: the workers' poller threads check fal (each request at most every 1 s).
  webhooks: PUBLIC_URL = the web server; the emulator POSTs signed webhooks, verified against its JWKS.
Then: enqueue all N jobs (one services.enqueue_batch call by default, --enqueue single for N
enqueue() calls), and wait until every job is final. Wall = last completed_at - moment before enqueue.
Ideal = L * ceil(N / C). Goal: wall / ideal <= 1.10. One warm-up job (other user) runs first.
Printed too: where the time goes (per job: claim->submit, submit->completed vs L, slot refill lag).
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _stack import PYTHON, Stack, make_user, percentile, terminate_on_signals
from _stack import _die_with_parent as die_with_parent

MODEL = "fal-ai/flux/schnell"
SMALL = {"width": 256, "height": 256}
FINAL = ("succeeded", "failed", "canceled")
GOAL = 1.10  # wall / ideal


def enqueue_all(user, n: int, how: str) -> list:
    from imagestudio.catalog.models import AIModel
    from imagestudio.generation import services

    model = AIModel.objects.get(endpoint_id=MODEL)
    requests = [
        services.GenerationRequest(user=user, model=model, prompt=f"throughput test image {i}", parameters=dict(SMALL))
        for i in range(n)
    ]
    if how == "batch":
        return [job.pk for job in services.enqueue_batch(requests)]
    return [services.enqueue(r).pk for r in requests]


def wait_final(stack: Stack, job_ids: list, cap: float, timeline: list | None = None, t0: float = 0.0) -> dict:
    from django.db.models import Count

    from imagestudio.generation.models import GenerationJob

    deadline = time.monotonic() + cap
    counts: dict = {}
    while time.monotonic() < deadline:
        stack.check_alive()
        counts = dict(GenerationJob.objects.filter(pk__in=job_ids).values_list("status").annotate(n=Count("pk")))
        if timeline is not None:
            timeline.append((time.time() - t0, counts.get("running", 0), sum(counts.get(s, 0) for s in FINAL)))
        if sum(counts.get(s, 0) for s in FINAL) == len(job_ids):
            return counts
        time.sleep(0.2)
    return counts


def run_mode(args, mode: str) -> dict:
    c, n, latency = args.concurrency, args.n, args.latency
    env = {"USER_MAX_CONCURRENT_JOBS": str(c)}
    stack = Stack(f"throughput-{mode}", database_url=args.database_url, env=env, keep=args.keep)
    try:
        stack.start_emulator(nodelay=args.emulator_nodelay, latency=latency, runners=max(2 * c, 4), renderer="gradient")
        stack.setup_django()
        web = stack.start_web(args.web_workers)
        if mode == "webhooks":
            stack.env["PUBLIC_URL"] = web  # workers and the web server pass it to fal when they submit
        workers = [stack.start_worker(args.worker_interval) for _ in range(args.workers)]
        stack.wait_for_workers(workers)
        from imagestudio.generation.models import GenerationJob

        # Warm-up (other user): imports, TLS connections, JWKS cache in the web server.
        warm_user = make_user("warmup@example.com")
        warm = enqueue_all(warm_user, 1, "single")
        if wait_final(stack, warm, 60).get("succeeded") != 1:
            raise RuntimeError(f"warm-up job did not succeed:\n{stack.log_tail('worker1')}")
        stack.emu("POST", "/_emulator/reset")
        stack.emu("POST", "/_emulator/config", {"latency": latency, "runners": max(2 * c, 4), "renderer": "gradient"})

        user = make_user("throughput@example.com")
        ideal = latency * math.ceil(n / c)
        cap = args.cap or max(120.0, 6 * ideal)
        print(
            f"[{mode}] {stack.database_label}; N={n} C={c} L={latency}s workers={args.workers} "
            f"(--interval {args.worker_interval}), enqueue={args.enqueue}, emulator "
            f"{'with TCP_NODELAY' if args.emulator_nodelay else 'stock (~40 ms per HTTP answer)'}, cap {cap:.0f}s",
            flush=True,
        )
        timeline: list = []
        t0 = time.time()
        ids = enqueue_all(user, n, args.enqueue)
        enqueue_s = time.time() - t0
        counts = wait_final(stack, ids, cap, timeline, t0)

        rows = list(
            GenerationJob.objects.filter(pk__in=ids).values(
                "status", "created_at", "started_at", "completed_at", "provider_state", "retry_count"
            )
        )
        done = [r for r in rows if r["completed_at"]]
        final = sum(counts.get(s, 0) for s in FINAL)
        wall = max(r["completed_at"].timestamp() for r in done) - t0 if final == n else math.nan
        stats = stack.emu("GET", "/_emulator/stats")
        result = {
            "mode": mode,
            "database": stack.database_label,
            "n": n,
            "c": c,
            "latency": latency,
            "workers": args.workers,
            "wall": wall,
            "ideal": ideal,
            "ratio": wall / ideal,
            "final": final,
            "counts": counts,
            "enqueue_s": enqueue_s,
        }

        # Where the time goes.
        starts = sorted(r["started_at"].timestamp() for r in rows if r["started_at"])
        ends = sorted(r["completed_at"].timestamp() for r in done)
        submitted = [
            (r["started_at"].timestamp(), r["provider_state"].get("submitted_at"), r["completed_at"].timestamp())
            for r in done
            if r["provider_state"].get("submitted_at")
        ]
        claim_submit = [s - a for a, s, _ in submitted]
        fal_phase = [e - s for _, s, e in submitted]
        refill = [starts[k] - ends[k - c] for k in range(c, min(len(starts), len(ends) + c))]
        busy = sum(e - s for s, _, e in submitted)
        hooked = [
            (r["provider_state"]["submitted_at"], r["provider_state"]["webhook_at"], r["completed_at"].timestamp())
            for r in done
            if r["provider_state"].get("webhook_at")
        ]
        result.update(
            {
                "claim_submit_p50": percentile(claim_submit, 50),
                "fal_phase_p50": percentile(fal_phase, 50),
                "fal_phase_p95": percentile(fal_phase, 95),
                "refill_p50": percentile(refill, 50),
                "refill_p95": percentile(refill, 95),
                "avg_in_flight": busy / wall if wall == wall else math.nan,
                "status_calls": stats["totals"].get("status", 0),
                "result_calls": stats["totals"].get("result", 0),
                "webhooks": stats["totals"].get("webhook_deliveries", 0),
                "first_start": (starts[0] - t0) if starts else math.nan,
                "to_webhook_p50": percentile([w - s for s, w, _ in hooked], 50) if hooked else math.nan,
                "webhook_to_done_p50": percentile([e - w for _, w, e in hooked], 50) if hooked else math.nan,
                "webhook_to_done_p95": percentile([e - w for _, w, e in hooked], 95) if hooked else math.nan,
            }
        )
        print_mode(result)
        return result
    finally:
        stack.close()


def print_mode(r: dict) -> None:
    ok = r["final"] == r["n"]
    verdict = ("meets goal" if r["ratio"] <= GOAL else "MISSES goal") if ok else f"NOT FINISHED ({r['counts']})"
    print(
        f"[{r['mode']}] wall {r['wall']:.2f} s   ideal {r['ideal']:.2f} s   ratio {r['ratio']:.2f}   "
        f"goal <= {GOAL}: {verdict}"
    )
    print(
        f"[{r['mode']}]   statuses {r['counts']}; enqueue {r['enqueue_s'] * 1000:.0f} ms; first job started "
        f"{r['first_start']:.2f} s after enqueue began"
    )
    print(
        f"[{r['mode']}]   per job: claim->submit p50 {r['claim_submit_p50'] * 1000:.0f} ms; submit->completed "
        f"p50 {r['fal_phase_p50']:.2f} s p95 {r['fal_phase_p95']:.2f} s (fal latency {r['latency']} s); "
        f"slot refill lag (k-th start - (k-C)-th completion) p50 {r['refill_p50']:.2f} s p95 {r['refill_p95']:.2f} s"
    )
    print(
        f"[{r['mode']}]   average jobs in flight {r['avg_in_flight']:.1f} of C={r['c']}; fal saw "
        f"{r['status_calls']} status polls, {r['result_calls']} result GETs, {r['webhooks']} webhooks delivered",
        flush=True,
    )
    if r["to_webhook_p50"] == r["to_webhook_p50"]:
        print(
            f"[{r['mode']}]   submit->webhook recorded p50 {r['to_webhook_p50']:.2f} s; webhook recorded->completed "
            f"p50 {r['webhook_to_done_p50'] * 1000:.0f} ms p95 {r['webhook_to_done_p95'] * 1000:.0f} ms",
            flush=True,
        )


def strip_option(argv: list[str], name: str) -> list[str]:
    """argv without `name value` / `name=value`."""
    out, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == name:
            skip = True
        elif not arg.startswith(f"{name}="):
            out.append(arg)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=20, help="USER_MAX_CONCURRENT_JOBS (and runners = 2x)")
    parser.add_argument("--latency", type=float, default=2.0, help="emulated fal latency per request, seconds")
    parser.add_argument("--workers", type=int, default=1, help="manage.py worker processes")
    parser.add_argument("--mode", choices=("both", "polling", "webhooks"), default="both")
    parser.add_argument(
        "--enqueue",
        choices=("batch", "single"),
        default="batch",
        help="one enqueue_batch(N) call, or N enqueue() calls (one wake-up each)",
    )
    parser.add_argument("--worker-interval", type=float, default=0.5)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--database-url", default="")
    parser.add_argument(
        "--cap", type=float, default=0, help="give up after this many seconds (default max(120, 6x ideal))"
    )
    parser.add_argument(
        "--emulator-nodelay",
        action="store_true",
        help="run the emulator with TCP_NODELAY (removes its ~40 ms stall per HTTP answer)",
    )
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--result-file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    terminate_on_signals()

    if args.mode != "both":
        result = run_mode(args, args.mode)
        if args.result_file:
            Path(args.result_file).write_text(json.dumps(result, default=str))
        return

    # Both modes: each in a fresh child process (Django is configured once per process).
    results = []
    with tempfile.TemporaryDirectory(prefix="imagestudio-bench-tp-") as tmp:
        for mode in ("polling", "webhooks"):
            out = Path(tmp) / f"{mode}.json"
            argv = strip_option(sys.argv[1:], "--mode")
            child = subprocess.Popen(
                [PYTHON, __file__, *argv, "--mode", mode, "--result-file", str(out)], preexec_fn=die_with_parent
            )
            try:
                child.wait()
            except KeyboardInterrupt:
                child.terminate()
                child.wait(timeout=30)
                raise
            if out.exists():
                results.append(json.loads(out.read_text()))
    print(f"\nsummary (goal: wall / ideal <= {GOAL})")
    for r in results:
        print(
            f"  {r['mode']:9s} wall {r['wall']:6.2f} s  ideal {r['ideal']:5.1f} s  ratio {r['ratio']:.2f}  "
            f"avg in flight {r['avg_in_flight']:.1f}/{r['c']}  ({r['database']}, {r['workers']} worker(s))"
        )


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("interrupted: every process, temp dir and database it started was stopped and removed")
