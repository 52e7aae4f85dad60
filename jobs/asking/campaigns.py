"""Campaign runs: on activation (through the outbox) and every minute for signal triggers."""

from __future__ import annotations

from typing import Any

from models.asking.selection import run_campaign
from models.asking.tables import Campaign


async def run_campaign_job(args: dict[str, Any]) -> int:
    summary = await run_campaign(int(args["campaign_id"]))
    return summary.planned


async def run_active_campaigns(ctx: dict) -> int:
    """Cron: let every active campaign pick up the signals that arrived since its last run."""
    planned = 0
    for row in await Campaign.select(Campaign.id).where(Campaign.status == "active"):
        planned += (await run_campaign(row["id"])).planned
    return planned


async def test_send_job(args: dict[str, Any]) -> str:
    from jobs.asking.asks import smtp_send
    from models.asking.previews import compose_test_message

    message = await compose_test_message(int(args["campaign_id"]), args["locale"])
    await smtp_send(message)
    return f"test sent for campaign {args['campaign_id']}"  # no address: results are logged
