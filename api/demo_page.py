"""/demo: an example home page (static HTML and a little JavaScript) that renders a product's
public showcase the way a customer's web site would — through the public GraphQL API only."""

from __future__ import annotations

from pathlib import Path

from litestar import Response, get

PAGE = (Path(__file__).parent / "static" / "demo.html").read_bytes()


@get("/demo", include_in_schema=False)
async def demo_page() -> Response:
    return Response(PAGE, media_type="text/html",
                    headers={"Cache-Control": "no-cache", "Referrer-Policy": "no-referrer",
                             "Content-Security-Policy": "default-src 'self'; img-src 'self' https: data:; "
                                                        "style-src 'unsafe-inline'; "
                                                        "script-src 'unsafe-inline'"})


ROUTES = [demo_page]
