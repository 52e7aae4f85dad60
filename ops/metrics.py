"""Prometheus metrics. Request and GraphQL timings are counted in each API process; the sends,
failures, queue depth and outbox backlog are read at scrape time from PostgreSQL and Redis, the
durable truth, so they are right whichever process (API or worker) did the work."""

from __future__ import annotations

import functools
import re

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

REGISTRY = CollectorRegistry()
REQUESTS = Counter("plaudit_http_requests_total", "HTTP requests", ["method", "route", "status"],
                   registry=REGISTRY)
REQUEST_SECONDS = Histogram("plaudit_http_request_duration_seconds", "HTTP request duration",
                            ["route"], registry=REGISTRY,
                            buckets=(.002, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10))
GRAPHQL_SECONDS = Histogram("plaudit_graphql_operation_duration_seconds",
                            "GraphQL operation execution time", ["type", "name"], registry=REGISTRY,
                            buckets=(.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5))
GRAPHQL_ERRORS = Counter("plaudit_graphql_errors_total", "GraphQL errors by kind", ["kind"],
                         registry=REGISTRY)
SHOWCASE_CACHE = Counter("plaudit_showcase_cache_total", "Showcase cache lookups", ["result"],
                         registry=REGISTRY)
RATE_LIMITED = Counter("plaudit_rate_limited_total", "Requests refused with 429", registry=REGISTRY)
QUEUE_DEPTH = Gauge("plaudit_queue_depth", "Jobs waiting in the arq queue", registry=REGISTRY)
OUTBOX_BACKLOG = Gauge("plaudit_outbox_backlog", "Outbox messages not done yet", registry=REGISTRY)
TOUCHES = Gauge("plaudit_touches", "Ask touches (emails) by status: sent, failed, scheduled, …",
                ["status"], registry=REGISTRY)
ASKS = Gauge("plaudit_asks", "Asks by status", ["status"], registry=REGISTRY)
WEBHOOK_DELIVERIES = Gauge("plaudit_webhook_deliveries", "Outbound webhook deliveries by status "
                           "(pending, delivering, delivered, failed, cancelled)", ["status"],
                           registry=REGISTRY)
WEBHOOK_ENDPOINTS_DISABLED = Gauge("plaudit_webhook_endpoints_disabled",
                                   "Webhook endpoints disabled (by someone, or after failing)",
                                   registry=REGISTRY)

KNOWN_ROUTES = ("/graphql", "/admin", "/webhooks/reviews", "/showcase", "/consent", "/r", "/u",
                "/demo", "/healthz", "/readyz", "/metrics")
OPERATION_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,40}$")
_operation_names: set[str] = set()
MAX_OPERATION_NAMES = 200


@functools.lru_cache(maxsize=512)
def request_children(method: str, route: str, status: str):
    """The labelled children for one kind of request (labels() costs more than the increment)."""
    return REQUESTS.labels(method, route, status), REQUEST_SECONDS.labels(route)


CACHE_HIT = SHOWCASE_CACHE.labels("hit")
CACHE_MISS = SHOWCASE_CACHE.labels("miss")


def route_label(path: str) -> str:
    """A bounded label: the known route the path falls under, else 'other'."""
    for route in KNOWN_ROUTES:
        if path == route or path.startswith(route + "/"):
            return route
    return "other"


def operation_label(name: str | None) -> str:
    # Clients choose operation names: keep the label set bounded.
    if not name or not OPERATION_NAME.match(name):
        return "anonymous"
    if name not in _operation_names and len(_operation_names) >= MAX_OPERATION_NAMES:
        return "other"
    _operation_names.add(name)
    return name


async def refresh_from_stores(redis, queue_name: str) -> None:
    from models.core.outbox import OutboxMessage

    if redis is not None:
        try:
            QUEUE_DEPTH.set(await redis.zcard(queue_name))
        except Exception:  # the scrape still reports the rest
            QUEUE_DEPTH.set(float("nan"))
    OUTBOX_BACKLOG.set(await OutboxMessage.count().where(OutboxMessage.done_at.is_null()))
    for status, count in (await _counts("ask_touch")).items():
        TOUCHES.labels(status).set(count)
    for status, count in (await _counts("ask")).items():
        ASKS.labels(status).set(count)
    for status, count in (await _counts("webhook_delivery")).items():
        WEBHOOK_DELIVERIES.labels(status).set(count)
    disabled = await OutboxMessage.raw("SELECT count(*) AS n FROM webhook_endpoint WHERE NOT enabled")
    WEBHOOK_ENDPOINTS_DISABLED.set(disabled[0]["n"])


async def _counts(table: str) -> dict[str, int]:
    from models.asking.tables import Ask

    rows = await Ask.raw(f"SELECT status, count(*) AS n FROM {table} GROUP BY status")  # noqa: S608
    return {r["status"]: r["n"] for r in rows}


def exposition() -> bytes:
    return generate_latest(REGISTRY)
