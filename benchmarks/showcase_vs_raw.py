"""The public showcase as web sites call it (GET, one token, the same query over and over),
against a bare raw-asyncpg handler returning the same JSON.

Run from the repository root:

    .venv/bin/python benchmarks/showcase_vs_raw.py [--rounds 3] [--duration 10]

Three targets, measured in alternating rounds in one run:

- **raw**: a bare Litestar app (defined here) whose one handler checks the bearer token with
  the same SELECT as Plaudit, then reads the product, its platforms' newest ratings and its
  published quotes with raw asyncpg and builds the document by hand — no cache.
- **cached**: Plaudit (`plaudit serve`), the same GET repeated: what a web site sends.
- **uncached**: Plaudit, each request made distinct by an extra URL parameter, so every one is
  computed (Litestar → Strawberry → graphql-core → Piccolo) and stored.

It checks that the three documents are equal (parsed JSON) before and after measuring, seeds
the demo data and publishes 8 quotes through the real lifecycle (approval, then consent), and
prints the medians and the ratios cached ÷ raw (target ≥ 1.0) and uncached ÷ raw.
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
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

from customers_graphql_vs_raw import resolve_database
from customers_raw import TOKEN_PREFIX, TOKEN_SQL
from harness import (
    BenchError,
    Children,
    Result,
    first_difference,
    free_port,
    log,
    machine_summary,
    parse_wrk,
    plaudit_cli,
    redis_reachable,
    run_cli,
    write_rows,
)

REPO = Path(__file__).resolve().parent.parent
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
PUBLISHED = 8
QUERY = ("query { showcase(placement: HOME_PAGE, page: HOME) { productName brandColor label "
         "platforms { key name averageRating reviewCount profileUrl asOf } "
         "quotes { quoteId text rating platformName sourceUrl disclosures "
         "attribution { name title company photoUrl } } } }")
PATH = "/graphql?" + urlencode({"query": QUERY})
def _global_id(type_name: str, row_id: int) -> str:
    """The opaque id the API returns (api/graphql/relay.py)."""
    return base64.urlsafe_b64encode(f"{type_name}:{row_id}".encode()).decode().rstrip("=")


LABEL = "Selected testimonials, shared with the reviewers' permission."  # models/quotes/showcase.py
INSIDER = "Written by someone close to {product} (an employee or a relative)."
PRAISE = "Shared with {product} directly, not on a review site."

# ---------------------------------------------------------------------------------------------
# The raw server: the SQL of models/quotes/showcase.py, no ORM, no GraphQL, no cache.
# ---------------------------------------------------------------------------------------------

PRODUCT_SQL = "SELECT id, name, brand_color FROM product WHERE id = $1"
PLATFORMS_SQL = """
SELECT pl.key, pl.name, pp.profile_url, s.average, s.review_count, s.taken_on
FROM platform_profile pp JOIN review_platform pl ON pl.id = pp.platform
JOIN LATERAL (SELECT average, review_count, taken_on FROM rating_snapshot
              WHERE profile = pp.id ORDER BY taken_on DESC LIMIT 1) s ON true
WHERE pp.product = $1 AND s.review_count > 0 ORDER BY s.review_count DESC, pl.name"""
QUOTES_SQL = """
SELECT q.id, q.text, q.attribution_name, q.attribution_title, q.attribution_company,
       CASE WHEN q.photo_permitted AND q.photo_url <> '' THEN q.photo_url END AS photo_url,
       q.source, q.incentive_disclosure, q.insider, r.rating, pl.name AS platform_name,
       coalesce(nullif(r.url, ''), pp.profile_url) AS source_url
FROM quote_consent c JOIN quote q ON q.id = c.quote
LEFT JOIN review r ON r.id = q.review LEFT JOIN platform_profile pp ON pp.id = r.profile
LEFT JOIN review_platform pl ON pl.id = pp.platform
WHERE c.placement = 'home_page' AND c.published AND c.state = 'granted'
  AND q.product = $1 AND q.status = 'published'
ORDER BY q.position, q.published_at, q.id LIMIT 20"""


def build_raw_app(dsn: str):
    import asyncpg
    from litestar import Litestar, Request, Response, get

    state: dict = {}

    async def startup() -> None:
        state["pool"] = await asyncpg.create_pool(dsn, min_size=2, max_size=10)

    async def shutdown() -> None:
        await state.pop("pool").close()

    def refuse(status: int, message: str) -> Response:
        return Response({"errors": [{"message": message}]}, status_code=status)

    @get("/graphql", signature_namespace={"Request": Request, "Response": Response})
    async def showcase(request: Request) -> Response:
        pool = state["pool"]
        scheme, _, secret = request.headers.get("authorization", "").partition(" ")
        secret = secret.strip()
        if scheme.lower() != "bearer" or not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
            return refuse(401, "Authentication required.")
        digest = hashlib.sha256(secret.encode()).hexdigest()
        token = await pool.fetchrow(TOKEN_SQL, digest)
        if (token is None or not hmac.compare_digest(token["secret_hash"], digest)
                or token["revoked_at"] is not None):
            return refuse(401, "The API token is unknown, revoked or expired.")
        if not {"showcase:read", "admin"} & set(token["scopes"]) or token["product"] is None:
            return refuse(403, "This needs a product token with showcase:read.")
        product = await pool.fetchrow(PRODUCT_SQL, token["product"])
        platforms = await pool.fetch(PLATFORMS_SQL, product["id"])
        quotes = await pool.fetch(QUOTES_SQL, product["id"])
        name = product["name"]

        def disclosures(q) -> list[str]:
            found = [q["incentive_disclosure"]] if q["incentive_disclosure"] else []
            if q["insider"]:
                found.append(INSIDER.format(product=name))
            if q["source"] == "praise":
                found.append(PRAISE.format(product=name))
            return found

        return Response({"data": {"showcase": {
            "productName": name, "brandColor": product["brand_color"], "label": LABEL,
            "platforms": [{"key": p["key"], "name": p["name"],
                           "averageRating": round(float(p["average"]), 2),
                           "reviewCount": p["review_count"], "profileUrl": p["profile_url"],
                           "asOf": p["taken_on"].isoformat()} for p in platforms],
            "quotes": [{"quoteId": _global_id("Quote", q["id"]), "text": q["text"], "rating": q["rating"],
                        "platformName": q["platform_name"], "sourceUrl": q["source_url"],
                        "disclosures": disclosures(q),
                        "attribution": {"name": q["attribution_name"], "title": q["attribution_title"],
                                        "company": q["attribution_company"],
                                        "photoUrl": q["photo_url"]}} for q in quotes],
        }}})

    return Litestar(route_handlers=[showcase], on_startup=[startup], on_shutdown=[shutdown],
                    debug=False)


def serve_raw(port: int) -> None:
    import uvicorn

    uvicorn.run(build_raw_app(os.environ["DATABASE_URL"]), host="127.0.0.1", port=port,
                log_level="warning", proxy_headers=True)


async def publish_demo_quotes() -> int:
    """Take PUBLISHED demo candidates through approval and the reviewer's consent."""
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("PICCOLO_CONF", "piccolo_conf")
    from models.core.actors import admin_actor
    from models.core.database import close_pool, start_pool
    from models.quotes.consent import decide_consent
    from models.quotes.quotes import approve_quote
    from models.quotes.tables import Quote

    await start_pool(min_size=1, max_size=2)
    try:
        rows = await Quote.raw(
            """SELECT q.id FROM quote q JOIN customer c ON c.id = q.customer
               WHERE q.status = 'candidate' AND NOT c.is_notable ORDER BY q.id""")
        done = await Quote.count().where(Quote.status == "published")
        for row in rows:
            if done >= PUBLISHED:
                break
            if (await approve_quote(admin_actor("bench"), row["id"], ["home_page"])).ok:
                await decide_consent(row["id"], {"home_page": True})
                done += 1
        return done
    finally:
        await close_pool()


# ---------------------------------------------------------------------------------------------
# Orchestration
# ---------------------------------------------------------------------------------------------

LUA_SAME = """wrk.method = "GET"
wrk.headers["Authorization"] = "Bearer {token}"
wrk.headers["Accept"] = "application/json"
"""
LUA_DISTINCT = LUA_SAME + """counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, "{path}&n=" .. counter .. "-" .. math.random(1, 1000000000))
end
"""


def http_get(url: str, token: str) -> tuple[int, bytes]:
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}",
                                               "Accept": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:  # loopback only
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def wait_ready(child, url: str, token: str) -> None:
    for _ in range(300):
        if child.proc.poll() is not None:
            raise BenchError(f"{child.name} exited:\n{child.tail()}")
        with contextlib.suppress(OSError):
            if http_get(url, token)[0] < 500:
                return
        time.sleep(0.2)
    raise BenchError(f"{child.name} was not ready:\n{child.tail()}")


def verify(urls: dict[str, str], token: str) -> int:
    documents = {}
    for target, url in urls.items():
        status, body = http_get(url + ("&n=verify" if target == "uncached" else ""), token)
        if status != 200:
            raise BenchError(f"{target} answered {status}: {body[:300]!r}")
        documents[target] = json.loads(body)
    quotes = documents["raw"]["data"]["showcase"]["quotes"]
    if len(quotes) < PUBLISHED or not documents["raw"]["data"]["showcase"]["platforms"]:
        raise BenchError(f"unexpected data set: {len(quotes)} published quotes")
    for target in ("cached", "uncached"):
        diff = first_difference(documents[target], documents["raw"])
        if diff:
            raise BenchError(f"{target} differs from raw at {diff}")
    return len(json.dumps(documents["raw"]))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--duration", type=float, default=10)
    p.add_argument("--warmup", type=float, default=3)
    p.add_argument("--connections", type=int, default=32)
    p.add_argument("--serve-raw", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--publish", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    p.add_argument("--json", metavar="PATH", help="also write the summary rows as JSON (run_all.py)")
    args = p.parse_args(argv)
    if args.serve_raw:
        serve_raw(args.port)
        return 0
    if args.publish:
        print(asyncio.run(publish_demo_quotes()))
        return 0
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    wrk = shutil.which("wrk")
    if not wrk:
        raise BenchError("this benchmark needs wrk (apt-get install -y wrk)")
    children = Children()
    log_dir = Path(tempfile.mkdtemp(prefix="plaudit-showcase-bench-"))
    with contextlib.ExitStack() as stack:
        try:
            db_url, db_note = resolve_database(stack)
            # Throughput, not the limiter: one token sends everything here (the raw handler has none).
            env = dict(os.environ, DATABASE_URL=db_url, PYTHONUNBUFFERED="1",
                       PLAUDIT_RATE_LIMIT_PER_MINUTE="0")
            redis_url = os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
            if redis_reachable(redis_url):
                env["REDIS_URL"] = redis_url
            run_cli(env, "migrate")
            run_cli(env, "seed-demo", "--customers", "200")
            published = subprocess.run([sys.executable, __file__, "--publish"], env=env, cwd=REPO,
                                       capture_output=True, text=True, check=True).stdout.strip()
            log(f"{published} quotes published on the home page")
            token = run_cli(env, "create-token", "--name", "site", "--scopes", "showcase:read",
                            "--product", "acme-ledger").strip().splitlines()[-1].strip()
            ports = {"plaudit": free_port(), "raw": free_port()}
            plaudit = children.start("plaudit", [plaudit_cli(), "serve", "--port",
                                                 str(ports["plaudit"]), "--log-level", "warning"],
                                     env, log_dir)
            raw = children.start("raw", [sys.executable, __file__, "--serve-raw", "--port",
                                         str(ports["raw"])], env, log_dir)
            urls = {"raw": f"http://127.0.0.1:{ports['raw']}{PATH}",
                    "cached": f"http://127.0.0.1:{ports['plaudit']}{PATH}",
                    "uncached": f"http://127.0.0.1:{ports['plaudit']}{PATH}"}
            wait_ready(plaudit, urls["cached"], token)
            wait_ready(raw, urls["raw"], token)
            size = verify(urls, token)
            log(f"the three targets return the same {size:,}-byte document")
            scripts = {}
            for target in urls:
                lua = log_dir / f"{target}.lua"
                text = LUA_DISTINCT if target == "uncached" else LUA_SAME
                lua.write_text(text.format(token=token, path=PATH))
                scripts[target] = lua

            def measure(target: str, seconds: float) -> Result:
                cmd = [wrk, "-t1", f"-c{args.connections}", f"-d{max(1, round(seconds))}s",
                       "--latency", "--timeout", "10s", "-s", str(scripts[target]), urls[target]]
                out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
                return parse_wrk(target, out.stdout)

            for target in urls:
                measure(target, args.warmup)
            results: dict[str, list[Result]] = {t: [] for t in urls}
            for n in range(1, args.rounds + 1):
                for target in urls:
                    r = measure(target, args.duration)
                    results[target].append(r)
                    log(f"round {n}/{args.rounds} {target:<8} {r.rps:9.1f} req/s  "
                        f"p50 {r.p50_ms:7.2f} ms  p99 {r.p99_ms:7.2f} ms  errors {r.errors}")
            verify(urls, token)
            report(results, args, size, db_note)
        finally:
            children.stop_all()
            shutil.rmtree(log_dir, ignore_errors=True)
    return 0


def report(results: dict[str, list[Result]], args, size: int, db_note: str) -> None:
    print()
    print("=" * 78)
    print("Plaudit public showcase (GET, one site token) vs raw asyncpg handler")
    print("=" * 78)
    for line in machine_summary():
        print(line)
    print(f"Database: {db_note}")
    print(f"Load    : wrk -t1 -c{args.connections}, {args.rounds} rounds x {args.duration:g} s per "
          f"target (alternating raw, cached, uncached)")
    print(f"Payload : {size:,} bytes of JSON ({PUBLISHED} quotes, 8 platforms), identical, verified")
    print()
    print(f"{'target':<9} {'median req/s':>13} {'median p50 ms':>14} {'median p99 ms':>14} {'errors':>7}")
    medians = {}
    for target, rs in results.items():
        medians[target] = statistics.median(r.rps for r in rs)
        print(f"{target:<9} {medians[target]:>13,.1f} {statistics.median(r.p50_ms for r in rs):>14.2f} "
              f"{statistics.median(r.p99_ms for r in rs):>14.2f} {sum(r.errors for r in rs):>7}")
    print()
    cached, uncached = medians["cached"] / medians["raw"], medians["uncached"] / medians["raw"]
    print(f"cached / raw   = {cached:.2f}  ({'meets' if cached >= 1.0 else 'BELOW'} the target >= 1.0)")
    print(f"uncached / raw = {uncached:.2f}  (reported; no target)")
    if args.json:
        write_rows(args.json, [
            ("showcase, repeated GET, cached vs bare raw asyncpg (req/s)", f"{medians['cached']:,.0f}",
             f"{medians['raw']:,.0f}", f"{cached:.2f}", f"{'meets' if cached >= 1.0 else 'BELOW'} ≥ 1.0"),
            ("showcase, every request distinct (uncached) vs raw (req/s)", f"{medians['uncached']:,.0f}",
             f"{medians['raw']:,.0f}", f"{uncached:.2f}", "reported"),
        ])
    print("=" * 78)


if __name__ == "__main__":
    sys.exit(main())
