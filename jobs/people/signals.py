"""Signal jobs: tenure-milestone derivation (daily cron and on demand, via the outbox)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from models.core.actors import SYSTEM
from models.people.signals import derive_tenure_milestones, request_tenure_derivation


async def derive_tenure_milestones_job(args: dict[str, Any]) -> int:
    today = dt.date.fromisoformat(args["today"]) if args.get("today") else dt.date.today()
    return await derive_tenure_milestones(today)


async def daily_tenure_milestones(ctx: dict) -> int:
    """Cron: queue today's derivation through the outbox like any other request."""
    outbox_id = (await request_tenure_derivation(SYSTEM, dt.date.today())).value
    return await ctx["relay"].hand_over([outbox_id])
