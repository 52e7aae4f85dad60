"""Plaudit's `customers` GraphQL query against a raw asyncpg handler serving the same JSON.

Run from the repository root:

    .venv/bin/python benchmarks/customers_graphql_vs_raw.py [--rounds 3] [--duration 10]

What it does (see benchmarks/README.md):

1. (Re)creates a dedicated database `plaudit_bench` on the server of $DATABASE_URL (default
   postgresql://postgres@127.0.0.1:5432/postgres; embedded pgserver if none is reachable and
   DATABASE_URL is unset), then runs `plaudit migrate`, `plaudit seed-demo` and
   `plaudit create-token` against it.
2. Starts `plaudit serve` (uvicorn, one process) and, beside it, a bare Litestar app from this
   file (`--serve-raw`) whose one handler authenticates the bearer token with the same SELECT as
   Plaudit and answers with the same JSON document from raw asyncpg queries.
3. Checks that both answers are equal (parsed JSON), then drives both with wrk (or a small
   asyncio load generator when wrk is missing), alternating raw / GraphQL rounds, and prints the
   medians and the GraphQL ÷ raw throughput ratio.

Every child process runs in its own session and is stopped in a `finally` block.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from bench_db import recreate_database, server_reachable, with_database
from customers_raw import NESTED_SIGNALS, PAGE_SIZE, TOKEN_PREFIX, TOKEN_SCOPES, serve_raw
from harness import (
    BenchError,
    Child,
    Children,
    Result,
    first_difference,
    free_port,
    http_post,
    log,
    machine_summary,
    plaudit_cli,
    py_load,
    redis_reachable,
    run_cli,
    run_wrk,
    wait_ready,
    write_rows,
)

REPO = Path(__file__).resolve().parent.parent
BENCH_DB = "plaudit_bench"
DEFAULT_SERVER_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"

QUERY = (
    f"query {{ customers(first: {PAGE_SIZE}) {{ edges {{ cursor node {{ id externalId email "
    f"firstName lastName company plan country signals(last: {NESTED_SIGNALS}) {{ id kind source "
    f"occurredAt npsScore }} }} }} pageInfo {{ hasNextPage endCursor }} }} }}"
)
REQUEST_BODY = json.dumps({"query": QUERY})


# ---------------------------------------------------------------------------------------------
# Orchestration
# ---------------------------------------------------------------------------------------------


def verify(graphql_url: str, raw_url: str, token: str) -> int:
    """Abort unless both servers answer the same document; returns its size in bytes."""
    g_status, g_body = http_post(graphql_url, token, REQUEST_BODY)
    r_status, r_body = http_post(raw_url, token, REQUEST_BODY)
    if g_status != 200 or r_status != 200:
        raise BenchError(f"HTTP {g_status} from Plaudit, {r_status} from raw:\n"
                         f"{g_body[:500]!r}\n{r_body[:500]!r}")
    graphql_doc, raw_doc = json.loads(g_body), json.loads(r_body)
    if "errors" in graphql_doc:
        raise BenchError(f"Plaudit answered with errors: {graphql_doc['errors']}")
    edges = graphql_doc["data"]["customers"]["edges"]
    if len(edges) != PAGE_SIZE or not any(e["node"]["signals"] for e in edges):
        raise BenchError(f"unexpected data set: {len(edges)} customers on the first page")
    diff = first_difference(graphql_doc, raw_doc)
    if diff is not None:
        raise BenchError("the raw handler's JSON differs from Plaudit's GraphQL answer at "
                         f"{diff}")
    # Fairness: both refuse an unknown token.
    bad = TOKEN_PREFIX + "x" * 43
    status, body = http_post(graphql_url, bad, REQUEST_BODY)
    if b"UNAUTHENTICATED" not in body:
        raise BenchError(f"Plaudit accepted an unknown token ({status}): {body[:300]!r}")
    status, body = http_post(raw_url, bad, REQUEST_BODY)
    if status != 401:
        raise BenchError(f"the raw handler accepted an unknown token ({status})")
    return len(g_body)


# ---------------------------------------------------------------------------------------------
# Load generation
# ---------------------------------------------------------------------------------------------


LUA = """wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer {token}"
wrk.body = [==[{body}]==]
"""


# ---------------------------------------------------------------------------------------------
# Reporting
# ---------------------------------------------------------------------------------------------


def print_report(results: list[Result], args, loadgen: str, doc_bytes: int, header: list[str],
                 db_note: str) -> float:
    out = print
    out()
    out("=" * 78)
    out("Plaudit `customers(first: 20) { … signals(last: 5) }`: GraphQL vs raw asyncpg")
    out("=" * 78)
    for line in header:
        out(line)
    out(f"Database: {db_note}")
    out(f"Load    : {loadgen}, {args.connections} connections, {args.rounds} rounds x "
        f"{args.duration:g} s per target (alternating raw, graphql), warm-up "
        f"{args.warmup:g} s each")
    out(f"Payload : {doc_bytes:,} bytes of JSON per response (identical documents, verified)")
    out()
    out(f"{'round':>5}  {'target':<8} {'req/s':>9} {'p50 ms':>9} {'p99 ms':>9} "
        f"{'requests':>9} {'errors':>7} {'B/resp':>8}")
    per_target: dict[str, list[Result]] = {"raw": [], "graphql": []}
    for i, r in enumerate(results):
        per_target[r.target].append(r)
        bpr = f"{r.bytes_per_request:,.0f}" if r.bytes_per_request else "-"
        out(f"{i // 2 + 1:>5}  {r.target:<8} {r.rps:>9,.1f} {r.p50_ms:>9.2f} {r.p99_ms:>9.2f} "
            f"{r.requests:>9,} {r.errors:>7} {bpr:>8}")
    out()
    out(f"{'target':<8} {'median req/s':>13} {'median p50 ms':>14} {'median p99 ms':>14}")
    medians = {}
    for target in ("raw", "graphql"):
        rs = per_target[target]
        medians[target] = statistics.median(r.rps for r in rs)
        out(f"{target:<8} {medians[target]:>13,.1f} "
            f"{statistics.median(r.p50_ms for r in rs):>14.2f} "
            f"{statistics.median(r.p99_ms for r in rs):>14.2f}")
    ratio = medians["graphql"] / medians["raw"] if medians["raw"] else 0.0
    verdict = "meets" if ratio >= args.target_ratio else "BELOW"
    out()
    out(f"GraphQL req/s / raw req/s = {ratio:.3f}  ({verdict} the target >= "
        f"{args.target_ratio:g})")
    if args.json:
        p50 = {t: statistics.median(r.p50_ms for r in per_target[t]) for t in per_target}
        write_rows(args.json, [
            ("customers connection, GraphQL vs bare Litestar + raw asyncpg (req/s)",
             f"{medians['graphql']:,.1f}", f"{medians['raw']:,.1f}", f"{ratio:.2f}",
             f"{verdict} ≥ {args.target_ratio:g}"),
            ("customers connection, p50 latency at "
             f"{args.connections} connections (ms)", f"{p50['graphql']:.0f}", f"{p50['raw']:.0f}",
             "", ""),
        ])
    errors = sum(r.errors for r in results)
    if errors:
        out(f"WARNING: {errors} failed or non-2xx responses during measurement; "
            "the numbers are suspect.")
    out("=" * 78)
    return ratio


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=3, help="measured rounds per target (3)")
    p.add_argument("--duration", type=float, default=10, help="seconds per round (10)")
    p.add_argument("--warmup", type=float, default=3, help="warm-up seconds per target (3)")
    p.add_argument("--connections", type=int, default=32, help="concurrent connections (32)")
    p.add_argument("--threads", type=int, default=1, help="wrk threads (1)")
    p.add_argument("--loadgen", choices=("auto", "wrk", "python"), default="auto",
                   help="wrk if installed (auto), or the built-in asyncio generator")
    p.add_argument("--target-ratio", type=float, default=0.25,
                   help="the GraphQL / raw throughput ratio to reach (0.25)")
    p.add_argument("--py-spy", metavar="PATH",
                   help="afterwards, record a py-spy profile of the Plaudit process during one "
                        "more GraphQL round and write it to PATH (raw/collapsed format)")
    p.add_argument("--keep-logs", action="store_true", help="keep the servers' log directory")
    p.add_argument("--json", metavar="PATH", help="also write the summary rows as JSON (run_all.py)")
    # Internal: the raw server's own process.
    p.add_argument("--serve-raw", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    p.add_argument("--log-level", default="warning", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.rounds < 1 or args.duration <= 0 or args.connections < 1:
        p.error("--rounds, --duration and --connections must be positive")
    return args


def resolve_database(stack: contextlib.ExitStack) -> tuple[str, str]:
    """The URL of a freshly created `plaudit_bench` database, and a note saying where it is."""
    given = os.environ.get("DATABASE_URL")
    server_url = given or DEFAULT_SERVER_URL
    note = f"{BENCH_DB} on {urlsplit(server_url).hostname or 'local socket'}"
    if not asyncio.run(server_reachable(server_url)):
        if given:
            raise BenchError(f"DATABASE_URL={given!r} is not reachable.")
        log(f"no PostgreSQL at {server_url}; starting the embedded one (pgserver)")
        sys.path.insert(0, str(REPO))
        from cli.embedded import start_postgres

        server_url = start_postgres(stack, database="postgres", pgdata="pgdata-bench")
        note = f"{BENCH_DB} on embedded pgserver (var/pgdata-bench)"
    admin_url = server_url
    if urlsplit(server_url).path.strip("/") == BENCH_DB:
        admin_url = with_database(server_url, "postgres")
    log(f"recreating database {BENCH_DB}")
    asyncio.run(recreate_database(admin_url, BENCH_DB))
    return with_database(server_url, BENCH_DB), note


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.serve_raw:
        serve_raw(args.port, args.log_level)
        return 0

    # Turn SIGTERM into an exception so the `finally` blocks stop every child.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    wrk = shutil.which("wrk") if args.loadgen in ("auto", "wrk") else None
    if args.loadgen == "wrk" and not wrk:
        raise BenchError("wrk is not installed (apt-get install -y wrk), or use --loadgen python")
    if not wrk:
        log("wrk not found: using the built-in asyncio load generator (it competes with the "
            "servers for CPU, so absolute numbers are lower than with wrk)")

    children = Children()
    log_dir = Path(tempfile.mkdtemp(prefix="plaudit-bench-"))
    with contextlib.ExitStack() as stack:
        try:
            db_url, db_note = resolve_database(stack)
            # Throughput, not the limiter: one token sends everything here (the raw handler has none).
            env = dict(os.environ, DATABASE_URL=db_url, PYTHONUNBUFFERED="1",
                       PLAUDIT_RATE_LIMIT_PER_MINUTE="0")
            redis_url = os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
            if redis_reachable(redis_url):
                env["REDIS_URL"] = redis_url
            else:
                log(f"no Redis at {redis_url}: Plaudit runs without its job queue "
                    "(the benchmarked query does not use it)")
                env.pop("REDIS_URL", None)

            run_cli(env, "migrate")
            run_cli(env, "seed-demo")
            token = run_cli(env, "create-token", "--name", "bench",
                            "--scopes", ",".join(TOKEN_SCOPES)).strip().splitlines()[-1].strip()
            if not token.startswith(TOKEN_PREFIX):
                raise BenchError(f"create-token printed no token: {token!r}")

            graphql_port, raw_port = free_port(), free_port()
            while raw_port == graphql_port:
                raw_port = free_port()
            plaudit = children.start(
                "plaudit", [plaudit_cli(), "serve", "--port", str(graphql_port),
                            "--log-level", "warning"], env, log_dir)
            raw = children.start(
                "raw", [sys.executable, str(Path(__file__).resolve()), "--serve-raw",
                        "--port", str(raw_port), "--log-level", "warning"], env, log_dir)
            urls = {"graphql": f"http://127.0.0.1:{graphql_port}/graphql",
                    "raw": f"http://127.0.0.1:{raw_port}/graphql"}
            wait_ready(plaudit, urls["graphql"], token, REQUEST_BODY)
            wait_ready(raw, urls["raw"], token, REQUEST_BODY)
            log(f"Plaudit pid {plaudit.proc.pid} on :{graphql_port}, raw pid {raw.proc.pid} "
                f"on :{raw_port}")

            doc_bytes = verify(urls["graphql"], urls["raw"], token)
            log(f"both servers return the same {doc_bytes:,}-byte document")

            lua = log_dir / "post.lua"
            lua.write_text(LUA.format(token=token, body=REQUEST_BODY))

            def measure(target: str, seconds: float) -> Result:
                if wrk:
                    return run_wrk(wrk, target, urls[target], lua, seconds, args.connections,
                                   args.threads)
                return asyncio.run(py_load(target, urls[target], token, seconds,
                                           args.connections, REQUEST_BODY))

            load_before = os.getloadavg()
            for target in ("raw", "graphql"):
                log(f"warm-up {target} ({args.warmup:g} s)")
                measure(target, args.warmup)
            results: list[Result] = []
            for n in range(1, args.rounds + 1):
                for target in ("raw", "graphql"):
                    r = measure(target, args.duration)
                    log(f"round {n}/{args.rounds} {target:<7} {r.rps:8.1f} req/s  "
                        f"p50 {r.p50_ms:7.2f} ms  p99 {r.p99_ms:7.2f} ms")
                    results.append(r)
            verify(urls["graphql"], urls["raw"], token)  # still the same after the load

            load_after = os.getloadavg()
            if wrk:
                version = subprocess.run([wrk, "-v"], capture_output=True, text=True).stdout.split()
                loadgen = (f"wrk {version[1] if len(version) > 1 else '?'}, -t{args.threads}, "
                           "POST with a Lua script")
            else:
                loadgen = "built-in asyncio generator"
            header = [*machine_summary(),
                      f"Load avg: {load_before[0]:.2f} before, {load_after[0]:.2f} after the "
                      "measurement (1-minute; other processes share these CPUs)"]
            print_report(results, args, loadgen, doc_bytes, header, db_note)

            if args.py_spy:
                profile(args, plaudit, measure)
        except BenchError:
            for child in children.items:
                if child.proc.poll() is not None:
                    log(f"{child.name} log:\n{child.tail()}")
            raise
        finally:
            children.stop_all()
            if args.keep_logs:
                log(f"server logs kept in {log_dir}")
            else:
                shutil.rmtree(log_dir, ignore_errors=True)
    return 0


def profile(args, plaudit: Child, measure) -> None:
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(py_spy).exists():
        log("py-spy is not installed (pip install py-spy): no profile")
        return
    seconds = max(args.duration, 5)
    cmd = [py_spy, "record", "--pid", str(plaudit.proc.pid), "--duration", str(int(seconds)),
           "--rate", "250", "--format", "raw", "--output", args.py_spy, "--nonblocking"]
    log("$ " + " ".join(cmd))
    spy = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(1)
        measure("graphql", seconds)
        _, err = spy.communicate(timeout=seconds + 60)
    finally:
        if spy.poll() is None:
            spy.kill()
            spy.wait()
    if spy.returncode != 0:
        log(f"py-spy failed: {err.strip()[-500:]}")
    else:
        log(f"py-spy profile (collapsed stacks) written to {args.py_spy}")


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        log("interrupted; every server this run started has been stopped")
        sys.exit(130)
