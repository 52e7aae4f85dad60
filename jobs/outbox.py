"""Hands outbox messages to arq after commit, runs them, and sweeps up dropped ones."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from arq import Retry
from arq.connections import ArqRedis

from models.core import outbox

log = logging.getLogger("plaudit.outbox")

# job name (as written by the domain) -> handler(args) ; filled by jobs.registry
Handler = Callable[[dict[str, Any]], Awaitable[Any]]
MAX_TRIES = 5


class Relay:
    """Moves committed outbox rows onto the arq queue."""

    def __init__(self, redis: ArqRedis, queue_name: str) -> None:
        self.redis = redis
        self.queue_name = queue_name

    async def hand_over_pending(self) -> int:
        """Hand over every committed message not yet handed over (an adapter's own, at once)."""
        return await self.hand_over(await outbox.pending_ids())

    async def hand_over(self, ids: list[int] | None = None) -> int:
        """Enqueue the given messages (or, with None, everything the sweeper should resend)."""
        messages = await outbox.messages_to_hand_over(ids)
        handed = []
        for message in messages:
            # arq refuses a job id it still knows, which stops double hand-over. The
            # attempt number gives a resend after RUN_GRACE a fresh id; the creation
            # time keeps ids unique if the sequence restarts (restored or reset database).
            stamp = int(message["created_at"].timestamp() * 1_000_000)
            job_id = f"outbox:{message['id']}:{stamp}:{message['attempts'] + 1}"
            await self.redis.enqueue_job("run_outbox_message", message["id"], _job_id=job_id,
                                         _queue_name=self.queue_name)
            handed.append(message["id"])
        await outbox.mark_handed_over(handed)
        return len(handed)


# The API process's relay, so adapters without a GraphQL context (the admin's forms) can hand
# their outbox messages over at once instead of waiting for the sweeper.
ACTIVE_RELAY: Relay | None = None


async def hand_over_now() -> None:
    if ACTIVE_RELAY is not None:
        try:
            await ACTIVE_RELAY.hand_over_pending()
        except Exception:  # the sweeper will do it; the change itself is committed
            log.warning("hand-over failed; the sweeper will retry", exc_info=True)


async def run_outbox_message(ctx: dict, message_id: int) -> str:
    """The one arq function behind every outbox message. Safe to run twice."""
    from jobs.registry import HANDLERS

    message = await outbox.load_message(message_id)
    if message is None:
        return "missing"
    if message.done_at is not None:
        return "already done"
    handler = HANDLERS.get(message.job)
    if handler is None:
        await outbox.mark_failed(message_id, f"no handler for job {message.job!r}")
        return "unknown job"
    try:
        result = await handler(message.args)
    except Exception as exc:
        log.exception("outbox message %s (%s) failed", message_id, message.job)
        await outbox.mark_failed(message_id, f"{type(exc).__name__}: {exc}")
        if ctx.get("job_try", 1) < MAX_TRIES:
            raise Retry(defer=ctx.get("job_try", 1) * 5) from exc
        raise
    await outbox.mark_done(message_id)
    return f"done: {result}"


async def sweep_outbox(ctx: dict) -> int:
    """Cron: re-enqueue messages that were never handed over, or whose job vanished."""
    count = await ctx["relay"].hand_over(None)
    if count:
        log.warning("outbox sweeper re-enqueued %d message(s)", count)
    return count
