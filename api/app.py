"""The Litestar application: GraphQL at /graphql, Piccolo Admin at /admin, health checks."""

from __future__ import annotations

import asyncio
import datetime as dt
import hmac
import logging
from contextlib import asynccontextmanager
from typing import Any

import msgspec
from cross_web import HTTPException  # what Strawberry's views turn into a 4xx response
from litestar import Litestar, MediaType, Request, Response, get
from litestar.background_tasks import BackgroundTasks
from litestar.di import Provide
from litestar.handlers import asgi
from litestar.response import Redirect
from litestar.types import Receive, Scope, Send
from strawberry.litestar import make_graphql_controller
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

import settings
from api.asking.links import ROUTES as link_routes
from api.case_studies.page import ROUTES as case_study_routes
from api.events.live import EventHub, authenticate_connection
from api.graphql.context import CredentialRefused, context_getter
from api.graphql.schema import schema
from api.http.graphql_media import GRAPHQL_RESPONSE, negotiate
from api.http.graphql_media import JSON as JSON_MEDIA
from api.http.json_body import BadJson, decode_json_body
from api.http.observability import observability_middleware
from api.http.rate_limits import rate_limit_middleware
from api.http.security_headers import security_headers_middleware
from api.integrations.webhooks import ROUTES as integration_routes
from api.quotes.cards import ROUTES as card_routes
from api.quotes.consent import ROUTES as consent_routes
from api.quotes.demo_page import ROUTES as demo_routes
from api.quotes.showcase_cache import ShowcaseCache
from api.quotes.showcase_http import showcase_cache_middleware
from api.reviews.webhooks import receive_reviews
from models.core.database import unavailability_types
from ops import metrics

log = logging.getLogger("plaudit.api")


def _fresh_response() -> Response:
    return Response({}, background=BackgroundTasks([]))


def graphql_controller() -> type:
    base = make_graphql_controller(
        schema, path="/graphql", context_getter=context_getter, graphql_ide="graphiql",
        # WebSocket subscriptions (api/events/live.py): graphql-transport-ws only, pinged, few
        # per connection; pages on other origins only from the CORS list.
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,), keep_alive=True,
        keep_alive_interval=15, connection_init_wait_timeout=dt.timedelta(seconds=10),
        max_subscriptions_per_connection=10, allowed_origins=settings.SETTINGS.cors_origins)

    class GraphQLController(base):
        # Strawberry provides the response object from a thread pool (sync_to_thread);
        # building an empty Response is cheaper than the hop.
        dependencies = {**base.dependencies,
                        "response": Provide(_fresh_response, sync_to_thread=False)}

        # Cached showcase answers first (free), then the rate limit for everything computed.
        middleware = [showcase_cache_middleware, rate_limit_middleware]

        async def on_ws_connect(self, context: Any):
            await authenticate_connection(context)
            return await super().on_ws_connect(context)

        def encode_json(self, data: object) -> bytes:
            return msgspec.json.encode(data)

        async def execute_request(self, request: Request, context: Any, root_value: Any) -> Response:
            # GraphQL over HTTP: the media type by Accept (api/http/graphql_media.py). A browser
            # asking for the IDE (text/html) is Strawberry's to answer.
            accept = request.headers.get("accept")
            media = negotiate(accept)
            if media is None and not (request.method == "GET" and "text/html" in (accept or "")):
                return Response({"errors": [{"message": f"Accept {GRAPHQL_RESPONSE} or {JSON_MEDIA}.",
                                             "extensions": {"code": "NOT_ACCEPTABLE"}}]},
                                status_code=406, media_type=JSON_MEDIA)
            request.state.graphql_media = media
            request.state.graphql_context = context
            response = await super().execute_request(request, context, root_value)
            if media == GRAPHQL_RESPONSE and response.media_type == MediaType.JSON:
                response.media_type = GRAPHQL_RESPONSE
                if request.state.get("graphql_not_executed") and response.status_code == 200:
                    response.status_code = 400
            return response

        async def process_result(self, request: Request, result: Any) -> Any:
            data = await super().process_result(request, result)
            context = request.state.get("graphql_context")
            if (request.state.get("graphql_media") == GRAPHQL_RESPONSE and result.errors
                    and not getattr(context, "executed", False)):
                # Failed before execution (parse, validation, variables): no `data` entry.
                data.pop("data", None)
                request.state.graphql_not_executed = True
            return data

        def decode_json(self, data: str | bytes) -> object:
            # Strawberry turns only JSONDecodeError into a 400: invalid UTF-8 and deep nesting
            # were 500s.
            try:
                return decode_json_body(data)
            except BadJson as exc:
                raise HTTPException(400, str(exc)) from exc

    return GraphQLController


def create_app(*, with_queue: bool = True, pool_size: int = 10, manage_pool: bool = True) -> Litestar:
    from admin.app import build_admin
    from models.core.database import close_pool, start_pool

    admin_app = build_admin()

    @asynccontextmanager
    async def lifespan(app: Litestar):
        if manage_pool:
            await start_pool(min_size=2, max_size=pool_size,
                             statement_timeout_ms=settings.SETTINGS.api_statement_timeout_ms)
        app.state.relay = None
        await app.state.showcase_cache.start()
        await app.state.event_hub.start()
        redis = None
        if with_queue and settings.SETTINGS.redis_url:
            from jobs import outbox
            from jobs.outbox import Relay
            from jobs.redis import connect

            redis = await connect()
            app.state.relay = Relay(redis, settings.SETTINGS.queue_name)
            outbox.ACTIVE_RELAY = app.state.relay
        try:
            yield
        finally:
            await app.state.event_hub.stop()
            await app.state.showcase_cache.stop()
            if redis is not None:
                await redis.aclose()
            if manage_pool:
                await close_pool()

    @asgi("/admin", is_mount=True, copy_scope=True)
    async def admin(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("raw_path", b"").rstrip(b"?") == b"/admin":
            # Without the trailing slash the admin's relative asset URLs 404.
            await Redirect("/admin/").to_asgi_response(None, None)(scope, receive, send)
            return
        await admin_app(scope, receive, send)

    @get("/healthz", media_type=MediaType.TEXT, include_in_schema=False)
    async def healthz() -> str:
        return "ok"

    @get("/readyz", include_in_schema=False)
    async def readyz() -> Response:
        from models.catalogue.products import Product

        checks = {}
        try:
            await asyncio.wait_for(Product.raw("SELECT 1"), 3)
            checks["postgres"] = "ok"
        except Exception as exc:  # readiness reports, it does not crash
            checks["postgres"] = f"down: {type(exc).__name__}"
        relay = app.state.relay
        if relay is not None:
            try:
                await asyncio.wait_for(relay.redis.ping(), 3)
                checks["redis"] = "ok"
            except Exception as exc:
                checks["redis"] = f"down: {type(exc).__name__}"
        healthy = all(v == "ok" for v in checks.values())
        return Response(checks, status_code=200 if healthy else 503)

    @get("/metrics", include_in_schema=False)
    async def metrics_endpoint(request: Request) -> Response:
        token = settings.SETTINGS.metrics_token
        presented = request.headers.get("authorization", "").partition(" ")[2].strip()
        if token and not hmac.compare_digest(presented.encode(), token.encode()):
            return Response("metrics need `Authorization: Bearer <PLAUDIT_METRICS_TOKEN>`",
                            status_code=401, media_type=MediaType.TEXT)
        relay = app.state.relay
        try:
            await metrics.refresh_from_stores(relay.redis if relay else None,
                                              settings.SETTINGS.queue_name)
        except Exception as exc:  # a scrape during an outage still returns the process metrics
            log.warning("metrics: stores unavailable: %s", type(exc).__name__)
        return Response(metrics.exposition(), media_type="text/plain; version=0.0.4")

    graphql = graphql_controller()
    app = Litestar(
        route_handlers=[graphql, admin, healthz, readyz, metrics_endpoint, receive_reviews,
                        *link_routes, *consent_routes, *case_study_routes, *card_routes, *demo_routes,
                        *integration_routes],
        lifespan=[lifespan],
        middleware=[observability_middleware, security_headers_middleware],
        exception_handlers={**{exc: database_unavailable for exc in unavailability_types()},
                            CredentialRefused: credential_refused},
        debug=False,
        logging_config=None,  # ops/logs.py configures logging for every process
        cors_config=cors_config(),
    )
    app.state.showcase_cache = ShowcaseCache(settings.SETTINGS.database_url)
    app.state.event_hub = EventHub(settings.SETTINGS.database_url)
    return app


def database_unavailable(request: Request, exc: Exception) -> Response:
    """Outside GraphQL's own handling (the token lookup, the REST routes): the same clear 503."""
    log.warning("database unavailable: %s", type(exc).__name__)
    return Response({"errors": [{"message": "The database is unavailable right now; retry in a few "
                                            "seconds.", "extensions": {"code": "UNAVAILABLE"}}]},
                    status_code=503, headers={"Retry-After": "5"})


def credential_refused(request: Request, exc: CredentialRefused) -> Response:
    """401, shaped like a GraphQL error so clients read it the same way (RFC 6750's header)."""
    return Response({"errors": [{"message": str(exc), "extensions": {"code": "UNAUTHENTICATED"}}]},
                    status_code=401,
                    headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


def cors_config():
    """Browsers may call the API (the showcase) from the configured web sites only."""
    from litestar.config.cors import CORSConfig

    origins = list(settings.SETTINGS.cors_origins)
    if not origins:
        return None
    return CORSConfig(allow_origins=origins, allow_methods=["GET", "POST", "OPTIONS"],
                      allow_headers=["Authorization", "Content-Type", "If-None-Match"],
                      expose_headers=["ETag"], allow_credentials=False, max_age=600)
