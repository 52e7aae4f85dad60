"""Reading quotes: the back office's list and the consent rows behind it."""

from __future__ import annotations

from models.core.actors import Actor
from models.core.pagination import PageRequest
from models.quotes.tables import Quote, QuoteConsent


async def list_quotes(actor: Actor, product_id: int | None, status: str | None,
                      page: PageRequest):
    from models.core.pagination import keyset_page

    query = Quote.select(*Quote.all_columns())
    if actor.product_id is not None:
        query = query.where(Quote.product == actor.product_id)
    if product_id is not None:
        query = query.where(Quote.product == product_id)
    if status is not None:
        query = query.where(Quote.status == status)
    return await keyset_page(query, Quote.id, page)


async def consents_for(quote_ids: list[int]) -> dict[int, list[dict]]:
    """Consent rows per quote, for many quotes in one query (DataLoader batches)."""
    rows = await QuoteConsent.select(*QuoteConsent.all_columns()).where(
        QuoteConsent.quote.is_in(quote_ids or [0])).order_by(QuoteConsent.placement)
    found: dict[int, list[dict]] = {q: [] for q in quote_ids}
    for row in rows:
        found[row["quote"]].append(row)
    return found
