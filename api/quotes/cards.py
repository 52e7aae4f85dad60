"""The PNG card of a live quote, by URL (for social posts and link previews)."""

from __future__ import annotations

import asyncio

from litestar import Response, get
from litestar.params import FromPath

from models.core.pagination import MAX_ID
from models.quotes.cards import card_for_row, card_row


@get("/showcase/quotes/{quote_id:int}/card.png", include_in_schema=False)
async def quote_card(quote_id: FromPath[int]) -> Response:
    # Only quotes live on some placement: a candidate's words are not public yet.
    row = await card_row(quote_id, live_only=True) if 0 < quote_id <= MAX_ID else None
    if row is None:
        return Response("No such published quote.", status_code=404, media_type="text/plain")
    png = await asyncio.to_thread(card_for_row, row)  # ~50 ms of drawing: off the event loop
    return Response(png, media_type="image/png",
                    headers={"Cache-Control": "no-cache",
                             "Content-Disposition": f'inline; filename="quote-{quote_id}.png"'})


ROUTES = [quote_card]
