"""/demo: an example home page (static HTML and a little JavaScript) that renders a product's
public showcase the way a customer's web site would — through the public GraphQL API only."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

from litestar import Response, get

PAGE = (Path(__file__).parent / "static" / "demo.html").read_bytes()
# Only the page's own script runs: allowed by its hash, so no injected script (and no
# `javascript:` link) can.
SCRIPT_HASH = base64.b64encode(hashlib.sha256(
    re.search(rb"<script>(.*?)</script>", PAGE, re.S).group(1)).digest()).decode()
POLICY = (f"default-src 'self'; img-src 'self' https: data:; style-src 'unsafe-inline'; "
          f"script-src 'sha256-{SCRIPT_HASH}'; connect-src 'self'; object-src 'none'; "
          "base-uri 'none'; frame-ancestors 'none'")


@get("/demo", include_in_schema=False)
async def demo_page() -> Response:
    return Response(PAGE, media_type="text/html",
                    headers={"Cache-Control": "no-cache", "Referrer-Policy": "no-referrer",
                             "Content-Security-Policy": POLICY})


ROUTES = [demo_page]
