"""Live events over GraphQL subscriptions (graphql-transport-ws on /graphql).

Each API process runs one EventHub: a PostgreSQL connection LISTENing on `plaudit_events`
(NOTIFY at the commit of every transaction that wrote an event, whichever process wrote it),
which reads the log's new events in feed order and hands each to the subscribers of this process
that may see it. So it works with any number of API processes and workers.

- `events(types, productId)`: the feed, live — what the token's scopes and product allow.
- `showcaseActivity(placement)`: public social proof for a widget (`showcase:read`): a review
  received (platform and country only) or a quote just live on the placement.

The token is given in the `connection_init` payload (`{"Authorization": "Bearer pld_…"}`; a
browser cannot set headers on a WebSocket) and checked again every minute: a revoked or
expired token ends its subscriptions. A subscriber that falls more than QUEUE_SIZE events
behind is ended with an error rather than buffered without bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass, field
from enum import Enum

import asyncpg
import strawberry
from strawberry.exceptions import ConnectionRejectionError
from strawberry.types import Info

from api.events.events import EventNode, EventTypeEnum
from api.graphql.permissions import Authenticated, needs
from api.graphql.relay import ArgumentError, decode_id
from api.quotes.quotes import Placement
from api.quotes.showcase import ShowcaseQuote, showcase_quote
from models.access.tokens import authenticate
from models.core.actors import Actor
from models.core.pagination import Row
from models.events import live
from models.events.events import readable_types
from models.quotes.activity import activity_of
from models.quotes.showcase import product_for

log = logging.getLogger("plaudit.live")
CHANNEL = "plaudit_events"
QUEUE_SIZE = 1000
MAX_SUBSCRIBERS = 2000  # per API process: live streams cost a queue each
FALLBACK_SECONDS = 2.0
RECHECK_TOKEN_SECONDS = 60.0


class SubscriberTooSlow(Exception):
    pass


@dataclass(eq=False)
class Subscriber:
    wants: Callable[[dict], bool]
    queue: asyncio.Queue = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))
    overflowed: bool = False


class EventHub:
    """Follows the event log for this process and fans events out to its subscribers."""

    def __init__(self, dsn: str | None) -> None:
        self.dsn = dsn
        self.subscribers: set[Subscriber] = set()
        self.key: live.Key | None = None
        self.wake = asyncio.Event()
        self.task: asyncio.Task | None = None
        self.conn: asyncpg.Connection | None = None

    async def start(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
        if self.conn is not None:
            with contextlib.suppress(Exception):
                await self.conn.close()

    def _notified(self, *_args) -> None:
        self.wake.set()

    async def _run(self) -> None:
        while True:
            try:
                if self.conn is None or self.conn.is_closed():
                    self.conn = await asyncpg.connect(self.dsn)
                    await self.conn.add_listener(CHANNEL, self._notified)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wake.wait(), FALLBACK_SECONDS)
                self.wake.clear()
                if self.subscribers and self.key is not None:
                    await self._pump()
                elif not self.subscribers:  # nobody listens: read nothing
                    self.key = None
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("event hub: %s; retrying", "lost the database", exc_info=True)
                await asyncio.sleep(1)

    async def _pump(self) -> None:
        while True:
            rows, self.key, held = await live.events_after(self.key)
            for row in rows:
                for subscriber in list(self.subscribers):
                    if subscriber.overflowed or not subscriber.wants(row):
                        continue
                    try:
                        subscriber.queue.put_nowait(row)
                    except asyncio.QueueFull:
                        subscriber.overflowed = True
                        with contextlib.suppress(asyncio.QueueFull):
                            subscriber.queue.get_nowait()
                            subscriber.queue.put_nowait(None)  # tells the reader it fell behind
            if held:
                await asyncio.sleep(0.05)
                continue
            if len(rows) < 500:
                return

    @contextlib.asynccontextmanager
    async def subscribe(self, wants: Callable[[dict], bool]):
        if len(self.subscribers) >= MAX_SUBSCRIBERS:
            raise ArgumentError("Too many live subscriptions on this server right now; retry later.")
        subscriber = Subscriber(wants)
        if self.key is None:  # the first subscriber: follow the log from its tail, now
            self.key = await live.tail()
        self.subscribers.add(subscriber)
        try:
            yield subscriber
        finally:
            self.subscribers.discard(subscriber)


async def stream(info: Info, wants: Callable[[dict], bool]) -> AsyncGenerator[dict, None]:
    """The rows a subscriber wants, as they come; ends when the token stops being valid."""
    hub: EventHub = info.context.websocket.app.state.event_hub
    secret = (info.context.connection_params or {}).get("_secret")
    checked = time.monotonic()
    async with hub.subscribe(wants) as subscriber:
        while True:
            try:
                row = await asyncio.wait_for(subscriber.queue.get(), RECHECK_TOKEN_SECONDS)
            except TimeoutError:
                row = ...
            if secret and time.monotonic() - checked >= RECHECK_TOKEN_SECONDS:
                if await authenticate(secret) is None:
                    raise ArgumentError("The API token is no longer valid (revoked or expired).")
                checked = time.monotonic()
            if row is None:
                raise SubscriberTooSlow(f"This subscriber fell more than {QUEUE_SIZE} events behind; "
                                        "resubscribe and catch up with the `events` query.")
            if row is not ...:
                yield row


async def authenticate_connection(context) -> None:
    """graphql-transport-ws `connection_init`: the token in the payload (a browser cannot send
    headers). No token: anonymous, like an HTTP request without one; a bad one: refused (4403)."""
    params = context.connection_params if isinstance(context.connection_params, dict) else {}
    header = params.get("Authorization") or params.get("authorization") or ""
    if not isinstance(header, str) or len(header) > 200:
        raise ConnectionRejectionError({"message": "Malformed Authorization."})
    scheme, _, secret = header.partition(" ")
    if not header:
        return
    actor = await authenticate(secret.strip()) if scheme.lower() == "bearer" else None
    if actor is None:
        raise ConnectionRejectionError({"message": "The API token is unknown, revoked or expired."})
    context.actor = actor
    params["_secret"] = secret.strip()
    context.connection_params = params


def _event_filter(actor: Actor, types: list[str] | None, product_id: int | None) -> Callable[[dict], bool]:
    allowed = set(readable_types(actor))
    wanted = allowed & set(types) if types else allowed

    def wants(row: dict) -> bool:
        return (row["type"] in wanted
                and actor.may_touch_product(row["product"])
                and (product_id is None or row["product"] == product_id))

    return wants


@strawberry.enum(description="What a live social-proof item says.")
class ActivityKind(Enum):
    REVIEWED = "reviewed"
    QUOTE_PUBLISHED = "quote_published"


@strawberry.type(description="Public-safe: no names, no review text, no rating for reviews.")
class ShowcaseActivity:
    kind: ActivityKind
    occurred_at: dt.datetime
    platform_key: str | None
    platform_name: str | None
    country: str | None = strawberry.field(description="The reviewer's country (ISO 3166-1), if known.")
    quote: ShowcaseQuote | None = strawberry.field(description="QUOTE_PUBLISHED: the quote, as the "
                                                               "showcase shows it on this placement.")


@strawberry.type
class EventSubscriptions:
    @strawberry.subscription(permission_classes=[Authenticated],
                             description="Events as they are written, in feed order: the types the "
                                         "token's scopes read (its product's only). Token in "
                                         "connection_init: {\"Authorization\": \"Bearer …\"}.")
    async def events(self, info: Info, types: list[EventTypeEnum] | None = None,  # type: ignore[valid-type]
                     product_id: strawberry.ID | None = None) -> AsyncGenerator[EventNode, None]:
        wants = _event_filter(info.context.actor, [t.value for t in types] if types else None,
                              decode_id(product_id, "productId", "Product"))
        async for row in stream(info, wants):
            yield Row(dict(row))  # type: ignore[misc]

    @strawberry.subscription(permission_classes=[needs("showcase:read")],
                             description="Live social proof for a web page: reviews received (platform "
                                         "and country) and quotes just published on `placement`.")
    async def showcase_activity(self, info: Info, placement: Placement = Placement.HOME_PAGE,
                                product_id: strawberry.ID | None = None
                                ) -> AsyncGenerator[ShowcaseActivity, None]:
        import settings

        actor = info.context.actor
        product = product_for(actor, decode_id(product_id, "productId", "Product"))
        if product is None:
            raise ArgumentError("Name a product this token may show (`productId`).")
        base = settings.SETTINGS.public_base_url
        async for row in stream(info, lambda r: r["product"] == product
                                and r["type"] in ("review.received", "quote.published")):
            activity = await activity_of(product, placement.value, row)
            if activity is None:
                continue
            yield ShowcaseActivity(
                kind=ActivityKind(activity.kind),
                occurred_at=activity.occurred_at,
                platform_key=activity.platform_key, platform_name=activity.platform_name,
                country=activity.country,
                quote=showcase_quote(activity.quote, base) if activity.quote else None)
