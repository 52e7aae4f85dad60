"""Public HTTP endpoints behind the links in an ask: tracked click and unsubscribe."""

from __future__ import annotations

import html

from litestar import Request, Response, get, head, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect

from models.asking.tracking import record_click, unsubscribe
from models.core.links import read_token

NOT_FOUND = Response("This link is not valid.", status_code=404, media_type="text/plain")
PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem}}
button{{font-size:1rem;padding:.6rem 1.2rem}}</style></head><body>{body}</body></html>"""


def _page(title: str, body: str, status: int = 200) -> Response:
    return Response(PAGE.format(title=html.escape(title), body=body), status_code=status,
                    media_type="text/html", headers={"Cache-Control": "no-store",
                                                     "Referrer-Policy": "no-referrer"})


@get("/r/{token:str}", include_in_schema=False)
async def follow_link(request: Request, token: FromPath[str]) -> Response:
    touch_id = read_token("click", token)
    if touch_id is None:
        return NOT_FOUND
    result = await record_click(touch_id, "GET", request.headers.get("user-agent", ""))
    if result.redirect_to is None:
        return NOT_FOUND
    return Redirect(result.redirect_to, status_code=302, headers={"Cache-Control": "no-store"})


@head("/r/{token:str}", include_in_schema=False, status_code=200)
async def probe_link(request: Request, token: FromPath[str]) -> None:
    # Scanners probe with HEAD: recorded, never counted, and no redirect target leaks.
    touch_id = read_token("click", token)
    if touch_id is None:
        raise NotFoundException("This link is not valid.")
    await record_click(touch_id, "HEAD", request.headers.get("user-agent", ""))


@get("/u/{token:str}", include_in_schema=False)
async def unsubscribe_page(token: FromPath[str]) -> Response:
    # GET never unsubscribes (scanners follow links); it asks for confirmation.
    if read_token("unsubscribe", token) is None:
        return NOT_FOUND
    return _page("Unsubscribe", f"""<h1>Unsubscribe</h1>
<p>Stop receiving review requests from us? This takes effect at once.</p>
<form method="post" action="/u/{html.escape(token)}"><button type="submit">Unsubscribe</button></form>""")


@post("/u/{token:str}", include_in_schema=False, status_code=200)
async def unsubscribe_now(token: FromPath[str]) -> Response:
    # RFC 8058 one-click: the mail client POSTs "List-Unsubscribe=One-Click"; no redirect.
    touch_id = read_token("unsubscribe", token)
    if touch_id is None or not await unsubscribe(touch_id):
        return NOT_FOUND
    return _page("Unsubscribed", "<h1>You are unsubscribed</h1><p>You will not receive review "
                                 "requests from us any more.</p>")


ROUTES = [follow_link, probe_link, unsubscribe_page, unsubscribe_now]
