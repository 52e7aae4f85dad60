"""Signal ingest: `recordSignals` in batches of 5,000 over HTTP, beside a bare asyncpg
`INSERT … ON CONFLICT DO NOTHING` of the same rows into the same table.

Run from the repository root:

    .venv/bin/python benchmarks/ingest.py [--rounds 5] [--batch 5000] [--customers 20000]

What it does (see benchmarks/README.md):

1. (Re)creates a dedicated database `plaudit_bench_ingest` on the server of $DATABASE_URL
   (default postgresql://postgres@127.0.0.1:5432/postgres), runs `plaudit migrate`, creates a
   product and its customers through `upsert_customers`, and a `signals:write` token.
2. Starts `plaudit serve` (one uvicorn process). Each round, alternating:
   - **Plaudit, new**: one `POST /graphql` of `recordSignals(productId, signals: $s)` with 5,000
     new signals as variables, asking for `createdCount duplicateCount userErrors { code }` —
     what a partner's sync reads back. Timed from the request to the parsed answer.
   - **Plaudit, re-push**: the same request again (partners retry): 5,000 duplicates.
   - **Reference, new / re-push**: the same 5,000 rows (other event ids, so they are new too)
     through one asyncpg statement: `INSERT INTO signal … SELECT … FROM unnest(…) JOIN customer
     ON (product, external_id) ON CONFLICT (product, source, event_id) DO NOTHING`, then again.
   Each answer is checked (5,000 created, then 5,000 duplicates; the rows are in the table).
3. Prints signals per second (medians) and the ratios; goals ≥ 0.3× for new signals and ≥ 0.5×
   for a re-push.

Every child process runs in its own session and is stopped in a `finally` block.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from bench_db import recreate_database, server_reachable, with_database
from harness import (
    REPO,
    BenchError,
    Children,
    free_port,
    log,
    machine_summary,
    plaudit_cli,
    redis_reachable,
    run_cli,
    write_rows,
)

BENCH_DB = "plaudit_bench_ingest"
DEFAULT_SERVER_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
MUTATION = ("mutation($p: ID!, $s: [SignalInput!]!) { recordSignals(productId: $p, signals: $s) "
            "{ createdCount duplicateCount userErrors { code message } } }")
REFERENCE_SQL = """
INSERT INTO signal (customer, product, kind, source, event_id, occurred_at, nps_score, note, payload)
SELECT c.id, $1, u.kind, u.source, u.event_id, u.occurred_at, NULL, '', '{}'::jsonb
FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[])
     AS u(external_id, kind, source, event_id, occurred_at)
JOIN customer c ON c.product = $1 AND c.external_id = u.external_id
ON CONFLICT (product, source, event_id) DO NOTHING
"""
KINDS = ("renewed", "upgraded", "ticket_resolved", "escalation_closed")


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=5, help="measured rounds (5)")
    p.add_argument("--batch", type=int, default=5000, help="signals per request (5000, the maximum)")
    p.add_argument("--customers", type=int, default=20000, help="customers of the product (20000)")
    p.add_argument("--json", metavar="PATH", help="also write the summary rows as JSON (run_all.py)")
    args = p.parse_args(argv)
    if not 1 <= args.batch <= 5000 or args.rounds < 1:
        p.error("--batch is 1..5000, --rounds positive")
    return args


def resolve_database() -> tuple[str, str]:
    server_url = os.environ.get("DATABASE_URL") or DEFAULT_SERVER_URL
    if not asyncio.run(server_reachable(server_url)):
        raise BenchError(f"no PostgreSQL answers at {server_url} (set DATABASE_URL to a server)")
    admin_url = with_database(server_url, "postgres")
    log(f"recreating database {BENCH_DB}")
    version = asyncio.run(recreate_database(admin_url, BENCH_DB))
    host = urlsplit(server_url).hostname or "local socket"
    return with_database(server_url, BENCH_DB), f"{BENCH_DB} on {host} (PostgreSQL {version})"


def build_product(env: dict, customers: int) -> int:
    """A product and its customers, through the domain (in a child: the project reads its env)."""
    code = f"""
import asyncio, datetime as dt
from models.core.database import start_pool, close_pool
from models.core.actors import SYSTEM
from models.catalogue.products import create_product
from models.people.customers import upsert_customers

async def main():
    await start_pool(min_size=1, max_size=2)
    product = (await create_product(SYSTEM, {{"slug": "ingest", "name": "Ingest"}})).value
    since = dt.date(2024, 1, 1)
    for start in range(0, {customers}, 5000):
        result = await upsert_customers(SYSTEM, product.id, [
            {{"external_id": f"c{{i}}", "email": f"c{{i}}@bench.example", "customer_since": since}}
            for i in range(start, min(start + 5000, {customers}))])
        assert not result.errors, result.errors[:3]
    print(product.id)
    await close_pool()

asyncio.run(main())
"""
    import subprocess

    env = dict(env, PYTHONPATH=str(REPO), PICCOLO_CONF="piccolo_conf")
    proc = subprocess.run([sys.executable, "-c", code], env=env, cwd=REPO, capture_output=True, text=True,
                          timeout=600)
    if proc.returncode != 0:
        raise BenchError(f"building the product failed:\n{proc.stderr[-2000:]}")
    return int(proc.stdout.strip().splitlines()[-1])


def batch(round_no: int, size: int, customers: int, prefix: str) -> list[dict]:
    now = dt.datetime.now(dt.UTC)
    return [{"source": "billing", "eventId": f"{prefix}-{round_no}-{i}",
             "customerExternalId": f"c{(round_no * size + i) % customers}", "kind": KINDS[i % 4].upper(),
             "occurredAt": (now - dt.timedelta(minutes=i % 600)).isoformat()} for i in range(size)]


def post(url: str, token: str, body: bytes) -> dict:
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json",
        "Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read())


def plaudit_round(url: str, token: str, product_gid: str, items: list[dict]) -> tuple[float, float]:
    body = json.dumps({"query": MUTATION, "variables": {"p": product_gid, "s": items}}).encode()
    timings = []
    for expected in ("createdCount", "duplicateCount"):
        started = time.perf_counter()
        answer = post(url, token, body)
        timings.append(time.perf_counter() - started)
        payload = (answer.get("data") or {}).get("recordSignals")
        if not payload or payload["userErrors"] or payload[expected] != len(items):
            raise BenchError(f"unexpected answer: {json.dumps(answer)[:500]}")
    return timings[0], timings[1]


async def reference_round(db_url: str, product_id: int, items: list[dict]) -> tuple[float, float]:
    import asyncpg

    conn = await asyncpg.connect(db_url)
    try:
        columns = ([i["customerExternalId"] for i in items], [i["kind"].lower() for i in items],
                   [i["source"] for i in items], [i["eventId"] for i in items],
                   [dt.datetime.fromisoformat(i["occurredAt"]) for i in items])
        timings = []
        for expected in (len(items), 0):
            started = time.perf_counter()
            status = await conn.execute(REFERENCE_SQL, product_id, *columns)
            timings.append(time.perf_counter() - started)
            if int(status.split()[-1]) != expected:
                raise BenchError(f"reference inserted {status}, expected {expected}")
        return timings[0], timings[1]
    finally:
        await conn.close()


def wait_ready(url: str, token: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    body = json.dumps({"query": "{ __typename }"}).encode()
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError, ValueError):
            if post(url, token, body).get("data"):
                return
        time.sleep(0.3)
    raise BenchError("plaudit serve did not answer in time")


def main(argv=None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    children = Children()
    log_dir = Path(tempfile.mkdtemp(prefix="plaudit-ingest-"))
    try:
        db_url, db_note = resolve_database()
        env = dict(os.environ, DATABASE_URL=db_url, PYTHONUNBUFFERED="1", PLAUDIT_RATE_LIMIT_PER_MINUTE="0")
        redis_url = os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
        if redis_reachable(redis_url):
            env["REDIS_URL"] = redis_url
        else:
            env.pop("REDIS_URL", None)
        run_cli(env, "migrate")
        product_id = build_product(env, args.customers)
        token = run_cli(env, "create-token", "--name", "ingest", "--scopes", "signals:write"
                        ).strip().splitlines()[-1].strip()
        sys.path.insert(0, str(REPO))
        from models.core.global_ids import to_global_id

        product_gid = to_global_id("Product", product_id)
        port = free_port()
        children.start("plaudit", [plaudit_cli(), "serve", "--port", str(port), "--log-level", "warning"],
                       env, log_dir)
        url = f"http://127.0.0.1:{port}/graphql"
        wait_ready(url, token)
        log("warm-up round")
        plaudit_round(url, token, product_gid, batch(0, args.batch, args.customers, "warm"))
        asyncio.run(reference_round(db_url, product_id, batch(0, args.batch, args.customers, "warmref")))
        results: dict[str, list[float]] = {"plaudit_new": [], "plaudit_repush": [], "ref_new": [],
                                           "ref_repush": []}
        for n in range(1, args.rounds + 1):
            new, again = plaudit_round(url, token, product_gid, batch(n, args.batch, args.customers, "p"))
            ref_new, ref_again = asyncio.run(reference_round(
                db_url, product_id, batch(n, args.batch, args.customers, "r")))
            for key, seconds in (("plaudit_new", new), ("plaudit_repush", again), ("ref_new", ref_new),
                                 ("ref_repush", ref_again)):
                results[key].append(args.batch / seconds)
            log(f"round {n}/{args.rounds}: new {args.batch / new:8.0f}/s (bare {args.batch / ref_new:8.0f}/s)"
                f"   re-push {args.batch / again:8.0f}/s (bare {args.batch / ref_again:8.0f}/s)")
        med = {k: statistics.median(v) for k, v in results.items()}
        ratio_new = med["plaudit_new"] / med["ref_new"]
        ratio_again = med["plaudit_repush"] / med["ref_repush"]
        for line in machine_summary():
            print(line)
        print(f"Database: {db_note}; {args.customers:,} customers; batches of {args.batch:,}; "
              f"{args.rounds} rounds")
        print(f"{'':28}{'Plaudit':>12}{'bare asyncpg':>14}{'ratio':>8}")
        print(f"{'new signals / s':28}{med['plaudit_new']:12,.0f}{med['ref_new']:14,.0f}{ratio_new:8.2f}")
        print(f"{'re-pushed signals / s':28}{med['plaudit_repush']:12,.0f}{med['ref_repush']:14,.0f}"
              f"{ratio_again:8.2f}")
        if args.json:
            write_rows(args.json, [
                ("Signal ingest, new (recordSignals, 5,000 per request)", f"{med['plaudit_new']:,.0f}/s",
                 f"bare INSERT … ON CONFLICT {med['ref_new']:,.0f}/s", f"{ratio_new:.2f}×",
                 "goal ≥ 0.3×: " + ("met" if ratio_new >= 0.3 else "NOT met")),
                ("Signal ingest, re-push (all duplicates)", f"{med['plaudit_repush']:,.0f}/s",
                 f"bare INSERT … ON CONFLICT {med['ref_repush']:,.0f}/s", f"{ratio_again:.2f}×",
                 "goal ≥ 0.5×: " + ("met" if ratio_again >= 0.5 else "NOT met")),
            ])
    except BenchError:
        for child in children.items:
            if child.proc.poll() is not None:
                log(f"{child.name} log:\n{child.tail()}")
        raise
    finally:
        children.stop_all()
        shutil.rmtree(log_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
