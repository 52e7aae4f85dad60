"""The event log: a domain event per thing that happened, and the ordered feed over it.

`record_event` is called inside the transaction of the change, like the outbox: the event
exists exactly when the change does. Each event has a stable id, a type (`ask.sent`), the
product, when it occurred and a small payload of ids and the few fields a consumer needs —
never personal data (docs/events.md lists every type with an example).

The feed is ordered by id. Ids are taken at insert, so a transaction that commits late can
hold a lower id than events already visible; the feed therefore serves only events whose
transaction is older than every transaction still running (`pg_snapshot_xmin`): a reader
that resumes after the last id it saw never misses one.
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

# Event type -> the scope that reads it (a family per domain).
TYPES: dict[str, str] = {
    "customer.unsubscribed": "customers:read",
    "campaign.activated": "campaigns:read",
    "campaign.finished": "campaigns:read",
    "ask.planned": "asks:read",
    "ask.sent": "asks:read",
    "ask.clicked": "asks:read",
    "ask.reviewed": "asks:read",
    "review.received": "reviews:read",
    "task.completed": "tasks:read",
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


def readable_types(actor: Actor) -> tuple[str, ...]:
    return tuple(t for t, scope in TYPES.items() if actor.has_scope(scope))


async def list_events(actor: Actor, flt: EventFilter, page: PageRequest) -> Page:
    """The actor's events in order: the types its scopes read, its product's only."""
    allowed = readable_types(actor)
    wanted = [t for t in (flt.types or allowed) if t in allowed]
    where = ["e.type = ANY({}::varchar[])", "e.tx < pg_snapshot_xmin(pg_current_snapshot())"]
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
    return await raw_keyset_page(DomainEvent, EVENTS_SQL, where, args, "e.id", page)
