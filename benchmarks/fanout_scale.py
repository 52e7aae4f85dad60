"""Campaign fan-out as the audience grows: 10k, 100k and 1M customers, beside a set-based SQL
baseline that writes the same planned asks.

Run from the repository root:

    .venv/bin/python benchmarks/fanout_scale.py [--sizes 10000,100000,1000000]

For each size, in turn (see benchmarks/README.md):

1. (Re)creates `plaudit_bench_asking` and builds the asking benchmark's world at that size
   through the domain functions (benchmarks/asking_world.py: a product on the 8 platforms,
   customers with realistic facts, a renewal signal each, imported reviews, an earlier
   campaign's asks for the cool-down).
2. Runs `run_campaign` once in a fresh child process (benchmarks/asking.py --fanout-child, the
   worker's pool) and records its time and peak RSS (wait4's ru_maxrss).
3. **The SQL baseline**: copies the asks and first touches the run wrote to staging tables,
   deletes them, and times writing the same rows back with one `INSERT … SELECT` each — the
   floor for writing that many planned asks, with none of the selection, routing or pacing.

Goals: peak RSS flat in the audience (≤ 200 MB at 1M) and the time per customer at 1M within
1.2× of that at 100k.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

from asking_children import Children, run_child
from asking_world import (
    build_world,
    enter_project,
    project_environment,
    reset_asking_state,
    resolve_database,
    sql_connection,
    vacuum_all,
)
from harness import log, machine_summary, write_rows


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="10000,100000,1000000", help="audience sizes, comma-separated")
    p.add_argument("--batch", type=int, default=5000, help="customers per upsert_customers call (5000)")
    p.add_argument("--target-rss-mb", type=float, default=200)
    p.add_argument("--target-growth", type=float, default=1.2,
                   help="time per customer at the largest size ÷ at the one before (1.2)")
    p.add_argument("--json", metavar="PATH", help="also write the summary rows as JSON (run_all.py)")
    args = p.parse_args(argv)
    args.sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    return args


async def sql_baseline(campaign_id: int) -> tuple[float, int]:
    """Seconds to write the same asks and first touches with one INSERT … SELECT each."""
    conn = await sql_connection()
    try:
        await conn.execute("DROP TABLE IF EXISTS ask_copy, touch_copy")
        await conn.execute("CREATE TABLE ask_copy AS SELECT * FROM ask WHERE campaign = $1", campaign_id)
        await conn.execute("CREATE TABLE touch_copy AS SELECT t.* FROM ask_touch t "
                           "JOIN ask_copy a ON a.id = t.ask")
        # Everything that hangs off asks goes (a DELETE of a million asks checks each row's
        # references one by one); the baseline writes into empty tables, as the run did.
        await conn.execute("TRUNCATE ask, ask_touch, ask_click, task RESTART IDENTITY CASCADE")
        await conn.execute("VACUUM ANALYZE ask, ask_touch")
        started = time.perf_counter()
        async with conn.transaction():
            status = await conn.execute("INSERT INTO ask SELECT * FROM ask_copy")
            await conn.execute("INSERT INTO ask_touch SELECT * FROM touch_copy")
        seconds = time.perf_counter() - started
        await conn.execute("DROP TABLE ask_copy, touch_copy")
        return seconds, int(status.split()[-1])
    finally:
        await conn.close()


def main(argv=None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    children = Children()
    log_dir = Path(tempfile.mkdtemp(prefix="plaudit-fanout-"))
    results = []
    entered = False
    try:
        for size in args.sizes:
            db_url, db_note = resolve_database()
            env = project_environment(db_url)
            if not entered:
                enter_project(env)
                entered = True
            t0 = time.perf_counter()
            world = asyncio.run(build_world(SimpleNamespace(customers=size, batch=args.batch)))
            asyncio.run(reset_asking_state(world))
            asyncio.run(vacuum_all())
            log(f"{size:,}: world built in {time.perf_counter() - t0:.0f} s")
            run = run_child(children, f"fanout-{size}", ["--fanout-child", "--campaign-id",
                                                          str(world.campaign_id)], env, 3600, log_dir)
            summary = run.result["summary"]
            log(f"{size:,}: run_campaign {run.result['seconds']:.2f} s, peak RSS "
                f"{run.result['vmhwm_end_mb']:.0f} MB, {summary['planned']:,} planned")
            baseline, rows = asyncio.run(sql_baseline(world.campaign_id))
            # The child's own high-water mark: wait4's ru_maxrss also counts the pages the child
            # shared with this (large) parent between fork and exec.
            results.append({"size": size, "seconds": run.result["seconds"],
                            "rss": run.result["vmhwm_end_mb"],
                            "planned": summary["planned"], "asks": rows, "baseline": baseline,
                            "candidates": summary["candidates"]})
            log(f"{size:,}: SQL baseline {baseline:.2f} s for {rows:,} asks")
        for line in machine_summary(memory=True):
            print(line)
        print(f"Database: {db_note}")
        print(f"{'customers':>10} {'candidates':>11} {'asks':>9} {'run s':>8} {'µs/customer':>12} "
              f"{'peak RSS MB':>12} {'SQL baseline s':>15} {'ratio':>7}")
        for r in results:
            print(f"{r['size']:>10,} {r['candidates']:>11,} {r['asks']:>9,} {r['seconds']:>8.2f} "
                  f"{r['seconds'] / r['size'] * 1e6:>12.1f} {r['rss']:>12.0f} {r['baseline']:>15.2f} "
                  f"{r['seconds'] / max(r['baseline'], 1e-9):>6.1f}×")
        if args.json and results:
            rows_out = []
            for r in results:
                rows_out.append((f"fan-out {r['size'] // 1000:,}k customers: run_campaign",
                                 f"{r['seconds']:.2f} s, {r['rss']:.0f} MB peak",
                                 f"INSERT … SELECT of the same {r['asks']:,} asks {r['baseline']:.2f} s",
                                 f"{r['seconds'] / max(r['baseline'], 1e-9):.1f}× slower", ""))
            largest = results[-1]
            rows_out.append(("fan-out: peak RSS at the largest audience", f"{largest['rss']:.0f} MB",
                             f"target ≤ {args.target_rss_mb:g} MB", "",
                             "met" if largest["rss"] <= args.target_rss_mb else "NOT met"))
            if len(results) >= 2:
                a, b = results[-2], results[-1]
                growth = (b["seconds"] / b["size"]) / (a["seconds"] / a["size"])
                label = f"fan-out: time per customer, {b['size'] // 1000:,}k ÷ {a['size'] // 1000:,}k"
                rows_out.append((label,
                                 f"{growth:.2f}×", f"target ≤ {args.target_growth:g}×", "",
                                 "met" if growth <= args.target_growth else "NOT met"))
            write_rows(args.json, rows_out)
    finally:
        children.stop_all()
        with contextlib.suppress(OSError):
            shutil.rmtree(log_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
