"""Lifecycle signals: pushed by partners in batches, or derived by Plaudit itself."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from piccolo.columns import (
    JSONB,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from models.access.audit import record_audit
from models.catalogue.products import Product
from models.core.actors import Actor
from models.core.batches import BatchResult, ItemResult, batch_target
from models.core.pagination import Page, PageRequest, Row, keyset_page
from models.core.results import Outcome, UserError
from models.people.customers import Customer

SIGNAL_KINDS = (
    "renewed", "upgraded", "ticket_resolved", "nps_answer", "praise",
    "tenure_milestone", "escalation_opened", "escalation_closed",
)
# Clock skew allowance for partner timestamps.
FUTURE_TOLERANCE = dt.timedelta(hours=1)
TENURE_MILESTONES_MONTHS = (6, 12, 24, 36, 60, 120)
TENURE_LOOKBACK_DAYS = 30
TENURE_SOURCE = "plaudit"


class Signal(Table, tablename="signal"):
    customer = ForeignKey(references=Customer, on_delete=OnDelete.cascade, null=False)
    product = ForeignKey(references=Product, on_delete=OnDelete.cascade, null=False,
                         help_text="The customer's product: event ids are unique per product")
    kind = Varchar(length=30)
    source = Varchar(length=60, help_text="Who pushed it: billing, help desk, CRM, plaudit")
    event_id = Varchar(length=200, help_text="The source's id; duplicates are ignored")
    occurred_at = Timestamptz()
    nps_score = Integer(null=True, default=None)
    note = Text(default="")
    payload = JSONB(default={})
    created_at = Timestamptz(default=TimestamptzNow())


@dataclass
class SignalFilter:
    customer_id: int | None = None
    kinds: list[str] | None = None
    source: str | None = None
    since: dt.datetime | None = None


async def list_signals(actor: Actor, flt: SignalFilter, page: PageRequest) -> Page:
    query = Signal.select(*Signal.all_columns())
    if actor.product_id is not None:
        query = query.where(Signal.customer.product == actor.product_id)
    if flt.customer_id is not None:
        query = query.where(Signal.customer == flt.customer_id)
    if flt.kinds:
        query = query.where(Signal.kind.is_in(flt.kinds))
    if flt.source is not None:
        query = query.where(Signal.source == flt.source)
    if flt.since is not None:
        query = query.where(Signal.occurred_at >= flt.since)
    return await keyset_page(query, Signal.id, page)


async def latest_signals_for(customer_ids: list[int], limit: int) -> dict[int, list[dict]]:
    """The `limit` most recent signals of each customer, in one query (DataLoader batch)."""
    if not customer_ids:
        return {}
    rows = await Signal.raw(
        "SELECT id, customer, kind, source, event_id, occurred_at, nps_score, note, payload, "
        "created_at FROM (SELECT s.*, row_number() OVER (PARTITION BY s.customer "
        "ORDER BY s.occurred_at DESC, s.id DESC) AS rank FROM signal s "
        "WHERE s.customer = ANY({}::int[])) ranked WHERE rank <= {} "
        "ORDER BY customer, occurred_at DESC, id DESC",
        customer_ids, limit,
    )
    grouped: dict[int, list[dict]] = {cid: [] for cid in customer_ids}
    for row in rows:
        grouped[row["customer"]].append(Row(row))
    return grouped


def normalise_signal_item(item: dict, now: dt.datetime) -> tuple[dict, list[tuple[str, str, str]]]:
    clean = {k: v for k, v in item.items() if v is not None}
    problems: list[tuple[str, str, str]] = []
    for name, limit in (("source", 60), ("event_id", 200), ("customer_external_id", 120)):
        clean[name] = (clean.get(name) or "").strip()
        if not clean[name]:
            problems.append((name, "REQUIRED", f"{name} is required."))
        elif len(clean[name]) > limit:
            problems.append((name, "TOO_LONG", f"{name} is at most {limit} characters."))
    kind = clean.get("kind")
    if kind not in SIGNAL_KINDS:
        problems.append(("kind", "INVALID_KIND", f"Unknown signal kind {kind!r}."))
    score = clean.get("nps_score")
    if kind == "nps_answer" and score is None:
        problems.append(("npsScore", "NPS_SCORE_REQUIRED", "An NPS answer carries its score."))
    if score is not None and kind != "nps_answer":
        problems.append(("npsScore", "NPS_SCORE_UNEXPECTED", "Only NPS answers carry a score."))
    if score is not None and not 0 <= score <= 10:
        problems.append(("npsScore", "NPS_SCORE_RANGE", "An NPS score is between 0 and 10."))
    occurred = clean.get("occurred_at")
    if occurred is None:
        problems.append(("occurredAt", "REQUIRED", "occurredAt is required."))
    else:
        if occurred.tzinfo is None:
            problems.append(("occurredAt", "TIME_ZONE_REQUIRED", "Give occurredAt with its UTC offset."))
        elif occurred > now + FUTURE_TOLERANCE:
            problems.append(("occurredAt", "IN_FUTURE", "occurredAt is in the future."))
    return clean, problems


async def record_signals(actor: Actor, product_id: int | None, items: list[dict]) -> BatchResult:
    """Insert signals, all or nothing; an already known (source, event id) is a DUPLICATE."""
    result = BatchResult()
    product_id, result.errors = batch_target(actor, product_id, len(items), "signals")
    if result.errors:
        return result
    now = dt.datetime.now(dt.UTC)
    cleaned, seen = [], {}
    for index, item in enumerate(items):
        clean, problems = normalise_signal_item(item, now)
        key = (clean["source"], clean["event_id"])
        if clean["event_id"] and key in seen:
            problems.append(("eventId", "DUPLICATE_IN_BATCH", f"Also given at index {seen[key]}."))
        seen.setdefault(key, index)
        for fld, code, message in problems:
            result.errors.append(UserError(code, message, ("signals", str(index), fld)))
        cleaned.append(clean)
    async with Signal._meta.db.transaction():
        if not await Product.exists().where(Product.id == product_id):
            result.errors.append(UserError("NOT_FOUND", "No such product.", ("productId",)))
            return result
        externals = sorted({c["customer_external_id"] for c in cleaned if c["customer_external_id"]})
        # Plans for the actual arrays every time: after five runs PostgreSQL may switch a
        # prepared statement to a generic plan that cannot see how many items an array holds —
        # this lookup then compared every customer with every external id (a re-push went from
        # 0.1 s to 1.2 s), and the insert below joined two 5,000-row sets in a nested loop.
        await Signal.raw("SET LOCAL plan_cache_mode = force_custom_plan")
        customer_ids = {row["external_id"]: row["id"] for row in await Customer.raw(
            "SELECT c.id, c.external_id FROM unnest({}::text[]) AS e(external_id) "
            "JOIN customer c ON c.product = {} AND c.external_id = e.external_id", externals, product_id)}
        for index, clean in enumerate(cleaned):
            if clean["customer_external_id"] and clean["customer_external_id"] not in customer_ids:
                result.errors.append(UserError(
                    "UNKNOWN_CUSTOMER", f"No customer {clean['customer_external_id']!r} in this product.",
                    ("signals", str(index), "customerExternalId")))
        if result.errors:
            return result
        stored = await _store_signals(product_id, cleaned, customer_ids)
        for index, clean in enumerate(cleaned):
            created_id, existing_id = stored[(clean["source"], clean["event_id"])]
            result.items.append(ItemResult(index, clean["event_id"], "CREATED" if created_id else "DUPLICATE",
                                           created_id or existing_id))
        await record_audit(actor, "signals.record", "signal", "", {
            "product": product_id, "created": result.count("CREATED"),
            "duplicates": result.count("DUPLICATE")})
    return result


STORE_SQL = """
WITH input AS (
    SELECT * FROM unnest({}::int[], {}::text[], {}::text[], {}::text[], {}::timestamptz[], {}::int[],
                         {}::text[], {}::text[])
        AS u(customer, kind, source, event_id, occurred_at, nps_score, note, payload)),
inserted AS (
    INSERT INTO signal (customer, product, kind, source, event_id, occurred_at, nps_score, note, payload)
    SELECT customer, {}, kind, source, event_id, occurred_at, nps_score, note, payload::jsonb FROM input
    ON CONFLICT (product, source, event_id) DO NOTHING RETURNING id, source, event_id)
SELECT i.source, i.event_id, n.id AS created_id,
       CASE WHEN n.id IS NULL THEN (SELECT s.id FROM signal s WHERE s.product = {}
                                    AND s.source = i.source AND s.event_id = i.event_id) END AS existing_id
FROM input i LEFT JOIN inserted n ON n.source = i.source AND n.event_id = i.event_id
"""


async def _store_signals(product_id: int, cleaned: list[dict], customer_ids: dict[str, int]
                         ) -> dict[tuple[str, str], tuple[int | None, int | None]]:
    """Insert the new signals and read the ids of the known ones, in one statement (one round
    trip, arrays rather than a JSON document): (source, event id) -> (created id, existing id).
    The existing rows are read in the statement's snapshot, before its own inserts (the caller's
    transaction plans it for its actual arrays, see record_signals)."""
    rows = await Signal.raw(
        STORE_SQL, [customer_ids[c["customer_external_id"]] for c in cleaned], [c["kind"] for c in cleaned],
        [c["source"] for c in cleaned], [c["event_id"] for c in cleaned], [c["occurred_at"] for c in cleaned],
        [c.get("nps_score") for c in cleaned], [c.get("note", "") for c in cleaned],
        [json.dumps(c.get("payload", {})) for c in cleaned], product_id, product_id)
    return {(r["source"], r["event_id"]): (r["created_id"], r["existing_id"]) for r in rows}


async def _insert_signals(rows: list[dict]) -> dict[tuple[str, str], int]:
    cols = "customer, product, kind, source, event_id, occurred_at, nps_score, note, payload"
    records = await Signal.raw(
        f"INSERT INTO signal ({cols}) SELECT {cols} FROM "
        "jsonb_populate_recordset(NULL::signal, {}::jsonb) "
        "ON CONFLICT (product, source, event_id) DO NOTHING RETURNING id, source, event_id",
        json.dumps(rows),
    )
    return {(r["source"], r["event_id"]): r["id"] for r in records}


# --- derived signals ----------------------------------------------------------------------


def _add_months(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable: day 28 exists in every month")


def tenure_milestone_due(customer_since: dt.date, today: dt.date) -> int | None:
    """The milestone (in months) reached within the lookback window, if any.

    Only the most recent milestone counts: a customer imported after years of
    tenure is not flooded with every anniversary they already passed.
    """
    window_start = today - dt.timedelta(days=TENURE_LOOKBACK_DAYS)
    due = None
    for months in TENURE_MILESTONES_MONTHS:
        reached_on = _add_months(customer_since, months)
        if window_start < reached_on <= today:
            due = months
    return due


async def derive_tenure_milestones(today: dt.date) -> int:
    """Record a tenure_milestone signal for each customer who just reached one.

    Idempotent: the event id is derived from the customer and the milestone, so
    a second run (or arq running the job twice) inserts nothing new.
    """
    oldest = _add_months(today, -max(TENURE_MILESTONES_MONTHS)) - dt.timedelta(days=1)
    candidates = await Customer.select(Customer.id, Customer.product, Customer.customer_since).where(
        Customer.customer_since.is_not_null() & (Customer.customer_since >= oldest)
        & (Customer.email_status != "erased"))
    rows = []
    for cand in candidates:
        months = tenure_milestone_due(cand["customer_since"], today)
        if months is None:
            continue
        reached_on = _add_months(cand["customer_since"], months)
        rows.append({
            "customer": cand["id"], "product": cand["product"], "kind": "tenure_milestone",
            "source": TENURE_SOURCE,
            "event_id": f"tenure:{cand['id']}:{months}m",
            "occurred_at": dt.datetime.combine(reached_on, dt.time(), dt.UTC).isoformat(),
            "nps_score": None, "note": f"{months} months as a customer", "payload": {"months": months},
        })
    if not rows:
        return 0
    async with Signal._meta.db.transaction():
        inserted = {}
        for start in range(0, len(rows), 5000):  # one statement per few thousand rows
            inserted.update(await _insert_signals(rows[start:start + 5000]))
        if inserted:
            from models.core.actors import SYSTEM

            await record_audit(SYSTEM, "signals.derive_tenure", "signal", "", {"created": len(inserted)})
    return len(inserted)


async def request_tenure_derivation(actor: Actor, today: dt.date) -> Outcome[int]:
    """Queue a derivation run (over every product) through the outbox: the outbox message id.

    Unlimited admins only: a product-limited token does not start work across all products.
    """
    from models.core.outbox import OutboxMessage, add_to_outbox

    if actor.product_id is not None:
        return Outcome.fail("FORBIDDEN", "The derivation runs across every product; it needs an "
                            "admin token not limited to one product.")
    async with OutboxMessage._meta.db.transaction():
        outbox_id = await add_to_outbox("derive_tenure_milestones", {"today": today.isoformat()})
        await record_audit(actor, "signals.request_tenure_derivation", "outbox_message", outbox_id)
    return Outcome(outbox_id)
