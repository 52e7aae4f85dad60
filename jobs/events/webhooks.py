"""Webhook delivery: the worker turns new events into deliveries and posts them, signed.

- A listener (one asyncpg connection per worker) wakes on `NOTIFY plaudit_events` — sent at
  the commit of every transaction that wrote an event — runs the fan-out and hands the
  endpoints with new deliveries to arq at once. It also wakes every FALLBACK_SECONDS, so a missed notification
  (connection lost, a restart) delays events, never loses them.
- `deliver_webhooks(endpoint)` claims the endpoint's due deliveries in batches, checks the
  receiver's address again for each (and connects to exactly the address checked), posts the
  bodies with the Standard Webhooks headers (signed by the `standardwebhooks` package), and
  records the batch's outcomes in one transaction; a failure makes the delivery due again after
  the backoff (the time is in the database, not in a deferred job).
- `dispatch_webhooks` (cron, every 5 s) hands over retries as they fall due, and deliveries
  whose job was lost: new ones not taken within a grace, or abandoned mid-attempt by a killed
  worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
from standardwebhooks.webhooks import Webhook

import settings
from models.events import deliveries
from models.events.network import resolve_receiver

log = logging.getLogger("plaudit.webhooks")
CHANNEL = "plaudit_events"
FALLBACK_SECONDS = 2.0
HANDOVER_GRACE = dt.timedelta(seconds=30)
TIMEOUT = httpx.Timeout(10.0, connect=5.0)
MAX_RESPONSE_BYTES = 2048
USER_AGENT = "Plaudit-Webhooks/1 (+https://www.standardwebhooks.com/)"
BATCH = 50  # deliveries claimed at once per endpoint
CONCURRENCY = 20  # requests in flight per job
MAX_SECONDS = 60.0  # a job then yields to others; the dispatcher hands the rest over


async def hand_over(redis, endpoint_id: int, reason: str) -> None:
    """One job drains an endpoint's due deliveries. Job ids are unique (arq refuses an id it
    still remembers, and row ids restart with a restored database): two jobs for one endpoint
    at once are harmless, their claims skip each other's rows."""
    await redis.enqueue_job("deliver_webhooks", endpoint_id,
                            _job_id=f"webhooks:{endpoint_id}:{reason}:{time.time_ns()}",
                            _queue_name=settings.SETTINGS.queue_name)


async def hand_over_now(handed: tuple[int, int] | None) -> None:
    """From the API or the admin, right after commit: a resend or a test message goes at once
    (the dispatcher hands it over after its grace if this fails)."""
    from jobs.outbox import ACTIVE_RELAY

    if handed is None or ACTIVE_RELAY is None:
        return
    delivery_id, endpoint_id = handed
    try:
        await hand_over(ACTIVE_RELAY.redis, endpoint_id, f"now:{delivery_id}")
    except Exception:
        log.warning("could not hand over delivery %s; the dispatcher will", delivery_id, exc_info=True)


async def pump(redis) -> deliveries.FanOut:
    """Fan out every servable event and hand the endpoints with new deliveries over."""
    total = deliveries.FanOut(created=[], events=0, more=True, held_back=False)
    while total.more:
        step = await deliveries.fan_out()
        first: dict[int, int] = {}
        for delivery_id, endpoint_id in step.created:
            first.setdefault(endpoint_id, delivery_id)
        for endpoint_id, delivery_id in first.items():
            await hand_over(redis, endpoint_id, f"new:{delivery_id}")
        total = deliveries.FanOut(total.created + step.created, total.events + step.events,
                                  step.more, step.held_back)
    return total


def _signed_request(claim: deliveries.Claim, address: str) -> tuple[str, dict, dict]:
    """URL, headers and httpx extensions of one attempt, connecting to `address`."""
    now = dt.datetime.now(dt.UTC)
    headers = {"content-type": "application/json", "user-agent": USER_AGENT,
               "webhook-id": claim.message_id, "webhook-timestamp": str(int(now.timestamp())),
               "webhook-signature": Webhook(claim.secret).sign(claim.message_id, now, claim.body)}
    parts = urlsplit(claim.url)
    host, extensions = parts.hostname or "", {}
    if host.strip("[]") != address:
        # Connect to the checked address, not to a second lookup's answer (DNS rebinding); the
        # Host header and TLS (SNI and the certificate check) still name the host.
        literal = f"[{address}]" if ":" in address else address
        netloc = literal + (f":{parts.port}" if parts.port else "")
        headers["host"] = parts.netloc
        if parts.scheme == "https":
            extensions["sni_hostname"] = host
        return urlunsplit(parts._replace(netloc=netloc)), headers, extensions
    return claim.url, headers, extensions


async def attempt(client: httpx.AsyncClient, claim: deliveries.Claim) -> tuple[int | None, int, str]:
    """(status code or None, latency in ms, error) of one POST."""
    resolved = await resolve_receiver(claim.url)
    if resolved.problem:
        return None, 0, resolved.problem
    url, headers, extensions = _signed_request(claim, resolved.address)
    started = time.perf_counter()
    try:
        async with asyncio.timeout(15), client.stream(
                "POST", url, content=claim.body.encode(), headers=headers,
                extensions=extensions) as response:
            latency = int((time.perf_counter() - started) * 1000)
            if 200 <= response.status_code < 300:
                return response.status_code, latency, ""
            excerpt = b""
            async for chunk in response.aiter_raw():
                excerpt += chunk
                if len(excerpt) >= MAX_RESPONSE_BYTES:
                    break
            text = excerpt[:300].decode("utf-8", "replace").strip()
            return response.status_code, latency, f"HTTP {response.status_code}" + (
                f": {text}" if text else "")
    except (httpx.HTTPError, OSError, TimeoutError) as exc:
        latency = int((time.perf_counter() - started) * 1000)
        return None, latency, f"{type(exc).__name__}: {exc}"[:500] or type(exc).__name__


async def deliver_webhooks(ctx: dict, endpoint_id: int) -> str:
    """Drain an endpoint's due deliveries: claim a batch, post it (CONCURRENCY at a time), record
    the outcomes in one transaction, again until none is due (or MAX_SECONDS have passed: the
    dispatcher hands the rest over). Safe to run twice at once: claims skip each other's rows."""
    started, done = time.monotonic(), deliveries.Result()
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(claim: deliveries.Claim) -> deliveries.Attempt:
        async with gate:
            status, latency, error = await attempt(ctx["webhook_client"], claim)
        return deliveries.Attempt(claim.delivery_id, claim.attempt, status, latency, error)

    while time.monotonic() - started < MAX_SECONDS:
        claims = await deliveries.claim_due(endpoint_id, BATCH)
        if not claims:
            break
        outcome = await deliveries.record_attempts(await asyncio.gather(*(one(c) for c in claims)))
        done.delivered += outcome.delivered
        done.retrying += outcome.retrying
        done.failed += outcome.failed
        if outcome.endpoints_disabled:
            log.warning("webhook endpoint %s disabled after a long run of failures", endpoint_id)
            break
    return f"delivered {done.delivered}, retrying {done.retrying}, failed {done.failed}"


async def dispatch_webhooks(ctx: dict) -> int:
    """Cron: fan out what the listener missed; hand over retries now due and lost deliveries."""
    await pump(ctx["redis"])
    now = dt.datetime.now(dt.UTC)
    rows = await deliveries.endpoints_to_hand_over(now, HANDOVER_GRACE)
    for row in rows:
        await hand_over(ctx["redis"], row["endpoint"], "due")
    return len(rows)


class Listener:
    """Wakes the pump on NOTIFY, and every FALLBACK_SECONDS whatever happens."""

    def __init__(self, redis) -> None:
        self.redis = redis
        self.wake = asyncio.Event()
        self.task: asyncio.Task | None = None
        self.conn: asyncpg.Connection | None = None

    def _notified(self, _conn, _pid, _channel, _payload: str) -> None:
        self.wake.set()

    async def _connect(self) -> None:
        with contextlib.suppress(Exception):
            if self.conn is not None:
                await self.conn.close()
        self.conn = await asyncpg.connect(settings.SETTINGS.database_url)
        await self.conn.add_listener(CHANNEL, self._notified)

    async def run(self) -> None:
        while True:
            try:
                if self.conn is None or self.conn.is_closed():
                    await self._connect()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wake.wait(), FALLBACK_SECONDS)
                self.wake.clear()
                if (await pump(self.redis)).held_back:
                    await asyncio.sleep(0.05)
                    self.wake.set()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("webhook pump failed; retrying", exc_info=True)
                await asyncio.sleep(1)

    def start(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self.run())

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
        if self.conn is not None:
            with contextlib.suppress(Exception):
                await self.conn.close()
