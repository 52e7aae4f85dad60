"""Webhook delivery: the worker turns new events into deliveries and posts them, signed.

- A listener (one asyncpg connection per worker) wakes on `NOTIFY plaudit_events` — sent at
  the commit of every transaction that wrote an event — runs the fan-out and hands the new
  deliveries to arq at once. It also wakes every FALLBACK_SECONDS, so a missed notification
  (connection lost, a restart) delays events, never loses them.
- `deliver_webhook` claims a delivery, checks the receiver's address again (and connects to
  exactly the address checked), posts the body with the Standard Webhooks headers (signed by
  the `standardwebhooks` package), and records the attempt; a failure makes the delivery due
  again after the backoff (the time is in the database, not in a deferred job).
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


def job_id(delivery_id: int, attempts: int, due: dt.datetime, takeover: bool = False) -> str:
    """One job per attempt: the due time tells a resend (attempts start over) from the original."""
    stamp = int(due.timestamp() * 1000)
    return f"webhook:{delivery_id}:{attempts}:{stamp}" + (":takeover" if takeover else "")


async def hand_over(redis, delivery_id: int, attempts: int, due: dt.datetime,
                    takeover: bool = False) -> None:
    await redis.enqueue_job("deliver_webhook", delivery_id,
                            _job_id=job_id(delivery_id, attempts, due, takeover),
                            _queue_name=settings.SETTINGS.queue_name)


async def hand_over_now(delivery_id: int | None) -> None:
    """From the API or the admin, right after commit: a resend or a test message goes at once
    (the dispatcher hands it over after its grace if this fails)."""
    from jobs.outbox import ACTIVE_RELAY

    if delivery_id is None or ACTIVE_RELAY is None:
        return
    try:
        await hand_over(ACTIVE_RELAY.redis, delivery_id, 0, dt.datetime.now(dt.UTC))
    except Exception:
        log.warning("could not hand over delivery %s; the dispatcher will", delivery_id, exc_info=True)


async def pump(redis) -> deliveries.FanOut:
    """Fan out every servable event and hand the new deliveries over; True when events are
    held back behind a running transaction (call again shortly)."""
    total = deliveries.FanOut(created=[], events=0, more=True, held_back=False)
    while total.more:
        step = await deliveries.fan_out()
        for delivery_id, due in step.created:
            await hand_over(redis, delivery_id, 0, due)
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


async def deliver_webhook(ctx: dict, delivery_id: int) -> str:
    """Attempt one delivery. Safe to run twice: only the claim's holder posts."""
    claim = await deliveries.claim_delivery(delivery_id)
    if claim.skipped:
        return f"skipped: {claim.skipped}"
    status, latency, error = await attempt(ctx["webhook_client"], claim)
    # A failure leaves the delivery due again after the backoff: the dispatcher hands it over then.
    result = await deliveries.record_attempt(delivery_id, claim.attempt, status, latency, error)
    if result.endpoint_disabled:
        log.warning("webhook endpoint of delivery %s disabled after a long run of failures",
                    delivery_id)
    return result.status


async def dispatch_webhooks(ctx: dict) -> int:
    """Cron: fan out what the listener missed; hand over retries now due and lost deliveries."""
    await pump(ctx["redis"])
    now = dt.datetime.now(dt.UTC)
    handed = 0
    for row in await deliveries.deliveries_to_hand_over(now, HANDOVER_GRACE):
        takeover = row["status"] == "delivering"
        due = row["last_attempt_at"] if takeover else row["next_attempt_at"]
        await hand_over(ctx["redis"], row["id"], row["attempts"], due, takeover)
        handed += 1
    return handed


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
