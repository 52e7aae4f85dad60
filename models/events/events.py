"""The event log: a domain event per thing that happened, and the ordered feed over it.

`record_event` is called inside the transaction of the change, like the outbox: the event
exists exactly when the change does. Each event has a stable id, a type (`ask.sent`), the
product, when it occurred and a small payload of ids and the few fields a consumer needs —
never personal data (docs/events.md lists every type with an example).

The feed is ordered by (writing transaction, id), not by id alone. Ids are taken at insert,
so a transaction that commits late can hold a lower id than events already visible, and a
transaction that started earlier can commit a higher id first. The feed therefore serves only
events whose transaction is older than every transaction still running (`pg_snapshot_xmin`),
in transaction order: every event that can still appear belongs to a running or later
transaction, so it sorts after everything served, and a reader that resumes after the last
event it saw never misses one. (After a restore into a new cluster, transaction ids restart:
readers must then start from the beginning — docs/events.md.)
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from piccolo.columns import JSONB, BigSerial, ForeignKey, OnDelete, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from models.catalogue.products import Product
from models.core.actors import Actor
from models.core.pagination import Page, PageRequest, raw_keyset_page

# Event type -> the scope that reads it (a family per domain). Most are written by the domain
# functions here; task.created, ask.bounced, quote.* and consent.* by database triggers on the
# rows themselves (models/schema_011_more_events.sql), so every path that changes them counts.
TYPES: dict[str, str] = {
    "customer.unsubscribed": "customers:read",
    "customer.erased": "customers:read",
    "campaign.activated": "campaigns:read",
    "campaign.finished": "campaigns:read",
    "ask.planned": "asks:read",
    "ask.sent": "asks:read",
    "ask.clicked": "asks:read",
    "ask.reviewed": "asks:read",
    "ask.bounced": "asks:read",
    "review.received": "reviews:read",
    "task.created": "tasks:read",
    "task.completed": "tasks:read",
    "quote.approved": "quotes:read",
    "quote.published": "quotes:read",
    "quote.withdrawn": "quotes:read",
    "consent.granted": "quotes:read",
    "consent.declined": "quotes:read",
    "consent.revoked": "quotes:read",
    "webhook.disabled": "webhooks:read",
    "shout_out.recorded": "team:read",
    "case_study.accepted": "case_studies:read",
    "case_study.declined": "case_studies:read",
    "case_study.answered": "case_studies:read",
    "case_study.approved": "case_studies:read",
    "case_study.published": "case_studies:read",
    "case_study.withdrawn": "case_studies:read",
}


class DomainEvent(Table, tablename="domain_event"):
    id = BigSerial(primary_key=True)
    type = Varchar(length=40)
    product = ForeignKey(references=Product, on_delete=OnDelete.cascade, null=True)
    occurred_at = Timestamptz(default=TimestamptzNow())
    payload = JSONB(default={})


async def record_event(type_: str, product_id: int | None, payload: dict[str, Any],
                       occurred_at: dt.datetime | None = None) -> None:
    """Write one event; call inside the transaction of the change that caused it."""
    await record_events(type_, [(product_id, payload)], occurred_at)


async def record_events(type_: str, items: list[tuple[int | None, dict[str, Any]]],
                        occurred_at: dt.datetime | None = None) -> None:
    """Write events of one type in one statement (a campaign run plans thousands of asks)."""
    if type_ not in TYPES:
        raise ValueError(f"unknown event type {type_!r}")  # a bug: types are declared above
    if not items:
        return
    rows = [{"product": product, "payload": payload} for product, payload in items]
    await DomainEvent.raw(
        "INSERT INTO domain_event (type, product, occurred_at, payload) "
        "SELECT {}, r.product, coalesce({}::timestamptz, now()), r.payload "
        "FROM jsonb_to_recordset({}::jsonb) AS r(product integer, payload jsonb)",
        type_, occurred_at, json.dumps(rows, default=str))


@dataclass(frozen=True)
class EventFilter:
    types: tuple[str, ...] | None = None
    product_id: int | None = None
    since: dt.datetime | None = None


EVENTS_SQL = "SELECT e.id, e.type, e.product, e.occurred_at, e.payload FROM domain_event e"
# Served in transaction order (module docstring); a cursor names an event by id, whose key is
# looked up (the nearest earlier event's, should that one be gone with its product).
FEED_KEY = "(e.tx, e.id)"
KEY_OF_ID = ("(SELECT d.tx, {}::bigint FROM domain_event d WHERE d.id <= {} "
             "ORDER BY d.id DESC LIMIT 1)")
SERVABLE = "e.tx < pg_snapshot_xmin(pg_current_snapshot())"


def readable_types(actor: Actor) -> tuple[str, ...]:
    return tuple(t for t, scope in TYPES.items() if actor.has_scope(scope))


async def list_events(actor: Actor, flt: EventFilter, page: PageRequest) -> Page:
    """The actor's events in order: the types its scopes read, its product's only."""
    allowed = readable_types(actor)
    wanted = [t for t in (flt.types or allowed) if t in allowed]
    where = ["e.type = ANY({}::varchar[])", SERVABLE]
    args: list[Any] = [wanted]
    for product in (actor.product_id, flt.product_id):
        if product is not None:
            where.append("e.product = {}")
            args.append(product)
    if flt.since is not None:
        where.append("e.occurred_at >= {}")
        args.append(flt.since)
    if page.ids is not None:
        where.append("e.id = ANY({}::bigint[])")
        args.append(list(page.ids))
    return await raw_keyset_page(DomainEvent, EVENTS_SQL, where, args, "e.id", page,
                                 key_sql=FEED_KEY, key_of_id=KEY_OF_ID)
