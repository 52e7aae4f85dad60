"""Webhook deliveries: from the event log to one durable row per (endpoint, event), then
attempts with backoff until the receiver answers 2xx.

- Fan-out walks the log in the feed's order (transaction, id) from a cursor kept in the
  database, under a row lock: several workers never create a delivery twice, and an event
  that commits late is never skipped (models/events/events.py explains the order).
- Deliveries are claimed (pending -> delivering) in batches per endpoint by one UPDATE that
  skips rows another worker holds; a claim older than CLAIM_TIMEOUT belongs to a worker that
  died and is taken over. The outcomes of a batch are recorded in one transaction. The
  webhook-id (the event's global id) is the same on every attempt, so a receiver dedups a
  retry or a take-over.
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
from dataclasses import dataclass, field

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
    created: list[tuple[int, int]]  # new deliveries: (delivery id, endpoint id)
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
                    "RETURNING id, endpoint", json.dumps(rows))
                created = [(r["id"], r["endpoint"]) for r in inserted]
            await WebhookDelivery.raw("UPDATE webhook_fanout SET last_tx = {}::xid8, last_event = {} "
                                      "WHERE id = 1", last["tx"], last["id"])
            cursor = {"last_tx": last["tx"], "last_event": last["id"]}
        held = await WebhookDelivery.raw(
            f"SELECT EXISTS (SELECT 1 FROM domain_event e WHERE (e.tx, e.id) > ({{}}::xid8, {{}}) "
            f"AND NOT ({SERVABLE})) AS held", cursor["last_tx"], cursor["last_event"])
    return FanOut(created=created, events=len(events), more=len(events) == batch,
                  held_back=held[0]["held"])


async def endpoints_to_hand_over(now: dt.datetime, grace: dt.timedelta,
                                 limit: int = 10000) -> list[dict]:
    """Endpoints with retries now due, new deliveries not taken within `grace` (the worker died
    before handing them over, Redis restarted empty), or deliveries abandoned mid-attempt."""
    return await WebhookDelivery.raw(
        "SELECT DISTINCT endpoint FROM (SELECT endpoint FROM webhook_delivery "
        "WHERE (status = 'pending' AND next_attempt_at <= {} AND (attempts > 0 OR next_attempt_at < {})) "
        "OR (status = 'delivering' AND last_attempt_at < {}) LIMIT {}) AS due",
        now, now - grace, now - CLAIM_TIMEOUT, limit)



@dataclass
class Claim:
    delivery_id: int
    url: str = ""
    secret: str = ""
    message_id: str = ""
    body: str = ""
    attempt: int = 0


DUE = ("((d.status = 'pending' AND d.next_attempt_at <= {}) "
       "OR (d.status = 'delivering' AND d.last_attempt_at < {}))")


async def claim_due(endpoint_id: int, limit: int = 50, now: dt.datetime | None = None) -> list[Claim]:
    """Claim up to `limit` of an endpoint's due deliveries (oldest first), skipping those another
    worker holds; a claim older than CLAIM_TIMEOUT is taken over (its worker died)."""
    now = now or dt.datetime.now(dt.UTC)
    rows = await WebhookDelivery.raw(
        f"UPDATE webhook_delivery d SET status = 'delivering', attempts = d.attempts + 1, "
        f"last_attempt_at = {{}} FROM (SELECT d.id FROM webhook_delivery d WHERE d.endpoint = {{}} "
        f"AND {DUE} ORDER BY d.next_attempt_at, d.id LIMIT {{}} FOR UPDATE SKIP LOCKED) picked, "
        f"webhook_endpoint w WHERE d.id = picked.id AND w.id = d.endpoint AND w.enabled "
        f"RETURNING d.id, d.attempts, d.message_id, d.body, w.url, w.secret",
        now, endpoint_id, now, now - CLAIM_TIMEOUT, limit)
    return [Claim(r["id"], url=r["url"], secret=r["secret"], message_id=r["message_id"], body=r["body"],
                  attempt=r["attempts"]) for r in sorted(rows, key=lambda r: r["id"])]


@dataclass
class Attempt:
    delivery_id: int
    attempt: int  # the claim's attempt number (a take-over meanwhile makes this one stale)
    status_code: int | None
    latency_ms: int
    error: str = ""


@dataclass
class Result:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    endpoints_disabled: list[int] = field(default_factory=list)


def succeeded(status_code: int | None) -> bool:
    return status_code is not None and 200 <= status_code < 300


async def record_attempts(attempts: list[Attempt], now: dt.datetime | None = None) -> Result:
    """The outcomes of a batch of attempts, in one transaction: the attempt log; each delivery
    delivered, due again after its backoff, or failed for good; each endpoint's failure run
    (cleared by a success, else lengthened) and, when it has lasted long enough, disabling."""
    now = now or dt.datetime.now(dt.UTC)
    result = Result()
    if not attempts:
        return result
    rows = []
    for a in attempts:
        ok = succeeded(a.status_code)
        final = not ok and a.attempt >= MAX_ATTEMPTS
        status = "delivered" if ok else "failed" if final else "pending"
        rows.append({"id": a.delivery_id, "attempt": a.attempt, "code": a.status_code,
                     "ms": a.latency_ms, "error": (a.error or ("" if ok else f"HTTP {a.status_code}"))[:500],
                     "status": status,
                     "next_at": None if ok or final else (now + retry_delay(a.attempt)).isoformat()})
    data = json.dumps(rows)
    async with WebhookDelivery._meta.db.transaction():
        await WebhookAttempt.raw(
            "INSERT INTO webhook_attempt (delivery, attempted_at, status_code, latency_ms, error) "
            "SELECT r.id, {}, r.code, r.ms, r.error FROM jsonb_to_recordset({}::jsonb) "
            "AS r(id bigint, code integer, ms integer, error text)", now, data)
        # Only the claim's holder records: a delivery taken over meanwhile keeps the newer claim.
        updated = await WebhookDelivery.raw(
            "UPDATE webhook_delivery d SET status = r.status, "
            "delivered_at = CASE WHEN r.status = 'delivered' THEN {}::timestamptz END, "
            "next_attempt_at = coalesce(r.next_at, d.next_attempt_at), last_status_code = r.code, "
            "last_latency_ms = r.ms, last_error = r.error "
            "FROM jsonb_to_recordset({}::jsonb) AS r(id bigint, attempt integer, code integer, ms integer, "
            "error text, status text, next_at timestamptz) "
            "WHERE d.id = r.id AND d.status = 'delivering' AND d.attempts = r.attempt "
            "RETURNING d.endpoint, r.status", now, data)
        runs: dict[int, list[str]] = {}
        for row in updated:
            runs.setdefault(row["endpoint"], []).append(row["status"])
            counter = {"delivered": "delivered", "pending": "retrying", "failed": "failed"}[row["status"]]
            setattr(result, counter, getattr(result, counter) + 1)
        for endpoint_id, statuses in sorted(runs.items()):
            if "delivered" in statuses:
                await WebhookEndpoint.raw(
                    "UPDATE webhook_endpoint SET consecutive_failures = 0, failing_since = NULL, "
                    "last_success_at = {} WHERE id = {}", now, endpoint_id)
                continue
            endpoint = (await WebhookEndpoint.raw(
                "UPDATE webhook_endpoint SET consecutive_failures = consecutive_failures + {}, "
                "failing_since = coalesce(failing_since, {}) WHERE id = {} "
                "RETURNING id, product, enabled, consecutive_failures, failing_since",
                len(statuses), now, endpoint_id))[0]
            # Concurrent batches: another may have started the run a moment after this clock.
            latest = max(now, endpoint["failing_since"])
            if (endpoint["enabled"] and endpoint["consecutive_failures"] >= DISABLE_AFTER_FAILURES
                    and endpoint["failing_since"] <= latest - DISABLE_AFTER):
                await disable_failing(endpoint, latest)
                result.endpoints_disabled.append(endpoint_id)
    return result


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


async def resend(actor: Actor, delivery_id: int | None) -> Outcome[tuple[int, int]]:
    """Deliver again, at once, with the same webhook-id (the receiver dedups); the attempt count
    starts over, the log keeps the earlier attempts."""
    rows = await WebhookDelivery.raw(
        f"UPDATE webhook_delivery d SET status = 'pending', attempts = 0, "
        f"next_attempt_at = clock_timestamp(), last_error = '' FROM webhook_endpoint w "
        f"WHERE d.id = {{}} AND w.id = d.endpoint AND {_visible_endpoint(actor)} AND w.enabled "
        f"AND d.status <> 'delivering' RETURNING d.id, d.endpoint", delivery_id or 0)
    if not rows:
        return Outcome.fail("NOT_FOUND", "No such delivery on an enabled endpoint (or it is "
                            "being delivered right now).", "id")
    return Outcome((rows[0]["id"], rows[0]["endpoint"]))


async def send_test(actor: Actor, endpoint_id: int | None) -> Outcome[tuple[int, int]]:
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
    return Outcome((delivery.id, endpoints[0]["id"]))


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
