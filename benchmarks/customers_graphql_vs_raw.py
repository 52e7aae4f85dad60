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
import base64
import contextlib
import hashlib
import hmac
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from bench_db import recreate_database, server_reachable, with_database

REPO = Path(__file__).resolve().parent.parent
BENCH_DB = "plaudit_bench"
DEFAULT_SERVER_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
TOKEN_SCOPES = ("customers:read", "signals:read")

PAGE_SIZE = 20
NESTED_SIGNALS = 5
QUERY = (
    f"query {{ customers(first: {PAGE_SIZE}) {{ edges {{ cursor node {{ id externalId email "
    f"firstName lastName company plan country signals(last: {NESTED_SIGNALS}) {{ id kind source "
    f"occurredAt npsScore }} }} }} pageInfo {{ hasNextPage endCursor }} }} }}"
)
REQUEST_BODY = json.dumps({"query": QUERY})

# ---------------------------------------------------------------------------------------------
# The raw server: the same SQL as Plaudit issues (captured from Piccolo's querystrings and
# models/people/signals.py `latest_signals_for`), no ORM, no GraphQL. It lives in this file so the
# benchmark is one file; it runs in its own process via `--serve-raw --port N`.
# ---------------------------------------------------------------------------------------------

TOKEN_PREFIX = "pld_"  # models/access/tokens.py
LAST_USED_PRECISION_S = 60.0  # models/access/tokens.py LAST_USED_PRECISION

TOKEN_SQL = (
    'SELECT "api_token"."id" AS "id", "api_token"."name" AS "name", '
    '"api_token"."secret_hash" AS "secret_hash", "api_token"."scopes" AS "scopes", '
    '"api_token"."product" AS "product", "api_token"."expires_at" AS "expires_at", '
    '"api_token"."revoked_at" AS "revoked_at", "api_token"."last_used_at" AS "last_used_at" '
    'FROM "api_token" WHERE "api_token"."secret_hash" = $1'
)
TOKEN_TOUCH_SQL = 'UPDATE "api_token" SET "last_used_at" = $1 WHERE "api_token"."id" = $2'

# Piccolo's `Customer.select()` selects every column; the raw handler reads the same rows so
# the database and driver do the same work on both sides.
_CUSTOMER_COLUMNS = (
    "id", "product", "external_id", "email", "first_name", "last_name", "title", "company",
    "plan", "customer_since", "country", "locale", "time_zone", "social_handles", "is_insider",
    "is_notable", "email_status", "suppressed_at", "created_at", "updated_at",
)
_CUSTOMER_SELECT = "SELECT " + ", ".join(
    f'"customer"."{c}" AS "{c}"' for c in _CUSTOMER_COLUMNS) + ' FROM "customer"'
CUSTOMERS_SQL = _CUSTOMER_SELECT + ' ORDER BY "customer"."id" ASC LIMIT $1'
CUSTOMERS_OF_PRODUCT_SQL = (
    _CUSTOMER_SELECT + ' WHERE "customer"."product" = $2 ORDER BY "customer"."id" ASC LIMIT $1')

SIGNALS_SQL = (
    "SELECT id, customer, kind, source, event_id, occurred_at, nps_score, note, payload, "
    "created_at FROM (SELECT s.*, row_number() OVER (PARTITION BY s.customer "
    "ORDER BY s.occurred_at DESC, s.id DESC) AS rank FROM signal s "
    "WHERE s.customer = ANY($1::int[])) ranked WHERE rank <= $2 "
    "ORDER BY customer, occurred_at DESC, id DESC"
)


def _cursor(row_id: int) -> str:
    """api/graphql/relay.py `encode_cursor`."""
    return base64.urlsafe_b64encode(f"id:{row_id}".encode()).decode()


def _iso(value):
    # Strawberry serialises datetimes with `isoformat()`; asyncpg returns aware UTC datetimes.
    return value.isoformat() if value is not None else None


def build_raw_app(dsn: str, pool_min: int = 2, pool_max: int = 10):
    """A one-handler Litestar app answering the benchmark query from raw asyncpg."""
    import asyncpg
    from litestar import Litestar, Request, Response, route

    state: dict = {}

    async def startup() -> None:
        state["pool"] = await asyncpg.create_pool(dsn, min_size=pool_min, max_size=pool_max)

    async def shutdown() -> None:
        pool = state.pop("pool", None)
        if pool is not None:
            await pool.close()

    def refuse(status: int, code: str, message: str) -> Response:
        return Response({"errors": [{"message": message, "extensions": {"code": code}}]},
                        status_code=status)

    # Annotations are strings (`from __future__ import annotations`) and these names are local.
    @route("/graphql", http_method=["GET", "POST"], status_code=200,
           signature_namespace={"Request": Request, "Response": Response})
    async def customers(request: Request) -> Response:
        await request.body()  # consume the (ignored) GraphQL document, as a real handler would
        pool = state["pool"]
        # api/graphql/context.py `bearer_token` + models/access/tokens.py `authenticate`
        scheme, _, secret = request.headers.get("authorization", "").partition(" ")
        secret = secret.strip()
        if scheme.lower() != "bearer" or not secret:
            return refuse(401, "UNAUTHENTICATED", "Authentication required.")
        if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
            return refuse(401, "UNAUTHENTICATED", "The API token is unknown, revoked or expired.")
        digest = hashlib.sha256(secret.encode()).hexdigest()
        token = await pool.fetchrow(TOKEN_SQL, digest)
        if token is None or not hmac.compare_digest(token["secret_hash"], digest):
            return refuse(401, "UNAUTHENTICATED", "The API token is unknown, revoked or expired.")
        now = time.time()
        if token["revoked_at"] is not None or (
                token["expires_at"] is not None and token["expires_at"].timestamp() <= now):
            return refuse(401, "UNAUTHENTICATED", "The API token is unknown, revoked or expired.")
        if (token["last_used_at"] is None
                or now - token["last_used_at"].timestamp() > LAST_USED_PRECISION_S):
            import datetime as dt

            await pool.execute(TOKEN_TOUCH_SQL, dt.datetime.now(dt.UTC), token["id"])
        scopes = set(token["scopes"])
        if "admin" not in scopes and not scopes.issuperset(TOKEN_SCOPES):
            return refuse(403, "FORBIDDEN", "This needs customers:read and signals:read.")

        if token["product"] is None:
            rows = await pool.fetch(CUSTOMERS_SQL, PAGE_SIZE + 1)
        else:
            rows = await pool.fetch(CUSTOMERS_OF_PRODUCT_SQL, PAGE_SIZE + 1, token["product"])
        has_next = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE]
        signals: dict[int, list] = {r["id"]: [] for r in rows}
        if rows:
            for s in await pool.fetch(SIGNALS_SQL, list(signals), NESTED_SIGNALS):
                signals[s["customer"]].append({
                    "id": str(s["id"]), "kind": s["kind"].upper(), "source": s["source"],
                    "occurredAt": _iso(s["occurred_at"]), "npsScore": s["nps_score"],
                })
        edges = [{
            "cursor": _cursor(r["id"]),
            "node": {
                "id": str(r["id"]), "externalId": r["external_id"], "email": r["email"],
                "firstName": r["first_name"], "lastName": r["last_name"],
                "company": r["company"], "plan": r["plan"], "country": r["country"],
                "signals": signals[r["id"]],
            },
        } for r in rows]
        return Response({"data": {"customers": {
            "edges": edges,
            "pageInfo": {"hasNextPage": has_next,
                         "endCursor": edges[-1]["cursor"] if edges else None},
        }}})

    return Litestar(route_handlers=[customers], on_startup=[startup], on_shutdown=[shutdown],
                    debug=False)


def serve_raw(port: int, log_level: str) -> None:
    import uvicorn

    dsn = os.environ.get("DATABASE_URL")
    if not dsn:
        raise SystemExit("--serve-raw needs DATABASE_URL.")
    # Same uvicorn defaults as `plaudit serve` (uvloop + httptools when installed).
    uvicorn.run(build_raw_app(dsn), host="127.0.0.1", port=port, log_level=log_level,
                proxy_headers=True)


# ---------------------------------------------------------------------------------------------
# Orchestration
# ---------------------------------------------------------------------------------------------


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


class BenchError(SystemExit):
    def __init__(self, message: str):
        super().__init__(f"benchmark aborted: {message}")


def redis_reachable(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), 2):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def plaudit_cli() -> str:
    for candidate in (Path(sys.executable).parent / "plaudit", REPO / ".venv" / "bin" / "plaudit"):
        if candidate.exists():
            return str(candidate)
    found = shutil.which("plaudit")
    if found:
        return found
    raise BenchError("the `plaudit` command was not found next to this Python or in .venv/bin.")


def run_cli(env: dict, *args: str) -> str:
    cmd = [plaudit_cli(), *args]
    log("$ plaudit " + " ".join(args))
    proc = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        raise BenchError(f"`plaudit {' '.join(args)}` failed ({proc.returncode}):\n"
                         f"{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    return proc.stdout


@dataclass
class Child:
    name: str
    proc: subprocess.Popen
    log_path: Path

    def tail(self, n: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""


@dataclass
class Children:
    """Child processes, each in its own session; `stop_all` leaves none behind."""

    items: list[Child] = field(default_factory=list)

    def start(self, name: str, cmd: list[str], env: dict, log_dir: Path) -> Child:
        log_path = log_dir / f"{name}.log"
        out = open(log_path, "wb")  # noqa: SIM115  (closed with the process)
        try:
            proc = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, start_new_session=True)
        finally:
            out.close()
        child = Child(name, proc, log_path)
        self.items.append(child)
        return child

    def stop_all(self) -> None:
        for child in reversed(self.items):
            stop_process(child.proc, child.name)
        self.items.clear()


def stop_process(proc: subprocess.Popen, name: str, grace: float = 10.0) -> None:
    if proc.poll() is not None:
        return
    # SIGINT is uvicorn's graceful shutdown (lifespan shutdown closes the pools).
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(signal.SIGINT)
    try:
        proc.wait(grace)
        return
    except subprocess.TimeoutExpired:
        log(f"{name} did not stop on SIGINT; killing its process group")
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)  # it leads its own session / group
    proc.wait(5)


def http_post(url: str, token: str | None, body: str = REQUEST_BODY,
              timeout: float = 10) -> tuple[int, bytes]:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # loopback only
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def wait_ready(child: Child, url: str, token: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child.proc.poll() is not None:
            raise BenchError(f"{child.name} exited with {child.proc.returncode}:\n{child.tail()}")
        try:
            status, _ = http_post(url, token, timeout=2)
            if status < 500:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise BenchError(f"{child.name} was not ready after {timeout:.0f} s:\n{child.tail()}")


def first_difference(a, b, path: str = "$") -> str | None:
    if type(a) is not type(b):
        return f"{path}: {type(a).__name__} {a!r:.80} != {type(b).__name__} {b!r:.80}"
    if isinstance(a, dict):
        if a.keys() != b.keys():
            return f"{path}: keys {sorted(a)} != {sorted(b)}"
        for k in a:
            diff = first_difference(a[k], b[k], f"{path}.{k}")
            if diff:
                return diff
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items != {len(b)} items"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            diff = first_difference(x, y, f"{path}[{i}]")
            if diff:
                return diff
        return None
    return None if a == b else f"{path}: {a!r:.80} != {b!r:.80}"


def verify(graphql_url: str, raw_url: str, token: str) -> int:
    """Abort unless both servers answer the same document; returns its size in bytes."""
    g_status, g_body = http_post(graphql_url, token)
    r_status, r_body = http_post(raw_url, token)
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
    status, body = http_post(graphql_url, bad)
    if b"UNAUTHENTICATED" not in body:
        raise BenchError(f"Plaudit accepted an unknown token ({status}): {body[:300]!r}")
    status, body = http_post(raw_url, bad)
    if status != 401:
        raise BenchError(f"the raw handler accepted an unknown token ({status})")
    return len(g_body)


# ---------------------------------------------------------------------------------------------
# Load generation
# ---------------------------------------------------------------------------------------------


@dataclass
class Result:
    target: str
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    bytes_per_request: float | None = None


LUA = """wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer {token}"
wrk.body = [==[{body}]==]
"""

_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_SIZE = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}


def _latency_ms(text: str, pct: str) -> float:
    m = re.search(rf"^\s*{pct}%\s+([\d.]+)(us|ms|s|m|h)\s*$", text, re.M)
    if not m:
        raise BenchError(f"no {pct}% latency in wrk output:\n{text}")
    return float(m.group(1)) * _UNITS_MS[m.group(2)]


def parse_wrk(target: str, text: str) -> Result:
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", text, re.M)
    total = re.search(r"^\s*(\d+) requests in [\d.]+\w+, ([\d.]+)(\w+) read", text, re.M)
    if not rps or not total:
        raise BenchError(f"could not parse wrk output:\n{text}")
    requests = int(total.group(1))
    errors = 0
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    if non2xx:
        errors += int(non2xx.group(1))
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if sock:
        errors += sum(int(g) for g in sock.groups())
    read_bytes = float(total.group(2)) * _SIZE.get(total.group(3), 1)
    return Result(target, float(rps.group(1)), _latency_ms(text, "50"), _latency_ms(text, "99"),
                  requests, errors, read_bytes / requests if requests else None)


def run_wrk(wrk: str, target: str, url: str, lua: Path, seconds: float, connections: int,
            threads: int) -> Result:
    cmd = [wrk, f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency",
           "--timeout", "10s", "-s", str(lua), url]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    if proc.returncode != 0:
        raise BenchError(f"wrk failed ({proc.returncode}): {proc.stderr or proc.stdout}")
    return parse_wrk(target, proc.stdout)


async def _py_load(target: str, url: str, token: str, seconds: float,
                   connections: int) -> Result:
    """HTTP/1.1 keep-alive load from asyncio streams: bounded by `connections` and `seconds`."""
    parts = urlsplit(url)
    body = REQUEST_BODY.encode()
    request = (f"POST {parts.path or '/'} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
               f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
               f"Content-Length: {len(body)}\r\n\r\n").encode() + body
    latencies: list[float] = []
    errors = 0
    received = 0
    deadline = time.monotonic() + seconds

    async def worker() -> None:
        nonlocal errors, received
        reader = writer = None
        try:
            while time.monotonic() < deadline:
                if writer is None:
                    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
                start = time.perf_counter()
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                status = int(head.split(b" ", 2)[1])
                length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
                if length is None:
                    raise BenchError("the fallback load generator needs Content-Length")
                await reader.readexactly(int(length.group(1)))
                latencies.append(time.perf_counter() - start)
                received += len(head) + int(length.group(1))
                if status >= 300:
                    errors += 1
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            errors += 1
        finally:
            if writer is not None:
                writer.close()

    started = time.monotonic()
    await asyncio.wait_for(asyncio.gather(*(worker() for _ in range(connections))),
                           timeout=seconds + 30)
    elapsed = time.monotonic() - started
    if not latencies:
        raise BenchError(f"no request to {target} succeeded")
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    return Result(target, len(latencies) / elapsed, pct(0.50), pct(0.99), len(latencies), errors,
                  received / len(latencies))


# ---------------------------------------------------------------------------------------------
# Reporting
# ---------------------------------------------------------------------------------------------


def machine_summary() -> list[str]:
    model = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    try:
        nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    except OSError:
        nproc = str(len(os.sched_getaffinity(0)))
    from importlib import metadata

    versions = []
    for dist in ("strawberry-graphql", "graphql-core", "litestar", "piccolo", "asyncpg",
                 "uvicorn", "uvloop", "httptools", "msgspec"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions.append(f"{dist} {metadata.version(dist)}")
    return [
        f"Machine : nproc {nproc}, {model}, {platform.system()} {platform.release()}",
        f"Python  : {platform.python_version()} ({platform.python_implementation()}) "
        f"{sys.executable}",
        f"Packages: {', '.join(versions)}",
    ]


def write_rows(path: str, rows: list[tuple[str, str, str, str, str]]) -> None:
    """The summary rows (figure, Plaudit, reference, ratio, verdict) for benchmarks/run_all.py."""
    Path(path).write_text(json.dumps({"machine": machine_summary()[0], "rows": rows}))


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
            wait_ready(plaudit, urls["graphql"], token)
            wait_ready(raw, urls["raw"], token)
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
                return asyncio.run(_py_load(target, urls[target], token, seconds,
                                            args.connections))

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
