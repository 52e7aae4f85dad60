"""What Piccolo Admin leaves to its host, added around its ASGI app (no patched library code).

- Behind a TLS-terminating proxy the admin's CSRF middleware compares the browser's Origin
  with `allowed_hosts` (bare host names): `admin_hosts()` derives them from the settings.
- The login limiter answers 429 without `Retry-After`: added, from the limiter's own clock.
- The `csrftoken` cookie is set without `Secure`: added when production is on.
- "Export CSV" is built in the browser from the rows API, cell values verbatim: a value starting
  with `=`, `+`, `-`, `@`, tab or CR would run as a formula in a spreadsheet. The export's row
  requests (page size 1000, which the console's own table never asks for) get such strings
  prefixed with an apostrophe (OWASP's advice); the console's normal views are unchanged.
"""

from __future__ import annotations

import contextlib
import json
import time
from urllib.parse import parse_qs, urlsplit

import settings

EXPORT_PAGE_SIZE = "1000"  # what piccolo-admin's CSV export requests; its table offers ≤ 100
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
LOGIN_PATH = "/public/login/"
MFA_SETUP_PATH = "/api/mfa-setup/"  # piccolo-admin's own limiter: 20 per 5 minutes


def admin_hosts() -> list[str]:
    """Host names the admin's forms may be posted from (`PLAUDIT_ALLOWED_HOSTS`, else the host
    of `PUBLIC_BASE_URL`, plus loopback for local use)."""
    cfg = settings.SETTINGS
    hosts = list(cfg.allowed_hosts) or [urlsplit(cfg.public_base_url).hostname or ""]
    return sorted({h.lower() for h in hosts if h} | {"localhost", "127.0.0.1"})


def neutralise(value):
    """A cell a spreadsheet would not evaluate: strings starting like a formula get a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    if isinstance(value, dict):
        return {k: neutralise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [neutralise(v) for v in value]
    return value


def _admin_path(scope) -> str:
    path, root = scope.get("path", ""), scope.get("root_path", "")
    return path[len(root):] if root and path.startswith(root) else path


def _is_export(scope) -> bool:
    if scope.get("method") != "GET" or not _admin_path(scope).startswith("/api/tables/"):
        return False
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    return query.get("__page_size") == [EXPORT_PAGE_SIZE]


def harden(admin_app, limiter):
    """The admin app with the additions above. `limiter` is the login's InMemoryLimitProvider."""
    secure_cookie = settings.SETTINGS.admin_production

    async def app(scope, receive, send):
        if scope["type"] != "http":
            await admin_app(scope, receive, send)
            return
        path = _admin_path(scope)
        export = _is_export(scope)
        held: dict = {}

        async def sending(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if message["status"] == 429 and path.startswith(LOGIN_PATH):
                    headers.append((b"retry-after", str(_retry_after(limiter, scope)).encode()))
                elif message["status"] == 429 and path.startswith(MFA_SETUP_PATH):
                    headers.append((b"retry-after", b"300"))
                if secure_cookie:
                    headers = [(k, v + b"; Secure") if k.lower() == b"set-cookie"
                               and v.startswith(b"csrftoken=") and b"secure" not in v.lower()
                               else (k, v) for k, v in headers]
                message = {**message, "headers": headers}
                if export and message["status"] == 200:
                    held["start"], held["body"] = message, []
                    return
            elif held and message["type"] == "http.response.body":
                held["body"].append(message.get("body", b""))
                if message.get("more_body"):
                    return
                body = b"".join(held["body"])
                with contextlib.suppress(ValueError):  # not JSON: passed on as it is
                    body = json.dumps(neutralise(json.loads(body))).encode()
                start = held["start"]
                headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
                await send({**start, "headers": [*headers, (b"content-length", str(len(body)).encode())]})
                await send({"type": "http.response.body", "body": body})
                return
            await send(message)

        await admin_app(scope, receive, sending)

    return app


def _retry_after(limiter, scope) -> int:
    client = (scope.get("client") or ("",))[0]
    blocked_at = getattr(limiter, "blocked", {}).get(client)
    duration = getattr(limiter, "block_duration", None) or getattr(limiter, "timespan", 300)
    if blocked_at is None:
        return int(duration)
    return max(1, int(blocked_at + duration - time.time()) + 1)
