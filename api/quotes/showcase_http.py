"""ASGI middleware on /graphql that serves cached showcase responses and answers conditional
GETs (rules and invalidation: api/quotes/showcase_cache.py)."""

from __future__ import annotations

import datetime as dt
import time

from api.http.graphql_media import negotiate
from api.quotes.showcase_cache import SCOPE_FLAG, Entry, etag_for, has_errors
from ops import metrics

MAX_KEY_BODY = 64 * 1024  # bigger POST bodies are never showcase queries worth caching


def _header(scope, name: bytes) -> bytes:
    for key, value in scope["headers"]:
        if key == name:
            return value
    return b""


def _monotonic_expiry(expires_at: dt.datetime | None) -> float | None:
    if expires_at is None:
        return None
    return time.monotonic() + (expires_at - dt.datetime.now(dt.UTC)).total_seconds()


async def _send_cached(send, entry: Entry, not_modified: bool, media: str) -> None:
    headers = [(b"etag", entry.etag.encode()), (b"cache-control", b"no-cache"),
               (b"vary", b"Authorization, Accept")]
    if not_modified:
        await send({"type": "http.response.start", "status": 304, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
        return
    headers += [(b"content-type", media.encode()),
                (b"content-length", str(len(entry.body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": entry.body})


def showcase_cache_middleware(app):
    async def middleware(scope, receive, send):
        cache = getattr(scope["app"].state, "showcase_cache", None)
        method = scope.get("method")
        if cache is None or scope["type"] != "http" or method not in ("GET", "POST"):
            await app(scope, receive, send)
            return
        if method == "GET" and b"text/html" in _header(scope, b"accept"):
            await app(scope, receive, send)  # GraphiQL, not data
            return
        auth = _header(scope, b"authorization")
        downstream = receive
        if method == "POST":
            chunks, more = [], True
            while more:
                message = await receive()
                chunks.append(message.get("body", b""))
                more = message.get("more_body", False)
            body = b"".join(chunks)
            replayed = False

            async def downstream():  # the app reads the body we already consumed
                nonlocal replayed
                if replayed:
                    return {"type": "http.disconnect"}
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}

            request_key = body if len(body) <= MAX_KEY_BODY else None
        else:
            request_key = scope.get("query_string", b"")
        if_none_match = _header(scope, b"if-none-match").decode("latin-1")
        # The same answer in either media type; a client that accepts neither goes through (406).
        media = negotiate(_header(scope, b"accept").decode("latin-1") or None)
        if media is None:
            await app(scope, receive, send)
            return
        key = (auth, method, media, request_key)
        entry = cache.get(key) if request_key is not None else None
        if entry is not None and entry.secret and cache.due_for_touch(entry.secret):
            from models.access.tokens import authenticate

            if await authenticate(entry.secret) is None:  # records last use; refuses a dead token
                cache.clear()
                entry = None
        if entry is not None:
            cache.hits += 1
            metrics.CACHE_HIT.inc()
            await _send_cached(send, entry, method == "GET" and if_none_match == entry.etag, media)
            return
        cache.misses += 1
        metrics.CACHE_MISS.inc()
        generation = cache.generation
        start: dict | None = None
        parts: list[bytes] = []

        async def capture(message):
            nonlocal start
            if message["type"] == "http.response.start":
                if scope.get(SCOPE_FLAG) is None or message["status"] != 200:
                    start = {"passthrough": True}
                    await send(message)
                    return
                start = message
                return
            if start is None or start.get("passthrough"):
                await send(message)
                return
            parts.append(message.get("body", b""))
            if message.get("more_body"):
                return
            payload = b"".join(parts)
            if has_errors(payload):
                await send(start)
                await send({"type": "http.response.body", "body": payload})
                return
            flag = scope[SCOPE_FLAG]
            etag = etag_for(payload)
            entry = Entry(payload, etag, flag.get("secret"), _monotonic_expiry(flag.get("expires_at")))
            if request_key is not None:
                cache.put(key, entry, generation)
            await _send_cached(send, entry, method == "GET" and if_none_match == etag, media)

        await app(scope, downstream, capture)

    return middleware
