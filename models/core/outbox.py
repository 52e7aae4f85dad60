"""The outbox: work that must not be lost is written here in the same
transaction as the change that caused it, then handed to the queue after
commit. A sweeper hands over again whatever was dropped on the way.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from piccolo.columns import JSONB, BigSerial, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

# A message not handed over this long after it was written is considered dropped
# (the API process died between commit and enqueue, or Redis was down).
HANDOVER_GRACE = dt.timedelta(seconds=30)
# A message handed over but not done after this long is handed over again
# (the worker died mid-job, or Redis lost the queue).
RUN_GRACE = dt.timedelta(minutes=10)
MAX_ATTEMPTS = 20


class OutboxMessage(Table, tablename="outbox_message"):
    id = BigSerial(primary_key=True)
    job = Varchar(length=80)
    args = JSONB(default={})
    created_at = Timestamptz(default=TimestamptzNow())
    enqueued_at = Timestamptz(null=True, default=None)
    attempts = Integer(default=0)
    done_at = Timestamptz(null=True, default=None)
    last_error = Text(default="")


async def add_to_outbox(job: str, args: dict[str, Any] | None = None) -> int:
    """Record work to do. Call inside the transaction of the change that needs it."""
    rows = await OutboxMessage.insert(OutboxMessage(job=job, args=args or {})).returning(
        OutboxMessage.id)
    return rows[0]["id"]


async def messages_to_hand_over(ids: list[int] | None = None, now: dt.datetime | None = None,
                                limit: int = 500) -> list[dict]:
    """Given ids: those not yet handed over. Without: everything the sweeper should resend."""
    query = OutboxMessage.select(OutboxMessage.id, OutboxMessage.job, OutboxMessage.attempts,
                                 OutboxMessage.created_at)
    if ids is not None:
        return await query.where(OutboxMessage.id.is_in(ids or [0])
                                 & OutboxMessage.enqueued_at.is_null()
                                 & OutboxMessage.done_at.is_null())
    now = now or dt.datetime.now(dt.UTC)
    return await query.where(
        OutboxMessage.done_at.is_null()
        & (OutboxMessage.attempts < MAX_ATTEMPTS)
        & ((OutboxMessage.enqueued_at.is_null() & (OutboxMessage.created_at < now - HANDOVER_GRACE))
           | (OutboxMessage.enqueued_at < now - RUN_GRACE))
    ).order_by(OutboxMessage.id).limit(limit)


async def pending_ids(limit: int = 500) -> list[int]:
    """Committed messages nobody has handed over yet (newest work, before the sweeper's grace)."""
    rows = await OutboxMessage.select(OutboxMessage.id).where(
        OutboxMessage.enqueued_at.is_null() & OutboxMessage.done_at.is_null()
        & (OutboxMessage.attempts < MAX_ATTEMPTS)).order_by(OutboxMessage.id).limit(limit)
    return [r["id"] for r in rows]


async def mark_handed_over(ids: list[int]) -> None:
    if ids:
        await OutboxMessage.update({
            OutboxMessage.enqueued_at: dt.datetime.now(dt.UTC),
            OutboxMessage.attempts: OutboxMessage.attempts + 1,
        }).where(OutboxMessage.id.is_in(ids))


async def load_message(message_id: int) -> OutboxMessage | None:
    return await OutboxMessage.objects().get(OutboxMessage.id == message_id).output(load_json=True)


async def mark_done(message_id: int) -> None:
    await OutboxMessage.update({OutboxMessage.done_at: dt.datetime.now(dt.UTC),
                                OutboxMessage.last_error: ""}).where(
        OutboxMessage.id == message_id)


async def mark_failed(message_id: int, error: str) -> None:
    await OutboxMessage.update({OutboxMessage.last_error: error[:2000]}).where(
        OutboxMessage.id == message_id)
