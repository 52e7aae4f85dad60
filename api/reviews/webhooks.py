"""POST /webhooks/reviews: reviews pushed by a platform connector or partner, HMAC-signed."""

from __future__ import annotations

from litestar import Request, Response, post

from api.http.json_body import BadJson, decode_json_body
from api.http.rate_limits import count_refused, rate_limit_middleware, remember_good
from models.access.webhooks import verify
from models.reviews.intake import import_reviews, item_from_mapping

MAX_BODY = 5 * 1024 * 1024


@post("/webhooks/reviews", include_in_schema=False, status_code=200, middleware=[rate_limit_middleware])
async def receive_reviews(request: Request) -> Response:
    body = await request.body()
    if len(body) > MAX_BODY:
        return Response({"error": "Body too large."}, status_code=413)
    verdict = await verify(request.headers.get("x-plaudit-token"),
                           request.headers.get("x-plaudit-signature"), body, "reviews:write")
    if verdict.actor is None:
        await count_refused(request.scope)
        return Response({"error": verdict.problem}, status_code=401)
    remember_good(request.scope)
    try:
        payload = decode_json_body(body)
        reviews = payload["reviews"]
        if not isinstance(reviews, list) or not all(isinstance(r, dict) for r in reviews):
            raise TypeError
    except BadJson as exc:
        return Response({"error": str(exc)}, status_code=400)
    except (KeyError, TypeError):
        return Response({"error": 'Send JSON: {"productId": 1, "reviews": [{…}]}'}, status_code=400)
    product_id = payload.get("productId")
    if product_id is not None and (type(product_id) is not int or not 0 < product_id < 2**31):
        return Response({"error": "`productId` must be a product's id (a positive integer)."},
                        status_code=400)
    result = await import_reviews(verdict.actor, product_id,
                                  [item_from_mapping(r) for r in reviews],
                                  skip_invalid=bool(payload.get("skipInvalid")), source="webhook")
    errors = [{"field": list(e.field), "code": e.code, "message": e.message} for e in result.errors]
    return Response({
        "created": result.count("CREATED"), "duplicates": result.count("DUPLICATE"),
        "skipped": [{"field": list(e.field), "code": e.code, "message": e.message}
                    for e in result.skipped],
        "errors": errors}, status_code=422 if errors else 200)
