"""The PNG card of a quote live on a social or ad placement, by URL, in the sizes posts and ads
use (`?size=1200x630`, the default, `1200x628` or `1080x1080`)."""

from __future__ import annotations

import asyncio

from litestar import Request, Response, get
from litestar.params import FromPath

from models.core.pagination import MAX_ID
from models.quotes.cards import SIZES, card_for_row, card_row


@get("/showcase/quotes/{quote_id:int}/card.png", include_in_schema=False)
async def quote_card(quote_id: FromPath[int], request: Request) -> Response:
    size = request.query_params.get("size", "1200x630")
    if size not in SIZES:
        return Response(f"size is one of {', '.join(SIZES)}.", status_code=400, media_type="text/plain")
    # Only quotes live on a social or ad placement: a candidate's words are not public.
    row = await card_row(quote_id, live_only=True) if 0 < quote_id <= MAX_ID else None
    if row is None:
        return Response("No such quote live on a social or ad placement.", status_code=404,
                        media_type="text/plain")
    # ~50 ms of drawing: off the event loop.
    png = await asyncio.to_thread(card_for_row, row, SIZES[size])
    return Response(png, media_type="image/png",
                    headers={"Cache-Control": "no-cache",
                             "Content-Disposition": f'inline; filename="quote-{quote_id}.png"'})


ROUTES = [quote_card]
