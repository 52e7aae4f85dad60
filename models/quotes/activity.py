"""Live social proof: what a public widget may say as it happens — "a customer from France just
reviewed us on G2", or a quote just published on this placement. No names, no review text, no
rating: a review is a platform and a country; a quote only once it is live on the placement,
exactly as the showcase shows it (consented, with its disclosures)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from models.events.public import payload_of
from models.quotes.showcase import ShowcaseQuote, showcase_quote
from models.reviews.reviews import Review

KINDS = ("review.received", "quote.published")


@dataclass
class Activity:
    kind: str  # reviewed | quote_published
    occurred_at: dt.datetime
    platform_key: str | None = None
    platform_name: str | None = None
    country: str | None = None
    quote: ShowcaseQuote | None = None


async def activity_of(product_id: int, placement: str, event: dict) -> Activity | None:
    """The public form of one event of the log, or None when the widget says nothing of it."""
    if event["product"] != product_id or event["type"] not in KINDS:
        return None
    payload = payload_of(event["payload"])
    if event["type"] == "review.received":
        rows = await Review.raw(
            "SELECT pl.key, pl.name, nullif(c.country, '') AS country FROM review r "
            "JOIN platform_profile pp ON pp.id = r.profile JOIN review_platform pl ON pl.id = pp.platform "
            "LEFT JOIN customer c ON c.id = r.customer AND c.email_status <> 'erased' "
            "WHERE r.id = {} AND pp.product = {}", int(payload.get("review", 0)), product_id)
        if not rows:
            return None
        return Activity("reviewed", event["occurred_at"], rows[0]["key"], rows[0]["name"],
                        rows[0]["country"])
    quote = await showcase_quote(product_id, placement, int(payload.get("quote", 0)))
    if quote is None:
        return None
    return Activity("quote_published", event["occurred_at"], quote.platform_key, quote.platform_name,
                    quote=quote)
