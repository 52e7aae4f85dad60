"""A per-token rate limit, counted in Redis so it holds across API processes.

Fixed one-minute windows: one INCR (+ EXPIRE) per request, in one round trip. A caller without
a token is counted by client address. Over the limit: 429 with Retry-After (the seconds left in
the window). Cached showcase responses are served before this counts (they cost nothing), so a
web site's visitors sharing its public token are not limited by each other. If Redis cannot be
reached the request goes through: availability first, and the failure is logged.

Counting by credential alone let a client that invents a new token per request go unlimited.
So every refused credential is also counted against the client's address, and once an address
has had too many refused in a window, its requests with a credential not known to be good are
answered 429 before any lookup. Credentials that authenticated recently (kept per process, by
digest) pass: a valid integration behind the same address as an attacker keeps working.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import OrderedDict

import settings
from ops import metrics

log = logging.getLogger("plaudit.rate_limits")
WINDOW_SECONDS = 60
KNOWN_GOOD_SIZE = 10_000
# Digests of credentials that authenticated in this process recently: exempt from the address's
# refused-credential block. Bounded; the oldest are forgotten first.
_known_good: OrderedDict[str, float] = OrderedDict()


def now() -> float:
    """The clock the windows are cut from (tests hold it inside one window)."""
    return time.time()


def credential_digest(scope) -> str | None:
    headers = dict(scope["headers"])
    credential = headers.get(b"authorization") or headers.get(b"x-plaudit-token")
    return hashlib.sha256(credential).hexdigest()[:32] if credential else None


def client_address(scope) -> str:
    return (scope.get("client") or ("?",))[0]


def _key(scope) -> str:
    digest = credential_digest(scope)
    who = f"t:{digest}" if digest else f"ip:{client_address(scope)}"
    return f"plaudit:ratelimit:{who}"


def _refused_key(address: str, window: int) -> str:
    return f"plaudit:refused:ip:{address}:{window}"


def remember_good(scope) -> None:
    """The request's credential authenticated: exempt it from its address's refusal block."""
    digest = credential_digest(scope)
    if digest is None:
        return
    _known_good[digest] = time.monotonic()
    _known_good.move_to_end(digest)
    while len(_known_good) > KNOWN_GOOD_SIZE:
        _known_good.popitem(last=False)


def _is_known_good(digest: str | None) -> bool:
    seen = _known_good.get(digest) if digest else None
    return seen is not None and time.monotonic() - seen < WINDOW_SECONDS * 10


async def count_refused(scope) -> None:
    """A credential was refused: count it against the client's address (never fails)."""
    relay = getattr(scope["app"].state, "relay", None)
    if relay is None or settings.SETTINGS.refused_credentials_per_minute <= 0:
        return
    key = _refused_key(client_address(scope), int(now() // WINDOW_SECONDS))
    try:
        async with relay.redis.pipeline(transaction=False) as pipe:
            pipe.incr(key)
            pipe.expire(key, WINDOW_SECONDS + 5)
            await pipe.execute()
    except Exception as exc:  # Redis down: the refusal itself still stands
        log.warning("refused credential not counted, Redis unavailable: %s", type(exc).__name__)


async def _count(redis, key: str, now: float, refused_key: str | None = None) -> tuple[int, int, int]:
    """(requests of this caller in the window, seconds left, refusals of its address)."""
    window = int(now // WINDOW_SECONDS)
    windowed = f"{key}:{window}"
    async with redis.pipeline(transaction=False) as pipe:
        pipe.incr(windowed)
        pipe.expire(windowed, WINDOW_SECONDS + 5)
        if refused_key is not None:
            pipe.get(refused_key)
        results = await pipe.execute()
    refused = int(results[2] or 0) if refused_key is not None else 0
    return results[0], int((window + 1) * WINDOW_SECONDS - now) + 1, refused


async def _too_many(send, message: bytes, retry_after: int) -> None:
    metrics.RATE_LIMITED.inc()
    body = b'{"errors":[{"message":"%s","extensions":{"code":"RATE_LIMITED"}}]}' % message
    await send({"type": "http.response.start", "status": 429, "headers": [
        (b"content-type", b"application/json"), (b"retry-after", str(retry_after).encode())]})
    await send({"type": "http.response.body", "body": body})


def rate_limit_middleware(app):
    async def middleware(scope, receive, send):
        cfg = settings.SETTINGS
        limit, refused_limit = cfg.rate_limit_per_minute, cfg.refused_credentials_per_minute
        relay = getattr(scope["app"].state, "relay", None)
        if scope["type"] != "http" or (limit <= 0 and refused_limit <= 0) or relay is None \
                or scope.get("method") == "OPTIONS":
            await app(scope, receive, send)
            return
        at = now()
        digest = credential_digest(scope)
        watch_refusals = refused_limit > 0 and digest is not None and not _is_known_good(digest)
        refused_key = (_refused_key(client_address(scope), int(at // WINDOW_SECONDS))
                       if watch_refusals else None)
        try:
            count, retry_after, refused = await _count(relay.redis, _key(scope), at, refused_key)
        except Exception as exc:  # Redis down: let the request through
            log.warning("rate limit not applied, Redis unavailable: %s", type(exc).__name__)
            await app(scope, receive, send)
            return
        if watch_refusals and refused >= refused_limit:
            await _too_many(send, b"Too many refused credentials from this address: %d a minute. "
                            b"Retry after %d s." % (refused_limit, retry_after), retry_after)
        elif limit > 0 and count > limit:
            await _too_many(send, b"Rate limit exceeded: %d requests per minute for this token. "
                            b"Retry after %d s." % (limit, retry_after), retry_after)
        else:
            await app(scope, receive, send)

    return middleware
