"""Plaudit's asking pipeline at scale: a 100,000-customer campaign fan-out, and SMTP sending.

Run from the repository root:

    .venv/bin/python benchmarks/asking.py [--runs 3] [--messages 2000] [--profile]

What it does (see benchmarks/README.md):

1. (Re)creates a dedicated database `plaudit_bench_asking` on the server of $DATABASE_URL
   (default postgresql://postgres@127.0.0.1:5432/postgres), points DATABASE_URL at it before
   importing any project module, runs the migrations and builds a realistic world through the
   domain functions: a product listed on the 8 platforms, a sender, 100,000 customers
   (`upsert_customers`, 5,000 per call), a `renewed` signal for each (`record_signals`), an
   active signal-triggered email campaign with business-hours pacing, plus the facts that make
   customers skipped, held or deferred.
2. **Fan-out**: times `models.asking.selection.run_campaign(campaign_id)` (select, skip, route, pace,
   and write the asks and their first touches) in a fresh child process, and reports that
   process's peak RSS. Repeated on the same data, with the asking tables reset between runs.
3. **Send throughput**: an aiosmtpd sink in its own process; a worker-like child process sends
   N touches with `jobs.asking.asks.send_touch` (C concurrent tasks, as arq's max_jobs), alternating
   with a bare `aiosmtplib.send` loop sending equivalent messages at the same concurrency. The
   sink's count and Message-IDs are checked after every round.

Every child process runs in its own session and is stopped in a `finally` block.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

from asking_children import Children, ChildRun, run_child, smtp_sink, start_sink
from asking_fanout import fanout_child
from asking_send import TARGETS, Round, send_child
from asking_world import (
    AUDIENCE,
    PACING,
    World,
    build_world,
    enter_project,
    project_environment,
    reset_asking_state,
    resolve_database,
    vacuum_all,
)
from harness import log, machine_summary

# ---------------------------------------------------------------------------------------------
# Database server and environment
# ---------------------------------------------------------------------------------------------


# ---------------------------------------------------------------------------------------------
# The world: data generated from a fixed seed, written through the domain functions
# ---------------------------------------------------------------------------------------------


# ---------------------------------------------------------------------------------------------
# Child processes
# ---------------------------------------------------------------------------------------------


# --- fan-out child ---------------------------------------------------------------------------


# --- SMTP sink child -------------------------------------------------------------------------


# --- send child ------------------------------------------------------------------------------


# ---------------------------------------------------------------------------------------------
# Reporting
# ---------------------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "meets" if ok else "MISSES"


def print_report(args, header: list[str], world: World | None, fanouts: list[ChildRun],
                 send: dict | None, profile_text: str | None) -> None:
    out = print
    out()
    out("=" * 92)
    out("Plaudit asking: campaign fan-out (run_campaign) and send throughput (send_touch)")
    out("=" * 92)
    for line in header:
        out(line)
    rows: list[tuple[str, str, str, str, str]] = []

    if world is not None and fanouts:
        out()
        out(f"Fan-out data: {world.customers:,} customers (upsert_customers, {args.batch:,} per "
            f"call, {world.setup_seconds.get('upsert_customers', 0):.1f} s), signals "
            + ", ".join(f"{k} {v:,}" for k, v in world.signals.items())
            + f" (record_signals, {world.setup_seconds.get('record_signals', 0):.1f} s)")
        out(f"              {world.facts['insider']} insiders, {world.facts['notable']} notables, "
            f"{world.facts['suppressed']:,} suppressed, {world.facts['open_escalations']} open "
            f"escalations, {len(world.reviews):,} imported reviews, an earlier campaign's asks "
            f"to {world.facts.get('prior_planned', 0):,} customers (cool-down 90 days)")
        out(f"Campaign    : signal 'renewed', email, EN+FR templates, routing 'need' over 8 "
            f"profiles, audience {json.dumps(AUDIENCE)},")
        out(f"              pacing {json.dumps(PACING)}")
        out(f"Method      : each run is a fresh `python {Path(__file__).name} --fanout-child` "
            f"process (start_pool(1, 5) as the worker) timing run_campaign() alone; asks, "
            f"touches, tasks, selection runs truncated and watermarks reset between runs; "
            f"max RSS = ru_maxrss of that process (wait4)")
        out()
        out(f"{'run':>4} {'seconds':>8} {'max RSS MB':>11} {'RSS before':>11} {'SQL stmts':>10} "
            f"{'SQL s':>7} {'planned':>8} {'wall s':>7}")
        for i, run in enumerate(fanouts, 1):
            r = run.result
            out(f"{i:>4} {r['seconds']:>8.2f} {run.max_rss_mb:>11.1f} {r['rss_before_mb']:>11.1f} "
                f"{r['sql']['count']:>10} {r['sql']['seconds']:>7.2f} "
                f"{r['summary']['planned']:>8,} {run.seconds:>7.1f}")
        median_s = statistics.median(f.result["seconds"] for f in fanouts)
        max_rss = max(f.max_rss_mb for f in fanouts)
        last = fanouts[-1].result
        s = last["summary"]
        out()
        out(f"RunSummary  : candidates {s['candidates']:,}, eligible {s['eligible']:,}, selected "
            f"{s['selected']:,}, planned {s['planned']:,}, held {s['held']:,}, deferred "
            f"{s['deferred']:,}")
        out("              skipped: " + ", ".join(f"{k} {v:,}" for k, v in
                                                  sorted(s["skipped"].items(), key=lambda kv: -kv[1])))
        w = last["written"]
        out(f"Written     : {w['asks']:,} asks ({w['planned']:,} planned, {w['held']:,} held, "
            f"{w['deferred']:,} deferred), {w['touches']:,} touches, {w['approval_tasks']:,} "
            f"approval tasks; send times {str(w['first_at'])[:16]} → {str(w['last_at'])[:16]} UTC")
        out("              per platform: " + ", ".join(f"{k} {v:,}" for k, v in
                                                       w["per_platform"].items()))
        out()
        out("Where the time and memory go (median seconds over runs; RSS at the end of each "
            "step and peak RSS so far, last run):")
        out(f"  {'step of run_campaign':<56} {'seconds':>8} {'share':>6} {'RSS MB':>7} "
            f"{'peak MB':>8}")
        for label, (_, rss, peak) in last["phases"].items():
            med = statistics.median(f.result["phases"][label][0] for f in fanouts)
            out(f"  {label:<56} {med:8.2f} {med / median_s:6.0%} {rss:7.0f} {peak:8.0f}")
        out("Slowest SQL statements of the last run (seconds):")
        for text, secs in last["sql"]["top"]:
            out(f"  {secs:7.3f}  {text}")
        rows.append((f"fan-out {world.customers // 1000}k: run_campaign, median of {len(fanouts)}",
                     f"{median_s:.2f} s", f"target ≤ {args.target_seconds:g} s", "",
                     verdict(median_s <= args.target_seconds)))
        rows.append(("fan-out: peak RSS of the run_campaign process", f"{max_rss:.0f} MB",
                     f"target ≤ {args.target_rss_mb:g} MB", "",
                     verdict(max_rss <= args.target_rss_mb)))

    if send is not None:
        rounds = [Round(**r) for r in send["rounds"]]
        out()
        out(f"Send        : {args.messages:,} touches per round and target, {args.concurrency} "
            f"concurrent tasks (arq max_jobs), {args.rounds} rounds alternating bare → Plaudit → "
            f"reuse, after {args.warmup_messages} warm-up messages each")
        out(f"              Plaudit: jobs.asking.asks.send_touch(ctx, id) = claim_touch (SELECT … FOR "
            f"UPDATE, render, UPDATE) + aiosmtplib.send + mark_sent; pool "
            f"start_pool(1, {args.pool_max}) as jobs/worker.py; no arq/Redis in the loop")
        out("              bare: aiosmtplib.send() of prebuilt EmailMessages with the same "
            "arguments, also ONE NEW SMTP CONNECTION PER MESSAGE,")
        out("              so the ratio is Plaudit's own overhead (PostgreSQL claim/mark, "
            "rendering), not connection reuse")
        out("              sink: aiosmtpd in its own process (uvloop), counting messages and "
            "Message-IDs; every round verified: exact count, no duplicate, none lost")
        plaudit_bytes = statistics.mean(r.bytes_per_message for r in rounds if r.target == "plaudit")
        out(f"              message size: Plaudit {plaudit_bytes:,.0f} B on average (EN and FR), "
            f"bare {send['reference_bytes']:,} B (one real touch, composed by "
            f"models.asking.sending.compose)")
        out()
        out(f"{'round':>5}  {'target':<26} {'msg/s':>8} {'seconds':>8} {'worker CPU':>10} "
            f"{'sink CPU':>9} {'machine':>8} {'received':>9}")
        for r in rounds:
            out(f"{r.number:>5}  {TARGETS[r.target]:<26} {r.rate:>8.1f} {r.seconds:>8.2f} "
                f"{r.worker_cpu:>10.0%} {r.sink_cpu:>9.0%} {r.machine_cpu:>8.0%} "
                f"{r.received:>9,}")
        med = {t: statistics.median(r.rate for r in rounds if r.target == t) for t in TARGETS}
        db = send["db"]
        out("(worker/sink CPU: share of one core; machine: share of all cores, PostgreSQL "
            "included)")
        out(f"Database check: {db['sent']:,}/{db['expected']:,} touches sent with their rendered "
            f"body kept, {db['asks_sent']:,} asks 'sent', {db['follow_ups']:,} follow-up "
            f"touches scheduled")
        ratio = med["plaudit"] / med["bare"] if med["bare"] else 0.0
        per_round = [p.rate / b.rate for p, b in zip(
            [r for r in rounds if r.target == "plaudit"], [r for r in rounds if r.target == "bare"],
            strict=True)]
        out(f"Plaudit ÷ bare in each round (same minute, same load): "
            f"{', '.join(f'{x:.2f}' for x in per_round)}; median {statistics.median(per_round):.2f}")
        rows.append(("send: messages/s, median (1 connection/message)",
                     f"{med['plaudit']:,.0f}/s", f"bare aiosmtplib {med['bare']:,.0f}/s",
                     f"{ratio:.2f}", f"{verdict(ratio >= args.target_ratio)} ≥ "
                                     f"{args.target_ratio:g}"))
        rows.append(("(extra) bare, C reused SMTP connections", "",
                     f"{med['reuse']:,.0f}/s", f"{med['plaudit'] / med['reuse']:.2f}",
                     "Plaudit ÷ reuse"))

    if args.json:
        from harness import write_rows

        write_rows(args.json, rows)
    out()
    out(f"{'figure':<52} {'Plaudit':>10}  {'reference / target':<26} {'ratio':>6}  verdict")
    for figure, value, ref, ratio, note in rows:
        out(f"{figure:<52} {value:>10}  {ref:<26} {ratio:>6}  {note}")
    if profile_text:
        out()
        out("cProfile of one more run_campaign() (its own child; profiling slows Python code "
            "~1.5-2x, so read shares, not seconds):")
        out(profile_text.rstrip())
    out("=" * 92)


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--customers", type=int, default=100_000, help="customers (100000)")
    p.add_argument("--batch", type=int, default=5000, help="items per upsert/record call (5000)")
    p.add_argument("--runs", type=int, default=3, help="fan-out runs (3)")
    p.add_argument("--messages", type=int, default=2000, help="messages per send round (2000)")
    p.add_argument("--concurrency", type=int, default=20, help="concurrent sends (20)")
    p.add_argument("--rounds", type=int, default=3, help="send rounds per target (3)")
    p.add_argument("--warmup-messages", type=int, default=40, help="warm-up messages (40)")
    p.add_argument("--pool-max", type=int, default=5,
                   help="the sending worker's pool max_size (5, as jobs/worker.py)")
    p.add_argument("--profile", action="store_true",
                   help="afterwards, cProfile one more run_campaign and print the top functions")
    p.add_argument("--skip-send", action="store_true", help="fan-out only")
    p.add_argument("--target-seconds", type=float, default=10.0)
    p.add_argument("--target-rss-mb", type=float, default=200.0)
    p.add_argument("--target-ratio", type=float, default=0.5)
    p.add_argument("--keep-logs", action="store_true", help="keep the children's logs")
    p.add_argument("--json", metavar="PATH", help="also write the summary rows as JSON (run_all.py)")
    # Internal: the child processes.
    p.add_argument("--fanout-child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--send-child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--smtp-sink", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--campaign-id", type=int, help=argparse.SUPPRESS)
    p.add_argument("--profile-out", help=argparse.SUPPRESS)
    p.add_argument("--port", type=int, help=argparse.SUPPRESS)
    p.add_argument("--control-port", type=int, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if min(args.customers, args.batch, args.runs, args.messages, args.concurrency,
           args.rounds) < 1 or args.batch > 5000:
        p.error("counts must be positive, and --batch at most 5000 (the API's limit)")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.smtp_sink:
        smtp_sink(args.port, args.control_port)
        return 0
    if args.fanout_child:
        asyncio.run(fanout_child(args.campaign_id, args.profile_out))
        return 0
    if args.send_child:
        asyncio.run(send_child(args))
        return 0

    # Turn SIGTERM into an exception so the `finally` block stops every child.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = time.monotonic()
    children = Children()
    log_dir = Path(tempfile.mkdtemp(prefix="plaudit-bench-asking-"))
    try:
        db_url, db_note = resolve_database()
        env = project_environment(db_url)
        enter_project(env)
        load_before = os.getloadavg()

        log("migrating and building the world")
        world = asyncio.run(build_world(args))
        asyncio.run(vacuum_all())
        log(f"world ready after {time.monotonic() - started:.0f} s")

        fanouts: list[ChildRun] = []
        child_args = ["--fanout-child", "--campaign-id", str(world.campaign_id)]
        for i in range(1, args.runs + 1):
            world.facts["prior_planned"] = asyncio.run(reset_asking_state(world))["prior_planned"]
            run = run_child(children, f"fanout-{i}", child_args, env, 300, log_dir)
            r = run.result
            log(f"fan-out {i}/{args.runs}: run_campaign {r['seconds']:.2f} s, planned "
                f"{r['summary']['planned']:,}, max RSS {run.max_rss_mb:.0f} MB")
            fanouts.append(run)

        profile_text = None
        if args.profile:
            asyncio.run(reset_asking_state(world))
            path = log_dir / "fanout.prof.txt"
            run = run_child(children, "fanout-profile", [*child_args, "--profile-out", str(path)],
                            env, 300, log_dir)
            log(f"profiled fan-out: {run.result['seconds']:.2f} s under cProfile")
            profile_text = path.read_text()

        send = None
        if not args.skip_send:
            port, control_port = start_sink(children, env, log_dir)
            send_env = dict(env, SMTP_HOST="127.0.0.1", SMTP_PORT=str(port),
                            SMTP_STARTTLS="false")
            log(f"SMTP sink on :{port}; sending")
            run = run_child(children, "send", [
                "--send-child", "--campaign-id", str(world.campaign_id),
                "--control-port", str(control_port), "--messages", str(args.messages),
                "--concurrency", str(args.concurrency), "--rounds", str(args.rounds),
                "--warmup-messages", str(args.warmup_messages), "--pool-max", str(args.pool_max),
            ], send_env, 600, log_dir)
            send = run.result

        load_after = os.getloadavg()
        header = [*machine_summary(("piccolo", "asyncpg", "aiosmtplib", "aiosmtpd", "uvloop", "arq"),
                                   memory=True),
                  f"Load avg: {load_before[0]:.2f} before, {load_after[0]:.2f} after "
                  "(1-minute; other processes share these CPUs)",
                  f"Database: {db_note}",
                  f"Duration: {time.monotonic() - started:.0f} s in all"]
        print_report(args, header, world, fanouts, send, profile_text)
    finally:
        children.stop_all()
        if args.keep_logs:
            log(f"child logs kept in {log_dir}")
        else:
            import shutil

            shutil.rmtree(log_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        log("interrupted; every process this run started has been stopped")
        sys.exit(130)
