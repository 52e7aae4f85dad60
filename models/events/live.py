"""The log's tail, for live subscribers: events after a key (transaction, id), in feed order.

Each API process follows the log from where it stood when it started (its subscribers see what
happens from then on) and serves only what the feed may serve (below the oldest running write
transaction), so a live subscriber never sees an event that a later, slower one would miss.
"""

from __future__ import annotations

from models.events.events import SERVABLE, DomainEvent

Key = tuple[int, int]  # (transaction id, event id)


async def tail() -> Key:
    """The key of the last servable event: a new follower starts after it."""
    rows = await DomainEvent.raw(
        f"SELECT e.tx, e.id FROM domain_event e WHERE {SERVABLE} ORDER BY e.tx DESC, e.id DESC LIMIT 1")
    return (rows[0]["tx"], rows[0]["id"]) if rows else (0, 0)


async def events_after(key: Key, limit: int = 500) -> tuple[list[dict], Key, bool]:
    """(events, the new key, whether committed events are held back behind a running transaction)."""
    rows = await DomainEvent.raw(
        f"SELECT e.id, e.tx, e.type, e.product, e.occurred_at, e.payload FROM domain_event e "
        f"WHERE (e.tx, e.id) > ({{}}::xid8, {{}}) AND {SERVABLE} ORDER BY e.tx, e.id LIMIT {{}}",
        key[0], key[1], limit)
    if rows:
        key = (rows[-1]["tx"], rows[-1]["id"])
    held = await DomainEvent.raw(
        f"SELECT EXISTS (SELECT 1 FROM domain_event e WHERE (e.tx, e.id) > ({{}}::xid8, {{}}) "
        f"AND NOT ({SERVABLE})) AS held", key[0], key[1])
    return rows, key, held[0]["held"]
