"""POST /webhooks/reviews: reviews pushed by a platform connector or partner, HMAC-signed.

The body and the answer have the shape of GraphQL's `importReviews`: `productId` is the
Product's global id, and the answer carries `results` (with each review's global id),
`createdCount`, `duplicateCount`, `skipped` and `userErrors`.
"""

from __future__ import annotations

from litestar import Request, Response, post

from api.graphql.errors import _camel
from api.graphql.relay import ArgumentError, decode_id, to_global_id
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
        return Response({"error": 'Send JSON: {"productId": "<the Product\'s id>", "reviews": [{…}]}'},
                        status_code=400)
    try:
        product_id = decode_id(payload.get("productId"), "productId", "Product")
    except ArgumentError as exc:
        return Response({"error": str(exc)}, status_code=400)
    result = await import_reviews(verdict.actor, product_id,
                                  [item_from_mapping(r) for r in reviews],
                                  skip_invalid=bool(payload.get("skipInvalid")), source="webhook")
    answer = {
        "results": [{"index": i.index, "externalId": i.key, "status": i.status,
                     "reviewId": to_global_id("Review", i.id)} for i in result.items],
        "createdCount": result.count("CREATED"), "duplicateCount": result.count("DUPLICATE"),
        "skipped": [_error(e) for e in result.skipped],
        "userErrors": [_error(e) for e in result.errors]}
    return Response(answer, status_code=422 if result.errors else 200)


def _error(error) -> dict:
    # GraphQL's UserError shape: the path in camelCase, the code, the message.
    return {"field": [_camel(str(p)) for p in error.field] or None, "code": error.code,
            "message": error.message}
