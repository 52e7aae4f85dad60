"""Quote jobs: the consent request mail (through the outbox)."""

from __future__ import annotations

from typing import Any

from models.quotes.consent import claim_consent_mail, compose_consent_mail, release_consent_mail


async def send_consent_request_job(args: dict[str, Any]) -> str:
    """Mail the reviewer the consent request. A rerun of a sent request sends nothing again."""
    from jobs.asking.asks import smtp_send

    quote_id = int(args["quote_id"])
    if not await claim_consent_mail(quote_id):
        return "already sent, or no longer needed"
    message = await compose_consent_mail(quote_id)
    try:
        await smtp_send(message)
    except Exception:
        await release_consent_mail(quote_id)
        raise
    return f"consent request sent for quote {quote_id}"  # no address: results are logged
