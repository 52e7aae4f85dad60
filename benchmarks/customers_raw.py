"""The reference for the customers benchmark: a bare Litestar app whose one handler does by hand
what Plaudit does for `customers(first: 20) { … signals(last: 5) }` — the same token check (and
once-a-minute last_used_at update), the same two SQL statements on an asyncpg pool, the JSON
built by hand. Run in its own process (`customers_graphql_vs_raw.py --serve-raw --port N`)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import time

# The document both serve: 20 customers, each with its 5 latest signals.
TOKEN_SCOPES = ("customers:read", "signals:read")
PAGE_SIZE = 20
NESTED_SIGNALS = 5

TOKEN_PREFIX = "pld_"  # models/access/tokens.py


LAST_USED_PRECISION_S = 60.0  # models/access/tokens.py LAST_USED_PRECISION


TOKEN_SQL = (
    'SELECT "api_token"."id" AS "id", "api_token"."name" AS "name", '
    '"api_token"."secret_hash" AS "secret_hash", "api_token"."scopes" AS "scopes", '
    '"api_token"."product" AS "product", "api_token"."expires_at" AS "expires_at", '
    '"api_token"."revoked_at" AS "revoked_at", "api_token"."last_used_at" AS "last_used_at" '
    'FROM "api_token" WHERE "api_token"."secret_hash" = $1'
)


TOKEN_TOUCH_SQL = 'UPDATE "api_token" SET "last_used_at" = $1 WHERE "api_token"."id" = $2'


# Piccolo's `Customer.select()` selects every column; the raw handler reads the same rows so
# the database and driver do the same work on both sides.
_CUSTOMER_COLUMNS = (
    "id", "product", "external_id", "email", "first_name", "last_name", "title", "company",
    "plan", "customer_since", "country", "locale", "time_zone", "social_handles", "is_insider",
    "is_notable", "email_status", "suppressed_at", "created_at", "updated_at",
)


_CUSTOMER_SELECT = "SELECT " + ", ".join(
    f'"customer"."{c}" AS "{c}"' for c in _CUSTOMER_COLUMNS) + ' FROM "customer"'


CUSTOMERS_SQL = _CUSTOMER_SELECT + ' ORDER BY "customer"."id" ASC LIMIT $1'


CUSTOMERS_OF_PRODUCT_SQL = (
    _CUSTOMER_SELECT + ' WHERE "customer"."product" = $2 ORDER BY "customer"."id" ASC LIMIT $1')


SIGNALS_SQL = (
    "SELECT id, customer, kind, source, event_id, occurred_at, nps_score, note, payload, "
    "created_at FROM (SELECT s.*, row_number() OVER (PARTITION BY s.customer "
    "ORDER BY s.occurred_at DESC, s.id DESC) AS rank FROM signal s "
    "WHERE s.customer = ANY($1::int[])) ranked WHERE rank <= $2 "
    "ORDER BY customer, occurred_at DESC, id DESC"
)


def _global_id(type_name: str, row_id: int) -> str:
    """The same opaque id the API returns (api/graphql/relay.py), so both answers are alike."""
    return base64.urlsafe_b64encode(f"{type_name}:{row_id}".encode()).decode().rstrip("=")


def _cursor(row_id: int) -> str:
    """api/graphql/relay.py `encode_cursor`."""
    return base64.urlsafe_b64encode(f"id:{row_id}".encode()).decode()


def _iso(value):
    # The DateTime scalar (api/graphql/scalars.py): UTC with `Z`; asyncpg returns aware UTC times.
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def build_raw_app(dsn: str, pool_min: int = 2, pool_max: int = 10):
    """A one-handler Litestar app answering the benchmark query from raw asyncpg."""
    import asyncpg
    from litestar import Litestar, Request, Response, route

    state: dict = {}

    async def startup() -> None:
        state["pool"] = await asyncpg.create_pool(dsn, min_size=pool_min, max_size=pool_max)

    async def shutdown() -> None:
        pool = state.pop("pool", None)
        if pool is not None:
            await pool.close()

    def refuse(status: int, code: str, message: str) -> Response:
        return Response({"errors": [{"message": message, "extensions": {"code": code}}]},
                        status_code=status)

    # Annotations are strings (`from __future__ import annotations`) and these names are local.
    @route("/graphql", http_method=["GET", "POST"], status_code=200,
           signature_namespace={"Request": Request, "Response": Response})
    async def customers(request: Request) -> Response:
        await request.body()  # consume the (ignored) GraphQL document, as a real handler would
        pool = state["pool"]
        # api/graphql/context.py `bearer_token` + models/access/tokens.py `authenticate`
        scheme, _, secret = request.headers.get("authorization", "").partition(" ")
        secret = secret.strip()
        if scheme.lower() != "bearer" or not secret:
            return refuse(401, "UNAUTHENTICATED", "Authentication required.")
        if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
            return refuse(401, "UNAUTHENTICATED", "The API token is unknown, revoked or expired.")
        digest = hashlib.sha256(secret.encode()).hexdigest()
        token = await pool.fetchrow(TOKEN_SQL, digest)
        if token is None or not hmac.compare_digest(token["secret_hash"], digest):
            return refuse(401, "UNAUTHENTICATED", "The API token is unknown, revoked or expired.")
        now = time.time()
        if token["revoked_at"] is not None or (
                token["expires_at"] is not None and token["expires_at"].timestamp() <= now):
            return refuse(401, "UNAUTHENTICATED", "The API token is unknown, revoked or expired.")
        if (token["last_used_at"] is None
                or now - token["last_used_at"].timestamp() > LAST_USED_PRECISION_S):
            import datetime as dt

            await pool.execute(TOKEN_TOUCH_SQL, dt.datetime.now(dt.UTC), token["id"])
        scopes = set(token["scopes"])
        if "admin" not in scopes and not scopes.issuperset(TOKEN_SCOPES):
            return refuse(403, "FORBIDDEN", "This needs customers:read and signals:read.")

        if token["product"] is None:
            rows = await pool.fetch(CUSTOMERS_SQL, PAGE_SIZE + 1)
        else:
            rows = await pool.fetch(CUSTOMERS_OF_PRODUCT_SQL, PAGE_SIZE + 1, token["product"])
        has_next = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE]
        signals: dict[int, list] = {r["id"]: [] for r in rows}
        if rows:
            for s in await pool.fetch(SIGNALS_SQL, list(signals), NESTED_SIGNALS):
                signals[s["customer"]].append({
                    "id": _global_id("Signal", s["id"]), "kind": s["kind"].upper(), "source": s["source"],
                    "occurredAt": _iso(s["occurred_at"]), "npsScore": s["nps_score"],
                })
        edges = [{
            "cursor": _cursor(r["id"]),
            "node": {
                "id": _global_id("Customer", r["id"]), "externalId": r["external_id"], "email": r["email"],
                "firstName": r["first_name"], "lastName": r["last_name"],
                "company": r["company"], "plan": r["plan"], "country": r["country"],
                "signals": signals[r["id"]],
            },
        } for r in rows]
        return Response({"data": {"customers": {
            "edges": edges,
            "pageInfo": {"hasNextPage": has_next,
                         "endCursor": edges[-1]["cursor"] if edges else None},
        }}})

    return Litestar(route_handlers=[customers], on_startup=[startup], on_shutdown=[shutdown],
                    debug=False)


def serve_raw(port: int, log_level: str) -> None:
    import uvicorn

    dsn = os.environ.get("DATABASE_URL")
    if not dsn:
        raise SystemExit("--serve-raw needs DATABASE_URL.")
    # Same uvicorn defaults as `plaudit serve` (uvloop + httptools when installed).
    uvicorn.run(build_raw_app(dsn), host="127.0.0.1", port=port, log_level=log_level,
                proxy_headers=True)
