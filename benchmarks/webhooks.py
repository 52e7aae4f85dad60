"""Outbound webhooks: events delivered per second by one `plaudit worker` to a local receiver,
beside a bare httpx loop posting the same bodies at the same concurrency to the same receiver,
and the latency from commit to delivery with the worker idle (median, p99).

    .venv/bin/python benchmarks/webhooks.py [--events 3000] [--rounds 3] [--latency 60] [--json PATH]

Method: its own database (recreated, migrated), one product with one endpoint subscribed to
`campaign.activated`, the receiver in its own process (benchmarks/webhook_receiver.py). Each
throughput round commits N events in one transaction while the worker is running and idle, and
times commit -> the receiver's N-th request; the bare round posts the same N bodies, signed the same way, with
httpx at its best (5 at a time with `post`, or 20 with `stream`: the faster of the two in that
round) and times the first to the last answer. Rounds
alternate. Latency: one event committed at a time, the worker idle, commit time (after COMMIT
returns) to the receiver's arrival time (same clock). Goal (issue 13): Plaudit >= 0.5x bare.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))

from bench_db import recreate_database, with_database  # noqa: E402
from harness import (  # noqa: E402
    BenchError,
    free_port,
    log,
    machine_summary,
    plaudit_cli,
    run_cli,
    stop_process,
    write_rows,
)

CONCURRENCY = 20  # requests in flight per delivery job (jobs/events/webhooks.py)


def http_json(url: str, method: str = "GET") -> dict:
    import urllib.request

    request = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
        body = response.read()
    return json.loads(body) if body else {}


async def wait_count(stats_url: str, n: int, timeout: float) -> float:
    """Seconds until the receiver has n requests (polling every 5 ms); its clock."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        stats = await asyncio.to_thread(http_json, stats_url)
        if stats["count"] >= n:
            return max(t for _, t in stats["arrivals"])
        await asyncio.sleep(0.005)
    raise BenchError(f"the receiver got {stats['count']} of {n} in {timeout:.0f} s")


async def bare_once(url: str, bodies: list[bytes], secret: str, concurrency: int, stream: bool) -> float:
    import datetime as dt

    import httpx
    from standardwebhooks.webhooks import Webhook

    signer = Webhook(secret)
    queue = list(enumerate(bodies))
    async with httpx.AsyncClient(timeout=10, limits=httpx.Limits(max_connections=50)) as client:
        async def one_worker():
            while queue:
                i, body = queue.pop()
                now = dt.datetime.now(dt.UTC)
                msg_id = f"bare_{i}"
                headers = {"content-type": "application/json", "webhook-id": msg_id,
                           "webhook-timestamp": str(int(now.timestamp())),
                           "webhook-signature": signer.sign(msg_id, now, body)}
                if stream:
                    async with client.stream("POST", url, content=body, headers=headers) as response:
                        response.raise_for_status()
                else:
                    (await client.post(url, content=body, headers=headers)).raise_for_status()

        started = time.perf_counter()
        await asyncio.gather(*(one_worker() for _ in range(concurrency)))
        return time.perf_counter() - started


# The reference is bare httpx at its best on this machine: `post` collapses above a few
# concurrent requests (httpcore's pool), `stream` holds up; each round takes the faster.
BARE_WAYS = {"post x5": (5, False), "stream x20": (CONCURRENCY, True)}


async def bare_round(url: str, bodies: list[bytes], secret: str) -> tuple[float, str]:
    timings = {name: await bare_once(url, bodies, secret, c, stream)
               for name, (c, stream) in BARE_WAYS.items()}
    best = min(timings, key=timings.get)
    return timings[best], best


async def main_async(args) -> dict:
    admin_url = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    db_info = await recreate_database(admin_url, "plaudit_bench_webhooks")
    db_url = with_database(admin_url, "plaudit_bench_webhooks")
    env = dict(os.environ, DATABASE_URL=db_url, REDIS_URL=redis_url, PICCOLO_CONF="piccolo_conf",
               PLAUDIT_QUEUE=f"plaudit:bench:webhooks:{os.getpid()}", PLAUDIT_WEBHOOK_ALLOW_PRIVATE="true",
               PLAUDIT_LOG_FORMAT="text")
    os.environ.update(env)
    run_cli(env, "migrate")
    import settings

    settings.SETTINGS = settings.load()
    from models.catalogue.products import Product
    from models.core.actors import SYSTEM
    from models.core.database import close_pool, start_pool
    from models.events.events import DomainEvent, record_events
    from models.events.tables import WebhookDelivery
    from models.events.webhooks import create_endpoint

    port = free_port()
    tmp = Path(tempfile.mkdtemp())
    receiver = subprocess.Popen([sys.executable, str(HERE / "webhook_receiver.py"), str(port)],
                                stdout=open(tmp / "receiver.log", "wb"), stderr=subprocess.STDOUT)  # noqa: SIM115
    worker = None
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                http_json(base + "/stats")
                break
            except OSError:
                time.sleep(0.05)
        await start_pool(min_size=1, max_size=4)
        product = Product(slug="bench", name="Bench")
        await product.save()
        endpoint = (await create_endpoint(SYSTEM, product.id, base + "/hooks", ["campaign.activated"])).value
        worker = subprocess.Popen([plaudit_cli(), "worker"], env=env, cwd=REPO,
                                  stdout=open(tmp / "worker.log", "wb"), stderr=subprocess.STDOUT)  # noqa: SIM115
        await asyncio.sleep(3)  # the worker is up and idle

        # Warm-up: a few deliveries through both paths.
        await record_events("campaign.activated", [(product.id, {"campaign": i}) for i in range(20)])
        await wait_count(base + "/stats", 20, 60)
        plaudit_rates, bare_rates = [], []
        for round_no in range(1, args.rounds + 1):
            http_json(base + "/reset", "POST")
            async with DomainEvent._meta.db.transaction():
                await record_events("campaign.activated",
                                    [(product.id, {"campaign": i}) for i in range(args.events)])
            committed = time.time()
            last = await wait_count(base + "/stats", args.events, 600)
            plaudit_rates.append(args.events / (last - committed))
            rows = await WebhookDelivery.select(WebhookDelivery.body).order_by(
                WebhookDelivery.id, ascending=False).limit(args.events)
            bodies = [row["body"].encode() for row in rows]
            http_json(base + "/reset", "POST")
            seconds, way = await bare_round(base + "/hooks", bodies, endpoint.secret)
            bare_rates.append(args.events / seconds)
            log(f"round {round_no}: Plaudit {plaudit_rates[-1]:.0f}/s, bare httpx {bare_rates[-1]:.0f}/s "
                f"({way})")

        latencies = []
        for _ in range(args.latency):
            http_json(base + "/reset", "POST")
            await record_events("campaign.activated", [(product.id, {"campaign": 1})])
            committed = time.time()
            arrived = await wait_count(base + "/stats", 1, 30)
            latencies.append((arrived - committed) * 1000)
            await asyncio.sleep(0.2)
        latencies.sort()
    finally:
        if worker is not None:
            stop_process(worker, "worker")
        stop_process(receiver, "receiver")
        await close_pool()
    return {"db": db_info, "plaudit": plaudit_rates, "bare": bare_rates, "latencies": latencies,
            "events": args.events}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--latency", type=int, default=60, help="events timed one at a time")
    parser.add_argument("--json", help="write the summary rows here (benchmarks/run_all.py)")
    args = parser.parse_args()
    result = asyncio.run(main_async(args))
    plaudit, bare = statistics.median(result["plaudit"]), statistics.median(result["bare"])
    lat = result["latencies"]
    p50 = statistics.median(lat)
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
    ratio = plaudit / bare
    print()
    for line in machine_summary(("httpx", "standardwebhooks", "arq", "asyncpg", "uvicorn")):
        print(line)
    print(f"PostgreSQL: {result['db']}")
    print(f"Webhooks: {result['events']:,} events per round, {len(result['plaudit'])} rounds, "
          f"concurrency {CONCURRENCY}")
    print(f"  Plaudit worker  : median {plaudit:,.0f} deliveries/s  (rounds: "
          + ", ".join(f"{r:,.0f}" for r in result["plaudit"]) + ")")
    print(f"  bare httpx loop : median {bare:,.0f} posts/s       (rounds: "
          + ", ".join(f"{r:,.0f}" for r in result["bare"]) + ")")
    print(f"  ratio           : {ratio:.2f}x (goal >= 0.5x)")
    print(f"  commit -> delivery, worker idle: median {p50:.1f} ms, p99 {p99:.1f} ms "
          f"({len(lat)} events one at a time)")
    if args.json:
        write_rows(args.json, [
            ("webhook deliveries/s (one worker)", f"{plaudit:,.0f}/s", f"bare httpx {bare:,.0f}/s",
             f"{ratio:.2f}x", "meets" if ratio >= 0.5 else "MISSES (goal 0.5x)"),
            ("webhook latency commit -> delivery", f"p50 {p50:.0f} ms", f"p99 {p99:.0f} ms", "", ""),
        ])
    return 0


if __name__ == "__main__":
    sys.exit(main())
