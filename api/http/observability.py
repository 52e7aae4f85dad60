"""Every HTTP request: a request id (taken from X-Request-ID when sane, else made), a JSON access
log line without link tokens, Prometheus timings, and the request body size limit (413)."""

from __future__ import annotations

import itertools
import logging
import os
import re
import time

import settings
from ops import metrics
from ops.logs import REQUEST_ID, safe_path

log = logging.getLogger("plaudit.access")
SANE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# Request ids: a random prefix per process and a counter — unique, and no syscall per request.
_PREFIX = os.urandom(6).hex()
_COUNTER = itertools.count(1)


class BodyTooLarge(Exception):
    pass


def body_limit(path: str) -> int:
    cfg = settings.SETTINGS
    # The admin takes CSV uploads (base64 in JSON); everything else is API-sized.
    return cfg.max_upload_bytes if path.startswith("/admin") else cfg.max_body_bytes


async def _send_simple(send, status: int, message: bytes, headers=()) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), *headers]})
    await send({"type": "http.response.body", "body": message})


def observability_middleware(app):
    async def middleware(scope, receive, send):
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if given and SANE_ID.match(given) else f"{_PREFIX}{next(_COUNTER):08x}"
        reset = REQUEST_ID.set(request_id)
        # raw_path: a mount (the admin) sees its path without the prefix.
        path = scope.get("raw_path", b"").decode("latin-1") or scope.get("path", "")
        limit = body_limit(path)
        started = time.perf_counter()
        state = {"status": 500, "started": False, "received": 0}

        declared = dict(scope["headers"]).get(b"content-length")
        too_big = declared is not None and declared.isdigit() and int(declared) > limit

        async def limited_receive():
            message = await receive()
            if message["type"] == "http.request":
                state["received"] += len(message.get("body", b""))
                if state["received"] > limit:
                    raise BodyTooLarge
            return message

        async def tagged_send(message):
            if message["type"] == "http.response.start":
                state["status"], state["started"] = message["status"], True
                message = {**message, "headers": [*message.get("headers", []),
                                                  (b"x-request-id", request_id.encode())]}
            await send(message)

        try:
            if too_big:
                raise BodyTooLarge
            await app(scope, limited_receive, tagged_send)
        except BodyTooLarge:
            if not state["started"]:
                await _send_simple(tagged_send, 413, (
                    b'{"errors":[{"message":"The request body is larger than the limit of %d bytes.",'
                    b'"extensions":{"code":"PAYLOAD_TOO_LARGE"}}]}' % limit))
        finally:
            elapsed = time.perf_counter() - started
            route = metrics.route_label(path)
            count, seconds = metrics.request_children(scope.get("method", ""), route, str(state["status"]))
            count.inc()
            seconds.observe(elapsed)
            if log.isEnabledFor(logging.INFO):
                shown = safe_path(path)
                log.info("%s %s %s", scope.get("method"), shown, state["status"],
                         extra={"method": scope.get("method"), "path": shown, "status": state["status"],
                                "duration_ms": round(elapsed * 1000, 3)})
            REQUEST_ID.reset(reset)

    return middleware
