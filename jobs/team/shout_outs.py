"""Team jobs: the shout-out mail (through the outbox), to the person or to the account owner."""

from __future__ import annotations

from typing import Any

from models.team.shout_outs import claim_shout_out_mail, compose_shout_out_mail, release_shout_out_mail


async def send_shout_out_job(args: dict[str, Any]) -> str:
    """Mail one shout-out. A rerun of a sent one sends nothing again."""
    from jobs.asking.asks import smtp_send

    shout_out_id = int(args["shout_out_id"])
    if not await claim_shout_out_mail(shout_out_id):
        return "already sent, or nothing to send"
    message = await compose_shout_out_mail(shout_out_id)
    if message is None:
        return "gone"
    try:
        await smtp_send(message)
    except Exception:
        await release_shout_out_mail(shout_out_id)
        raise
    return f"shout-out {shout_out_id} mailed"
