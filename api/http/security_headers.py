"""Security headers on every response, from one place.

- `X-Content-Type-Options: nosniff` everywhere;
- `Strict-Transport-Security` when production is on (PLAUDIT_ADMIN_PRODUCTION: it runs behind TLS);
- on HTML pages, `X-Frame-Options: DENY` and a Content-Security-Policy fitted to the page — the
  admin console (a Vue app from its own origin), GraphiQL (Strawberry's page: inline bootstrap
  and unpkg.com), and Plaudit's own pages (consent, unsubscribe, /demo: no script but their
  own). A page that sets its own policy keeps it.
"""

from __future__ import annotations

import settings

HSTS = b"max-age=31536000; includeSubDomains"
COMMON = "object-src 'none'; frame-ancestors 'none'"
ADMIN = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
         "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
         f"form-action 'self'; base-uri 'self'; {COMMON}")
# Server-rendered admin pages of piccolo-api: the MFA setup (inline style and a copy button,
# Google Fonts, a data: QR code) and its Swagger docs (jsdelivr).
ADMIN_PAGES = ("default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
               "style-src 'self' 'unsafe-inline' https://fonts.googleapis.com https://cdn.jsdelivr.net; "
               "font-src 'self' https://fonts.gstatic.com; img-src 'self' data: https:; "
               f"connect-src 'self'; form-action 'self'; base-uri 'self'; {COMMON}")
GRAPHIQL = ("default-src 'self'; script-src 'self' 'unsafe-inline' https://unpkg.com; "
            "style-src 'self' 'unsafe-inline' https://unpkg.com; img-src 'self' data: https:; "
            f"font-src 'self' data: https://unpkg.com; connect-src 'self'; base-uri 'none'; {COMMON}")
PAGES = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data: https:; "
         f"form-action 'self'; base-uri 'none'; {COMMON}")


def policy_for(path: str) -> str:
    if path.startswith("/admin"):
        rest = path[len("/admin"):]
        if rest.startswith(("/api/mfa-setup", "/api/docs", "/public/docs")):
            return ADMIN_PAGES
        return ADMIN
    if path.startswith("/graphql"):
        return GRAPHIQL
    return PAGES


def security_headers_middleware(app):
    async def middleware(scope, receive, send):
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        production = settings.SETTINGS.admin_production

        async def sending(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                extra = []
                if b"x-content-type-options" not in names:
                    extra.append((b"x-content-type-options", b"nosniff"))
                if production and b"strict-transport-security" not in names:
                    extra.append((b"strict-transport-security", HSTS))
                content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                if content_type.startswith(b"text/html"):
                    if b"x-frame-options" not in names:
                        extra.append((b"x-frame-options", b"DENY"))
                    if b"content-security-policy" not in names:
                        # raw_path: under the /admin mount, "path" is the mount's own.
                        path = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
                        extra.append((b"content-security-policy", policy_for(path).encode()))
                if extra:
                    message = {**message, "headers": headers + extra}
            await send(message)

        await app(scope, receive, sending)

    return middleware
