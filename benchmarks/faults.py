"""Fault tolerance on fal: 500 jobs, 20% faulty fal answers, a worker SIGKILLed mid-run. Anything lost,
duplicated or mis-billed?

Run from the repo root:
    .venv/bin/python benchmarks/faults.py
    .venv/bin/python benchmarks/faults.py --database-url postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python benchmarks/faults.py --replace --webhooks      (see --help for every knob)

Setup: own temp dir + database, fal emulator subprocess (latency 0.5 s, 2 x users x C runners, "gradient"
renderer), fail_rate 0.2 on every queue operation (submit/status/result/cancel) drawn from
429, 503, malformed, error (a job that ends in a 500) and timeout (the emulator hangs 3 s then drops
the connection; FAL_TIMEOUT=2 so the client really times out first). 2 `manage.py worker` processes
(--interval 0.5), JOB_LEASE_SECONDS=5, USER_MAX_CONCURRENT_JOBS=16, 5 users x 100 jobs (1 or 2 images
each) queued with services.enqueue_batch per user. The app's retry/backoff constants are untouched.
Once 30% of the jobs are final, worker 1 is SIGKILLed, preferably while it holds a job lease; by
default NO replacement is started (the surviving worker must recover everything; --replace starts
a new one at once). Then we wait until every job is final (cap 300 s) and check the database:

  lost jobs        not final at the end, or final without a consistent outcome (succeeded without
                   its images or usage log, failed/canceled with images, a charge, or no message) - goal 0
  duplicate images more than one image per (job, output_index), or a succeeded job whose image
                   count != num_images - goal 0
  ledger mismatch  users whose ledger sum != credits_balance, plus jobs whose reserve/settle/refund
                   entries do not match their status and credits_charged - goal 0
Also printed: counts by status, failure reasons, wall time, faults injected, orphaned fal requests
(submitted to fal but referenced by no job) and orphaned files in storage.
"""

from __future__ import annotations

import argparse
import collections
import os
import random
import re
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _stack import Stack, make_user, percentile, terminate_on_signals

MODEL = "fal-ai/flux/schnell"
FINAL = ("succeeded", "failed", "canceled")


def enqueue(users: list, n: int, rng: random.Random) -> list:
    from imagestudio.catalog.models import AIModel
    from imagestudio.generation import services

    model = AIModel.objects.get(endpoint_id=MODEL)
    ids = []
    per_user = [n // len(users) + (1 if i < n % len(users) else 0) for i in range(len(users))]
    for user, count in zip(users, per_user, strict=True):
        requests = [
            services.GenerationRequest(
                user=user,
                model=model,
                prompt=f"fault test {user.email} {i}",
                parameters={"width": 256, "height": 256, "num_images": rng.choice((1, 2))},
            )
            for i in range(count)
        ]
        ids += [job.pk for job in services.enqueue_batch(requests)]
    return ids


def status_counts(ids) -> dict:
    from django.db.models import Count

    from imagestudio.generation.models import GenerationJob

    return dict(GenerationJob.objects.filter(pk__in=ids).values_list("status").annotate(n=Count("pk")))


def n_final(counts: dict) -> int:
    return sum(counts.get(s, 0) for s in FINAL)


def kill_worker(stack: Stack, victim, wait_for_lease: float) -> dict:
    """SIGKILL `victim`, preferably at a moment it holds a job lease (claimed, not yet submitted)."""
    from imagestudio.generation.models import GenerationJob

    victim_id = stack.worker_id(victim)
    deadline = time.monotonic() + wait_for_lease
    holding = []
    while time.monotonic() < deadline:
        holding = list(
            GenerationJob.objects.filter(status="running", lease_owner=victim_id).values_list("pk", flat=True)
        )
        if holding:
            break
        time.sleep(0.005)
    victim.killed_on_purpose = True
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait()
    # What the dead worker left behind right after the kill: jobs it had claimed (lease), and fal checks
    # a poller had claimed (next_check_at pushed FAL_POLL_CLAIM_SECONDS = 30 s ahead; webhook fallbacks are 30 s).
    at = time.time()
    leased = list(GenerationJob.objects.filter(status="running", lease_owner=victim_id).values_list("pk", flat=True))
    return {
        "at": at,
        "held_lease_when_killed": bool(holding),
        "leased_jobs": leased,
        "claimed_checks": _claimed_checks(),
        "orphan_checks": None,
    }


def _claimed_checks() -> dict:
    from datetime import timedelta

    from django.utils import timezone

    from imagestudio.generation.models import GenerationJob

    soon = timezone.now() + timedelta(seconds=45)
    return dict(
        GenerationJob.objects.filter(
            status="running", lease_expires_at__isnull=True, next_check_at__gt=soon
        ).values_list("pk", "next_check_at")
    )


def orphaned_checks(kill: dict) -> list:
    """Checks claimed at the kill and still claimed, unchanged, 5 s later: the dead poller's."""
    now = _claimed_checks()
    return [pk for pk, at in kill["claimed_checks"].items() if now.get(pk) == at]


def analyse(ids, users, stack: Stack) -> dict:
    from django.conf import settings
    from django.db.models import Sum

    from imagestudio.accounts.models import User
    from imagestudio.billing.models import CreditEntry, UsageLog
    from imagestudio.gallery.models import Image
    from imagestudio.generation.models import GenerationJob

    jobs = {
        j["id"]: j
        for j in GenerationJob.objects.filter(pk__in=ids).values(
            "id",
            "status",
            "num_images",
            "credits_reserved",
            "credits_charged",
            "error_message",
            "completed_at",
            "retry_count",
            "attempts",
            "fal_request_id",
            "created_at",
            "started_at",
            "check_failures",
            "progress_message",
        )
    }
    images_per_job = collections.Counter()
    per_output = collections.Counter()
    for job_id, index in Image.objects.filter(job_id__in=ids).values_list("job_id", "output_index"):
        images_per_job[job_id] += 1
        per_output[(job_id, index)] += 1
    usage = dict(UsageLog.objects.filter(job_id__in=ids).values_list("job_id", "success"))
    entries = collections.defaultdict(list)
    for job_id, kind, amount in CreditEntry.objects.filter(job_id__in=ids).values_list("job_id", "kind", "amount"):
        entries[job_id].append((kind, amount))

    lost_not_final, lost_inconsistent, bad_ledger_jobs = [], [], []
    for job_id, j in jobs.items():
        n_img = images_per_job[job_id]
        if j["status"] not in FINAL:
            lost_not_final.append(job_id)
        elif (
            j["completed_at"] is None
            or (j["status"] == "succeeded" and (n_img == 0 or usage.get(job_id) is not True))
            or (
                j["status"] != "succeeded"
                and (n_img > 0 or j["credits_charged"] != 0 or not j["error_message"] or usage.get(job_id) is not False)
            )
        ):
            lost_inconsistent.append(job_id)
        # Ledger entries of this job against its status.
        kinds = collections.Counter(k for k, _ in entries[job_id])
        amounts = {k: a for k, a in entries[job_id]}
        reserved, charged = j["credits_reserved"], j["credits_charged"]
        ok = True
        if reserved > 0 and (kinds["reserve"] != 1 or amounts.get("reserve") != -reserved):
            ok = False
        if j["status"] == "succeeded":
            ok &= kinds["refund"] == 0 and kinds["settle"] == (1 if reserved > 0 else 0)
            ok &= reserved == 0 or amounts.get("settle") == reserved - charged
            ok &= 0 <= charged <= reserved
        elif j["status"] in ("failed", "canceled"):
            ok &= kinds["settle"] == 0 and kinds["refund"] == (1 if reserved > 0 else 0) and charged == 0
            ok &= reserved == 0 or amounts.get("refund") == reserved
        else:
            ok &= kinds["settle"] == 0 and kinds["refund"] == 0
        if sum(a for _, a in entries[job_id]) != -(charged if j["status"] in FINAL else reserved):
            ok = False
        if not ok:
            bad_ledger_jobs.append(job_id)

    dup_outputs = [key for key, count in per_output.items() if count > 1]
    wrong_count = [
        job_id for job_id, j in jobs.items() if j["status"] == "succeeded" and images_per_job[job_id] != j["num_images"]
    ]
    bad_users = []
    for user in User.objects.filter(pk__in=[u.pk for u in users]):
        total = CreditEntry.objects.filter(user=user).aggregate(t=Sum("amount"))["t"] or 0
        if total != user.credits_balance:
            bad_users.append((user.email, total, user.credits_balance))

    # Fal requests nobody tracks: submitted (emulator saw them) but no job points at them.
    stats = stack.emu("GET", "/_emulator/stats")
    tracked = {j["fal_request_id"] for j in jobs.values() if j["fal_request_id"]}
    submitted = {rid for rid, c in stats["requests"].items() if c.get("submit")}
    # Files in storage no image row points at (e.g. a worker killed between writing files and the row).
    media = Path(settings.MEDIA_ROOT)
    on_disk = {str(p.relative_to(media)) for p in media.rglob("*") if p.is_file()} if media.exists() else set()
    referenced = set()
    for f, t in Image.objects.values_list("file", "thumbnail"):
        referenced.update(x for x in (f, t) if x)
    reasons = collections.Counter(
        re.sub(r"[0-9a-f-]{36}|\d+(\.\d+)?", "#", j["error_message"])[:110]
        for j in jobs.values()
        if j["status"] == "failed"
    )
    return {
        "jobs": jobs,
        "lost_not_final": lost_not_final,
        "lost_inconsistent": lost_inconsistent,
        "dup_outputs": dup_outputs,
        "wrong_count": wrong_count,
        "bad_users": bad_users,
        "bad_ledger_jobs": bad_ledger_jobs,
        "orphan_requests": sorted(submitted - tracked),
        "orphan_files": sorted(on_disk - referenced - {p for p in on_disk if p.startswith("healthz/")}),
        "reasons": reasons,
        "faults": stats.get("faults", {}),
        "totals": stats.get("totals", {}),
        "images": sum(images_per_job.values()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--users", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=16, help="USER_MAX_CONCURRENT_JOBS")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-interval", type=float, default=0.5)
    parser.add_argument("--latency", type=float, default=0.5, help="emulated fal latency, seconds")
    parser.add_argument("--fail-rate", type=float, default=0.2)
    parser.add_argument("--fail-kinds", default="429,503,malformed,error,timeout")
    parser.add_argument("--fail-ops", default="submit,status,result,cancel", help="operations faults may hit")
    parser.add_argument("--hang-seconds", type=float, default=3.0, help="emulator 'timeout' fault: silence, then drop")
    parser.add_argument("--fal-timeout", type=float, default=2.0, help="FAL_TIMEOUT for the workers")
    parser.add_argument("--lease", type=int, default=5, help="JOB_LEASE_SECONDS")
    parser.add_argument("--kill-at", type=float, default=0.3, help="SIGKILL worker 1 once this fraction is final")
    parser.add_argument("--no-kill", action="store_true")
    parser.add_argument("--replace", action="store_true", help="start a replacement worker right after the kill")
    parser.add_argument("--webhooks", action="store_true", help="PUBLIC_URL = a gunicorn web server (default: polling)")
    parser.add_argument("--cap", type=float, default=300, help="seconds to wait for every job to be final")
    parser.add_argument("--seed", type=int, default=1234, help="emulator fault dice + image counts")
    parser.add_argument(
        "--emulator-nodelay",
        action="store_true",
        help="run the emulator with TCP_NODELAY (removes its ~40 ms stall per HTTP answer)",
    )
    parser.add_argument("--database-url", default="")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    terminate_on_signals()

    env = {
        "JOB_LEASE_SECONDS": str(args.lease),
        "USER_MAX_CONCURRENT_JOBS": str(args.concurrency),
        "FAL_TIMEOUT": str(args.fal_timeout),
        "STARTING_CREDITS": "100000",
    }
    stack = Stack("faults", database_url=args.database_url, env=env, keep=args.keep)
    try:
        stack.start_emulator(
            nodelay=args.emulator_nodelay,
            latency=args.latency,
            runners=max(64, 2 * args.users * args.concurrency),
            renderer="gradient",
        )
        stack.setup_django()
        if args.webhooks:
            stack.env["PUBLIC_URL"] = stack.start_web(2)
        workers = [stack.start_worker(args.worker_interval) for _ in range(args.workers)]
        stack.wait_for_workers(workers)
        users = [make_user(f"faults{i}@example.com") for i in range(args.users)]
        kinds = [k.strip() for k in args.fail_kinds.split(",") if k.strip()]
        ops = [o.strip() for o in args.fail_ops.split(",") if o.strip()]
        stack.emu(
            "POST",
            "/_emulator/config",
            {
                "fail_rate": args.fail_rate,
                "fail_kinds": kinds,
                "fail_ops": ops,
                "hang_seconds": args.hang_seconds,
                "fault_seed": args.seed,
            },
        )
        print(
            f"faults benchmark on {stack.database_label}: {args.n} jobs ({args.users} users x C={args.concurrency}), "
            f"{args.workers} workers, fal latency {args.latency}s, fail_rate {args.fail_rate} over {','.join(kinds)} "
            f"on {','.join(ops)} "
            f"(hang {args.hang_seconds}s, FAL_TIMEOUT {args.fal_timeout}s), lease {args.lease}s, "
            f"{'webhooks' if args.webhooks else 'polling'}, emulator "
            f"{'with TCP_NODELAY' if args.emulator_nodelay else 'stock'}",
            flush=True,
        )

        t0 = time.time()
        ids = enqueue(users, args.n, random.Random(args.seed))
        kill = None
        last_print = 0.0
        counts: dict = {}
        while time.time() - t0 < args.cap:
            stack.check_alive()
            counts = status_counts(ids)
            done = n_final(counts)
            if kill is None and not args.no_kill and done >= args.kill_at * len(ids):
                kill = kill_worker(stack, workers[0], wait_for_lease=5)
                print(
                    f"  t={kill['at'] - t0:5.1f}s SIGKILL worker 1 (pid {workers[0].pid}); it held a lease: "
                    f"{kill['held_lease_when_killed']}; jobs leased to it: {len(kill['leased_jobs'])}; replacement: "
                    f"{'started' if args.replace else 'none'}",
                    flush=True,
                )
                if args.replace:
                    workers.append(stack.start_worker(args.worker_interval, name="worker-replacement"))
            if kill and kill["orphan_checks"] is None and time.time() >= kill["at"] + 5:
                kill["orphan_checks"] = orphaned_checks(kill)
            if done == len(ids) and (kill is None or kill["orphan_checks"] is not None):
                break
            if time.time() - last_print >= 15:
                last_print = time.time()
                print(f"  t={last_print - t0:5.1f}s {done}/{len(ids)} final {counts}", flush=True)
            time.sleep(0.25)
        from django.db.models import Max

        from imagestudio.generation.models import GenerationJob

        time.sleep(1)  # let in-flight writes (e.g. a late duplicate finaliser) land before checking
        counts = status_counts(ids)
        finished_at = GenerationJob.objects.filter(pk__in=ids).aggregate(m=Max("completed_at"))["m"]
        all_final = n_final(counts) == len(ids)
        wall = (finished_at.timestamp() - t0) if all_final and finished_at else float("nan")
        r = analyse(ids, users, stack)
        report(args, r, counts, wall, kill, t0)
    finally:
        stack.close()


def report(args, r: dict, counts: dict, wall: float, kill: dict | None, t0: float) -> None:
    jobs = r["jobs"]
    goal = lambda n: "meets goal 0" if n == 0 else "MISSES goal 0"  # noqa: E731
    lost = len(r["lost_not_final"]) + len(r["lost_inconsistent"])
    dups = len(r["dup_outputs"]) + len(r["wrong_count"])
    ledger = len(r["bad_users"]) + len(r["bad_ledger_jobs"])
    print()
    print(
        f"wall time: {wall:.1f} s (enqueue -> last job final)"
        if wall == wall
        else f"wall time: NOT all final within the {args.cap:.0f} s cap"
    )
    print(f"final statuses: {dict(sorted(counts.items()))}   images stored: {r['images']}")
    print(
        f"lost jobs:        {lost:4d}  ({len(r['lost_not_final'])} not final, {len(r['lost_inconsistent'])} final but "
        f"inconsistent)   {goal(lost)}"
    )
    print(
        f"duplicate images: {dups:4d}  ({len(r['dup_outputs'])} (job, output_index) with >1 image, "
        f"{len(r['wrong_count'])} succeeded jobs with a wrong image count)   {goal(dups)}"
    )
    print(
        f"ledger mismatch:  {ledger:4d}  ({len(r['bad_users'])} users ledger sum != balance, "
        f"{len(r['bad_ledger_jobs'])} jobs with entries inconsistent with status)   {goal(ledger)}"
    )
    print(
        f"faults injected by the emulator: {r['faults']}; requests seen: "
        f"{ {k: v for k, v in r['totals'].items() if k != 'faults'} }"
    )
    print(
        f"orphaned fal requests (submitted, tracked by no job): {len(r['orphan_requests'])}; "
        f"orphaned files in storage: {len(r['orphan_files'])}"
    )
    retries = [j["retry_count"] for j in jobs.values()]
    print(
        f"jobs retried (retry_count > 0): {sum(1 for x in retries if x)}; max retry_count {max(retries, default=0)}; "
        f"jobs with attempts > 1: {sum(1 for j in jobs.values() if j['attempts'] > 1)}"
    )
    for j in sorted(jobs.values(), key=lambda j: -j["retry_count"])[:2]:
        if j["retry_count"] >= 3:
            print(
                f"  most retried: job {j['id']} {j['status']} retry_count={j['retry_count']} attempts={j['attempts']} "
                f"last message {j['progress_message'][:90]!r}"
            )
    done = [j["completed_at"].timestamp() - t0 for j in jobs.values() if j["completed_at"]]
    if done:
        print(
            f"time to final (from enqueue): p50 {percentile(done, 50):.1f} s, p95 {percentile(done, 95):.1f} s, "
            f"max {max(done):.1f} s"
        )
    ok_done = [j["completed_at"].timestamp() - t0 for j in jobs.values() if j["status"] == "succeeded"]
    if ok_done:
        print(
            f"succeeded jobs: last one final {max(ok_done):.1f} s after enqueue "
            f"({len(ok_done) / max(ok_done):.1f} jobs/s)"
        )
    by_status = collections.defaultdict(list)
    for j in jobs.values():
        if j["completed_at"] and j["started_at"]:
            by_status[j["status"]].append((j["completed_at"] - j["started_at"]).total_seconds())
    for status, values in sorted(by_status.items()):
        print(
            f"  {status:9s} started -> final: p50 {percentile(values, 50):6.1f} s, max {max(values):6.1f} s (n={len(values)})"
        )
    if r["reasons"]:
        print("failure reasons:")
        for reason, n in r["reasons"].most_common(8):
            print(f"  {n:4d} x {reason}")
    if kill:
        leased = kill["leased_jobs"]
        recovered = [
            jobs[j]["completed_at"].timestamp() - kill["at"] for j in leased if j in jobs and jobs[j]["completed_at"]
        ]
        print(
            f"killed worker's leased jobs: {len(leased)}; final {len(recovered)}"
            + (f", last one {max(recovered):.1f} s after the kill" if recovered else "")
        )
        checks = kill["orphan_checks"] or []
        after = [
            jobs[j]["completed_at"].timestamp() - kill["at"] for j in checks if j in jobs and jobs[j]["completed_at"]
        ]
        print(
            f"fal checks the killed worker's poller had claimed (still claimed 5 s later): {len(checks)}"
            + (
                f"; final {min(after):.1f}..{max(after):.1f} s after the kill (FAL_POLL_CLAIM_SECONDS = 30 s)"
                if after
                else ""
            )
        )
    for label, items in (
        ("not final", r["lost_not_final"]),
        ("inconsistent", r["lost_inconsistent"]),
        ("bad ledger", r["bad_ledger_jobs"]),
        ("wrong image count", r["wrong_count"]),
    ):
        for job_id in items[:3]:
            j = jobs[job_id]
            print(
                f"  e.g. {label}: job {job_id} status={j['status']} retry_count={j['retry_count']} attempts="
                f"{j['attempts']} check_failures={j['check_failures']} charged={j['credits_charged']}/"
                f"{j['credits_reserved']} error={j['error_message'][:80]!r}"
            )


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("interrupted: every process, temp dir and database it started was stopped and removed")
