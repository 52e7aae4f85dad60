"""A per-token rate limit, counted in Redis so it holds across API processes.

Fixed one-minute windows: one INCR (+ EXPIRE) per request, in one round trip. A caller without
a token is counted by client address. Over the limit: 429 with Retry-After (the seconds left in
the window). Cached showcase responses are served before this counts (they cost nothing), so a
web site's visitors sharing its public token are not limited by each other. If Redis cannot be
reached the request goes through: availability first, and the failure is logged.
"""

from __future__ import annotations

import hashlib
import logging
import time

import settings
from ops import metrics

log = logging.getLogger("plaudit.rate_limits")
WINDOW_SECONDS = 60


def _key(scope) -> str:
    headers = dict(scope["headers"])
    credential = headers.get(b"authorization") or headers.get(b"x-plaudit-token")
    if credential:
        who = "t:" + hashlib.sha256(credential).hexdigest()[:32]
    else:
        who = "ip:" + ((scope.get("client") or ("?",))[0])
    return f"plaudit:ratelimit:{who}"


async def _count(redis, key: str, now: float) -> tuple[int, int]:
    window = int(now // WINDOW_SECONDS)
    windowed = f"{key}:{window}"
    async with redis.pipeline(transaction=False) as pipe:
        pipe.incr(windowed)
        pipe.expire(windowed, WINDOW_SECONDS + 5)
        count, _ = await pipe.execute()
    return count, int((window + 1) * WINDOW_SECONDS - now) + 1


def rate_limit_middleware(app):
    async def middleware(scope, receive, send):
        limit = settings.SETTINGS.rate_limit_per_minute
        relay = getattr(scope["app"].state, "relay", None)
        if scope["type"] != "http" or limit <= 0 or relay is None or scope.get("method") == "OPTIONS":
            await app(scope, receive, send)
            return
        try:
            count, retry_after = await _count(relay.redis, _key(scope), time.time())
        except Exception as exc:  # Redis down: let the request through
            log.warning("rate limit not applied, Redis unavailable: %s", type(exc).__name__)
            await app(scope, receive, send)
            return
        if count <= limit:
            await app(scope, receive, send)
            return
        metrics.RATE_LIMITED.inc()
        body = (b'{"errors":[{"message":"Rate limit exceeded: %d requests per minute for this token. '
                b'Retry after %d s.","extensions":{"code":"RATE_LIMITED"}}]}' % (limit, retry_after))
        await send({"type": "http.response.start", "status": 429, "headers": [
            (b"content-type", b"application/json"), (b"retry-after", str(retry_after).encode())]})
        await send({"type": "http.response.body", "body": body})

    return middleware
