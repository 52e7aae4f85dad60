"""Webhook deliveries: from the event log to one durable row per (endpoint, event), then
attempts with backoff until the receiver answers 2xx.

- Fan-out walks the log in the feed's order (transaction, id) from a cursor kept in the
  database, under a row lock: several workers never create a delivery twice, and an event
  that commits late is never skipped (models/events/events.py explains the order).
- A delivery is claimed (pending -> delivering) by one UPDATE; a claim older than
  CLAIM_TIMEOUT belongs to a worker that died and is taken over. The webhook-id (the event's
  global id) is the same on every attempt, so a receiver dedups a retry or a take-over.
- Retries follow RETRY_SCHEDULE (about 30 hours in all), then the delivery fails. An endpoint
  that has failed every attempt for DISABLE_AFTER (and at least DISABLE_AFTER_FAILURES times
  in a row) is disabled, its pending deliveries cancelled, and `webhook.disabled` recorded.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import secrets
from dataclasses import dataclass

from models.core.actors import Actor
from models.core.global_ids import to_global_id
from models.core.pagination import Page, PageRequest, Row, keyset_page
from models.core.results import Outcome
from models.events.events import SERVABLE, record_event
from models.events.public import envelope, payload_of
from models.events.tables import WebhookAttempt, WebhookDelivery, WebhookEndpoint

# Seconds to wait after attempt n (1-based) failed: exponential (x4) from 15 s, capped at 8 h;
# 11 attempts over ~30 h (Standard Webhooks asks for at least a day of retries).
RETRY_SCHEDULE = (15, 60, 240, 960, 3840, 15360, 28800, 28800, 28800, 28800)
MAX_ATTEMPTS = len(RETRY_SCHEDULE) + 1
JITTER = 0.1
CLAIM_TIMEOUT = dt.timedelta(seconds=int(os.environ.get("PLAUDIT_WEBHOOK_CLAIM_TIMEOUT_SECONDS", "60")))
DISABLE_AFTER = dt.timedelta(hours=float(os.environ.get("PLAUDIT_WEBHOOK_DISABLE_AFTER_HOURS", "72")))
DISABLE_AFTER_FAILURES = int(os.environ.get("PLAUDIT_WEBHOOK_DISABLE_AFTER_FAILURES", "20"))
FANOUT_BATCH = 1000
MAX_ATTEMPTS_SHOWN = 50


def retry_delay(attempt: int) -> dt.timedelta:
    base = RETRY_SCHEDULE[min(attempt, len(RETRY_SCHEDULE)) - 1]
    return dt.timedelta(seconds=base * (1 + random.uniform(-JITTER, JITTER)))  # noqa: S311


def message_id(event_id: int) -> str:
    """The webhook-id of an event's deliveries: its global id, the same one the feed serves."""
    return to_global_id("Event", event_id)


@dataclass
class FanOut:
    created: list[tuple[int, dt.datetime]]  # new deliveries: (id, due at)
    events: int  # events walked
    more: bool  # a full batch: call again
    held_back: bool  # committed events wait behind a running transaction: call again soon


async def fan_out(batch: int = FANOUT_BATCH) -> FanOut:
    """Turn the next servable events into deliveries for the endpoints that want them."""
    db = WebhookDelivery._meta.db
    async with db.transaction():
        await WebhookDelivery.raw("INSERT INTO webhook_fanout (id, last_tx, last_event) "
                                  "VALUES (1, '0'::xid8, 0) ON CONFLICT (id) DO NOTHING")
        cursor = (await WebhookDelivery.raw(
            "SELECT last_tx, last_event FROM webhook_fanout WHERE id = 1 FOR UPDATE"))[0]
        events = await WebhookDelivery.raw(
            f"SELECT e.id, e.tx, e.type, e.product, e.occurred_at, e.payload FROM domain_event e "
            f"WHERE (e.tx, e.id) > ({{}}::xid8, {{}}) AND {SERVABLE} ORDER BY e.tx, e.id LIMIT {{}}",
            cursor["last_tx"], cursor["last_event"], batch)
        created: list[int] = []
        if events:
            last = events[-1]
            targets = await WebhookDelivery.raw(
                "SELECT e.id AS event, w.id AS endpoint FROM domain_event e JOIN webhook_endpoint w "
                "ON w.product = e.product AND e.type = ANY(w.event_types) AND w.enabled "
                "AND e.tx > w.since_tx WHERE e.id = ANY({}::bigint[])", [e["id"] for e in events])
            by_id = {e["id"]: e for e in events}
            rows = []
            for target in targets:
                event = by_id[target["event"]]
                body = json.dumps(envelope(event["id"], event["type"], event["product"],
                                           event["occurred_at"], payload_of(event["payload"])),
                                  separators=(",", ":"))
                rows.append({"endpoint": target["endpoint"], "event": event["id"],
                             "message_id": message_id(event["id"]), "event_type": event["type"],
                             "body": body})
            if rows:
                inserted = await WebhookDelivery.raw(
                    "INSERT INTO webhook_delivery (endpoint, event, message_id, event_type, body) "
                    "SELECT r.endpoint, r.event, r.message_id, r.event_type, r.body "
                    "FROM jsonb_to_recordset({}::jsonb) AS r(endpoint integer, event bigint, "
                    "message_id text, event_type text, body text) "
                    "ON CONFLICT (endpoint, event) WHERE event IS NOT NULL DO NOTHING "
                    "RETURNING id, next_attempt_at", json.dumps(rows))
                created = [(r["id"], r["next_attempt_at"]) for r in inserted]
            await WebhookDelivery.raw("UPDATE webhook_fanout SET last_tx = {}::xid8, last_event = {} "
                                      "WHERE id = 1", last["tx"], last["id"])
            cursor = {"last_tx": last["tx"], "last_event": last["id"]}
        held = await WebhookDelivery.raw(
            f"SELECT EXISTS (SELECT 1 FROM domain_event e WHERE (e.tx, e.id) > ({{}}::xid8, {{}}) "
            f"AND NOT ({SERVABLE})) AS held", cursor["last_tx"], cursor["last_event"])
    return FanOut(created=created, events=len(events), more=len(events) == batch,
                  held_back=held[0]["held"])


async def deliveries_to_hand_over(now: dt.datetime, grace: dt.timedelta,
                                  limit: int = 1000) -> list[dict]:
    """Retries now due; new deliveries not taken within `grace` (the worker died before handing
    them over, Redis restarted empty); and deliveries abandoned mid-attempt."""
    return await WebhookDelivery.raw(
        "SELECT id, attempts, next_attempt_at, status, last_attempt_at FROM webhook_delivery "
        "WHERE (status = 'pending' AND next_attempt_at <= {} AND (attempts > 0 OR next_attempt_at < {})) "
        "OR (status = 'delivering' AND last_attempt_at < {}) ORDER BY next_attempt_at, id LIMIT {}",
        now, now - grace, now - CLAIM_TIMEOUT, limit)



@dataclass
class Claim:
    delivery_id: int
    url: str = ""
    secret: str = ""
    message_id: str = ""
    body: str = ""
    attempt: int = 0
    skipped: str | None = None


async def claim_delivery(delivery_id: int, now: dt.datetime | None = None) -> Claim:
    now = now or dt.datetime.now(dt.UTC)
    rows = await WebhookDelivery.raw(
        "UPDATE webhook_delivery d SET status = 'delivering', attempts = d.attempts + 1, "
        "last_attempt_at = {} FROM webhook_endpoint w WHERE d.id = {} AND w.id = d.endpoint "
        "AND w.enabled AND ((d.status = 'pending' AND d.next_attempt_at <= {}) "
        "OR (d.status = 'delivering' AND d.last_attempt_at < {})) "
        "RETURNING d.attempts, d.message_id, d.body, w.url, w.secret", now, delivery_id, now,
        now - CLAIM_TIMEOUT)
    if not rows:
        return Claim(delivery_id, skipped="not due, taken or done")
    row = rows[0]
    return Claim(delivery_id, url=row["url"], secret=row["secret"], message_id=row["message_id"],
                 body=row["body"], attempt=row["attempts"])


@dataclass
class Result:
    status: str  # delivered | pending (retry at next_attempt_at) | failed
    next_attempt_at: dt.datetime | None = None
    endpoint_disabled: bool = False


def succeeded(status_code: int | None) -> bool:
    return status_code is not None and 200 <= status_code < 300


async def record_attempt(delivery_id: int, attempt: int, status_code: int | None, latency_ms: int,
                         error: str = "", now: dt.datetime | None = None) -> Result:
    """The outcome of one attempt: delivered, due again after the backoff, or failed for good;
    the endpoint's failure run is updated and, when it has lasted long enough, it is disabled."""
    now = now or dt.datetime.now(dt.UTC)
    error = error[:500]
    async with WebhookDelivery._meta.db.transaction():
        await WebhookAttempt.insert(WebhookAttempt(delivery=delivery_id, attempted_at=now,
                                                   status_code=status_code, latency_ms=latency_ms,
                                                   error=error))
        if succeeded(status_code):
            rows = await WebhookDelivery.raw(
                "UPDATE webhook_delivery SET status = 'delivered', delivered_at = {}, "
                "last_status_code = {}, last_latency_ms = {}, last_error = '' "
                "WHERE id = {} AND status = 'delivering' AND attempts = {} RETURNING endpoint",
                now, status_code, latency_ms, delivery_id, attempt)
            if rows:
                await WebhookEndpoint.raw(
                    "UPDATE webhook_endpoint SET consecutive_failures = 0, failing_since = NULL, "
                    "last_success_at = {} WHERE id = {}", now, rows[0]["endpoint"])
            return Result("delivered")
        final = attempt >= MAX_ATTEMPTS
        next_at = None if final else now + retry_delay(attempt)
        rows = await WebhookDelivery.raw(
            "UPDATE webhook_delivery SET status = {}, next_attempt_at = coalesce({}, next_attempt_at), "
            "last_status_code = {}, last_latency_ms = {}, last_error = {} "
            "WHERE id = {} AND status = 'delivering' AND attempts = {} RETURNING endpoint",
            "failed" if final else "pending", next_at, status_code, latency_ms,
            error or f"HTTP {status_code}", delivery_id, attempt)
        if not rows:  # taken over meanwhile: that attempt's outcome counts, not this one
            return Result("pending", next_at)
        endpoint = (await WebhookEndpoint.raw(
            "UPDATE webhook_endpoint SET consecutive_failures = consecutive_failures + 1, "
            "failing_since = coalesce(failing_since, {}) WHERE id = {} "
            "RETURNING id, product, enabled, consecutive_failures, failing_since",
            now, rows[0]["endpoint"]))[0]
        # Concurrent attempts: another may have started the run a moment after this one's clock.
        latest = max(now, endpoint["failing_since"])
        disabled = (endpoint["enabled"] and endpoint["consecutive_failures"] >= DISABLE_AFTER_FAILURES
                    and endpoint["failing_since"] <= latest - DISABLE_AFTER)
        if disabled:
            await disable_failing(endpoint, latest)
    return Result("failed" if final else "pending", next_at, endpoint_disabled=disabled)


async def disable_failing(endpoint: dict, now: dt.datetime) -> None:
    hours = int((now - endpoint["failing_since"]).total_seconds() // 3600)
    reason = (f"Disabled after {endpoint['consecutive_failures']} failed attempts in a row over "
              f"{hours} hours.")
    await WebhookEndpoint.raw("UPDATE webhook_endpoint SET enabled = false, disabled_reason = {}, "
                              "updated_at = {} WHERE id = {}", reason, now, endpoint["id"])
    await cancel_pending(endpoint["id"], "endpoint disabled")
    await record_event("webhook.disabled", endpoint["product"],
                       {"endpoint": endpoint["id"], "reason": reason})


async def cancel_pending(endpoint_id: int, reason: str) -> None:
    await WebhookDelivery.raw("UPDATE webhook_delivery SET status = 'cancelled', last_error = {} "
                              "WHERE endpoint = {} AND status IN ('pending', 'delivering')",
                              reason, endpoint_id)


def _visible_endpoint(actor: Actor) -> str:
    return "TRUE" if actor.product_id is None else f"w.product = {int(actor.product_id)}"


async def resend(actor: Actor, delivery_id: int | None) -> Outcome[int]:
    """Deliver again, at once, with the same webhook-id (the receiver dedups); the attempt count
    starts over, the log keeps the earlier attempts."""
    rows = await WebhookDelivery.raw(
        f"UPDATE webhook_delivery d SET status = 'pending', attempts = 0, "
        f"next_attempt_at = clock_timestamp(), last_error = '' FROM webhook_endpoint w "
        f"WHERE d.id = {{}} AND w.id = d.endpoint AND {_visible_endpoint(actor)} AND w.enabled "
        f"AND d.status <> 'delivering' RETURNING d.id", delivery_id or 0)
    if not rows:
        return Outcome.fail("NOT_FOUND", "No such delivery on an enabled endpoint (or it is "
                            "being delivered right now).", "id")
    return Outcome(rows[0]["id"])


async def send_test(actor: Actor, endpoint_id: int | None) -> Outcome[int]:
    """A `webhook.test` message, signed and delivered like any event (its own webhook-id)."""
    endpoints = await WebhookEndpoint.raw(
        f"SELECT w.id, w.product, w.enabled FROM webhook_endpoint w WHERE w.id = {{}} "
        f"AND {_visible_endpoint(actor)}", endpoint_id or 0)
    if not endpoints:
        return Outcome.fail("NOT_FOUND", "No such webhook endpoint.", "id")
    if not endpoints[0]["enabled"]:
        return Outcome.fail("ENDPOINT_DISABLED", "Enable the endpoint first.", "id")
    body = envelope(None, "webhook.test", endpoints[0]["product"], dt.datetime.now(dt.UTC),
                    {"endpoint": endpoints[0]["id"]})
    delivery = WebhookDelivery(endpoint=endpoints[0]["id"], event=None,
                               message_id=f"test_{secrets.token_hex(12)}", event_type="webhook.test",
                               body=json.dumps(body, separators=(",", ":")))
    await delivery.save()
    return Outcome(delivery.id)


DELIVERY_COLUMNS = [c for c in WebhookDelivery._meta.columns if c._meta.name != "body"]


async def list_deliveries(actor: Actor, endpoint_id: int | None, statuses: list[str] | None,
                          page: PageRequest) -> Page | None:
    """An endpoint's deliveries, oldest first (None: not an endpoint the actor can see)."""
    query = WebhookDelivery.select(*DELIVERY_COLUMNS)
    if endpoint_id is not None:
        visible = WebhookEndpoint.id == endpoint_id
        if actor.product_id is not None:
            visible &= WebhookEndpoint.product == actor.product_id
        if not await WebhookEndpoint.exists().where(visible):
            return None
        query = query.where(WebhookDelivery.endpoint == endpoint_id)
    elif actor.product_id is not None:
        query = query.where(WebhookDelivery.endpoint.product == actor.product_id)
    if statuses:
        query = query.where(WebhookDelivery.status.is_in(statuses))
    return await keyset_page(query, WebhookDelivery.id, page)


async def attempts_of(delivery_ids: list[int]) -> dict[int, list]:
    """Every attempt of these deliveries, in order (one query, for a DataLoader)."""
    rows = await WebhookAttempt.raw(
        "SELECT * FROM (SELECT a.*, row_number() OVER (PARTITION BY a.delivery ORDER BY a.id DESC) "
        "AS newest FROM webhook_attempt a WHERE a.delivery = ANY({}::bigint[])) AS recent "
        "WHERE newest <= {} ORDER BY id", list(delivery_ids), MAX_ATTEMPTS_SHOWN)
    grouped: dict[int, list] = {i: [] for i in delivery_ids}
    for row in rows:
        grouped.setdefault(row["delivery"], []).append(Row(row))
    return grouped
