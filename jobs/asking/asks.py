"""Sending asks: a dispatcher hands due touches to arq; each job sends one touch over SMTP."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import socket

import aiosmtplib
from arq import Retry

import settings
from models.asking import sending

log = logging.getLogger("plaudit.sending")


@functools.cache
def local_hostname() -> str:
    # Given once: otherwise aiosmtplib resolves the machine's FQDN in a thread per connection.
    return socket.getfqdn()


async def smtp_send(message) -> None:
    cfg = settings.SETTINGS
    await aiosmtplib.send(message, sender=cfg.bounce_address, hostname=cfg.smtp_host, port=cfg.smtp_port,
                          username=cfg.smtp_username, password=cfg.smtp_password,
                          start_tls=cfg.smtp_starttls, timeout=30, local_hostname=local_hostname())


async def send_touch(ctx: dict, touch_id: int) -> str:
    """Send one touch. Safe to run twice: the claim lets only one run send it."""
    claim = await sending.claim_touch(touch_id)
    if claim.message is None:
        return f"skipped: {claim.skipped}"
    try:
        await smtp_send(claim.message)
    except (aiosmtplib.SMTPException, OSError) as exc:
        # The touch's own attempt count decides, whichever job (retry or dispatcher) ran it.
        attempt = claim.attempts
        final = attempt >= sending.MAX_ATTEMPTS
        reason = f"{type(exc).__name__}: {exc}"
        # Exponential backoff: 10 s, 20 s, 40 s, 80 s — the touch is due again only then.
        delay = 10 * 2 ** (attempt - 1)
        await sending.mark_failed(touch_id, reason, final=final, rendered=claim.rendered,
                                  retry_at=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=delay))
        if final:
            log.error("touch %s failed for good: %s", touch_id, reason)
            return f"failed: {reason}"
        raise Retry(defer=delay) from exc
    await sending.mark_sent(touch_id, claim.rendered)
    return "sent"


def touch_job_id(touch: dict, now: dt.datetime) -> str:
    """The job id dedups hand-overs of the same attempt (the Message-ID part keeps it unique if
    touch ids restart). A touch overdue by more than the claim timeout lost its job — its
    worker died holding it, or Redis lost it — so each further timeout period gets a new id
    and the touch is handed over again; claiming makes a spare run a no-op."""
    # The due time too: a follow-up put back for business hours is a new hand-over.
    base = f"touch:{touch['message_id']}:{touch['attempts']}:{int(touch['scheduled_at'].timestamp())}"
    overdue = now - touch["scheduled_at"]
    if overdue > sending.CLAIM_TIMEOUT:
        return f"{base}:{int(overdue / sending.CLAIM_TIMEOUT)}"
    return base


async def dispatch_touches(ctx: dict, max_batches: int = 50) -> int:
    """Cron: enqueue touches that are due (or abandoned mid-send). The database is the
    source of truth for pacing, so a restarted worker picks up exactly where it was."""
    now = dt.datetime.now(dt.UTC)
    handed, after = 0, None
    for _ in range(max_batches):  # up to 50,000 per run, in batches of 1,000
        due = await sending.due_touches(now, after=after)
        for touch in due:
            await ctx["redis"].enqueue_job(
                "send_touch", touch["id"], _job_id=touch_job_id(touch, now),
                _defer_until=max(touch["scheduled_at"], now), _queue_name=settings.SETTINGS.queue_name)
        handed += len(due)
        if len(due) < 1000:
            break
        after = (due[-1]["scheduled_at"], due[-1]["id"])
    return handed
