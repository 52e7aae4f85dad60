"""Every benchmark of Plaudit, one after the other, and one table of their medians and ratios.

    .venv/bin/python benchmarks/run_all.py              # about 35 minutes on 2 cores
    .venv/bin/python benchmarks/run_all.py --quick      # shorter rounds, for a smoke check
    .venv/bin/python benchmarks/run_all.py --markdown   # the table as Markdown (for the README)

Runs, each in its own process and each measuring Plaudit beside its reference in the same run:

- customers_graphql_vs_raw.py — the GraphQL customers connection vs bare Litestar + raw asyncpg;
- asking.py — campaign fan-out over 100,000 customers (time, peak RSS) and send throughput vs a
  bare aiosmtplib loop;
- showcase_vs_raw.py — the public showcase, cached and uncached, vs a bare raw-asyncpg handler;
- graphql_validation.py — validating hostile and ordinary documents: Plaudit's cost pass vs
  Strawberry's depth and alias limiters (what ran before issue 10);
- webhooks.py — outbound webhook deliveries per second by one worker vs a bare httpx loop posting
  the same signed bodies, and commit-to-delivery latency with the worker idle;
- ingest.py — recordSignals in batches of 5,000 (new, then re-pushed) vs a bare asyncpg
  INSERT … ON CONFLICT DO NOTHING of the same rows;
- fanout_scale.py — the campaign fan-out at 10k, 100k and 1M customers (time, µs per customer,
  peak RSS) vs an INSERT … SELECT of the same asks.

Needs PostgreSQL and Redis (DATABASE_URL / REDIS_URL, or the defaults on 127.0.0.1) and wrk.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

BENCHMARKS = {
    "customers": (["customers_graphql_vs_raw.py", "--rounds", "3", "--duration", "10"],
                  ["customers_graphql_vs_raw.py", "--rounds", "1", "--duration", "3", "--warmup", "1"]),
    "asking": (["asking.py", "--runs", "3", "--rounds", "3", "--messages", "1500"],
               ["asking.py", "--customers", "20000", "--runs", "1", "--rounds", "1",
                "--messages", "300"]),
    "showcase": (["showcase_vs_raw.py", "--rounds", "3", "--duration", "10"],
                 ["showcase_vs_raw.py", "--rounds", "1", "--duration", "3", "--warmup", "1"]),
    "validation": (["graphql_validation.py", "--rounds", "7"], ["graphql_validation.py", "--rounds", "1"]),
    "webhooks": (["webhooks.py", "--events", "3000", "--rounds", "3", "--latency", "60"],
                 ["webhooks.py", "--events", "500", "--rounds", "1", "--latency", "10"]),
    "ingest": (["ingest.py", "--rounds", "5"], ["ingest.py", "--rounds", "1"]),
    "fanout_scale": (["fanout_scale.py", "--sizes", "10000,100000,1000000"],
                     ["fanout_scale.py", "--sizes", "5000,20000"]),
}


def run(name: str, args: list[str], out: Path) -> dict:
    started = time.monotonic()
    print(f"[run_all] {name}: {' '.join(args)}", file=sys.stderr, flush=True)
    proc = subprocess.run([sys.executable, str(HERE / args[0]), *args[1:], "--json", str(out)],
                          cwd=HERE.parent, text=True, capture_output=True)
    seconds = time.monotonic() - started
    if proc.returncode != 0 or not out.exists():
        tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-25:])
        return {"error": f"{name} failed ({proc.returncode}) after {seconds:.0f} s:\n{tail}"}
    print(f"[run_all] {name}: done in {seconds:.0f} s", file=sys.stderr, flush=True)
    return json.loads(out.read_text())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short rounds (numbers are rough)")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("--only", choices=sorted(BENCHMARKS), action="append",
                        help="run only these (repeatable)")
    args = parser.parse_args(argv)
    rows: list[list[str]] = []
    machine = ""
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, (full, quick) in BENCHMARKS.items():
            if args.only and name not in args.only:
                continue
            result = run(name, quick if args.quick else full, Path(tmp) / f"{name}.json")
            if "error" in result:
                failures.append(result["error"])
                continue
            machine = result["machine"]
            rows += result["rows"]
    header = ("figure", "Plaudit (median)", "reference / target", "ratio", "verdict")
    print()
    print(machine or "machine: unknown")
    if args.markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for row in rows:
            print("| " + " | ".join(cell or "" for cell in row) + " |")
    else:
        widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
        for row in [header, *rows]:
            print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)))
    for failure in failures:
        print(f"\n{failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
