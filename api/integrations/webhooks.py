"""POST /integrations/stripe and /integrations/zendesk: the providers' own webhook events.

The answer says what happened, as JSON `{"code", "message"}`: 200 for SIGNAL_CREATED, DUPLICATE
and IGNORED (the provider stops retrying), 400 for BAD_SIGNATURE, STALE_TIMESTAMP and
BAD_PAYLOAD, 422 for UNKNOWN_CUSTOMER (the provider retries), 404 when no integration of the
provider is connected, 413 above the size limit.
"""

from __future__ import annotations

from litestar import Request, Response, post

from api.http.rate_limits import count_refused, rate_limit_middleware, remember_good
from models.integrations.intake import MAX_BODY_BYTES, receive


async def _receive(provider: str, request: Request) -> Response:
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_BODY_BYTES:
        return Response({"code": "TOO_LARGE", "message": f"At most {MAX_BODY_BYTES} bytes."},
                        status_code=413)
    body = await request.body()
    headers = {k.lower(): v for k, v in request.headers.items()}
    answer = await receive(provider, body, headers)
    if answer.code in ("BAD_SIGNATURE", "STALE_TIMESTAMP"):
        await count_refused(request.scope)
    elif answer.verified:
        remember_good(request.scope)
    return Response({"code": answer.code, "message": answer.message}, status_code=answer.status)


@post("/integrations/stripe", include_in_schema=False, status_code=200,
      middleware=[rate_limit_middleware])
async def stripe_webhook(request: Request) -> Response:
    return await _receive("stripe", request)


@post("/integrations/zendesk", include_in_schema=False, status_code=200,
      middleware=[rate_limit_middleware])
async def zendesk_webhook(request: Request) -> Response:
    return await _receive("zendesk", request)


ROUTES = [stripe_webhook, zendesk_webhook]
