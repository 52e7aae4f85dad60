"""Asks over GraphQL: in-app asks for a frontend, and approving held asks."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.asking.enums import AskStatus, Channel, TouchStatus
from api.graphql.errors import map_errors, user_error_type
from api.graphql.nodes import Node, node_kind
from api.graphql.nodes import page_rows as _rows
from api.graphql.permissions import needs
from api.graphql.relay import Connection, decode_id, global_id, paginate, search_text
from models.asking import queries
from models.asking.in_app import serve_in_app_asks
from models.asking.selection import approve_held_ask
from models.core.pagination import PageRequest


@node_kind("asks:read", lambda actor, ids: queries.touches_by_id(actor, ids))
@strawberry.type(name="AskTouch",
                 description="One mail of an ask: the first send (sequence 0) or a follow-up.")
class AskTouchType(Node):
    sequence: int = strawberry.field(description="0 is the first send, then each follow-up.")
    status: TouchStatus
    scheduled_at: dt.datetime
    sent_at: dt.datetime | None
    message_id: str = strawberry.field(description="The mail's Message-ID header, as sent.")
    subject: str
    failure_reason: str = strawberry.field(description="Why it failed or was cancelled, else empty.")
    attempts: int

    @strawberry.field
    def ask_id(self) -> strawberry.ID:
        return global_id("Ask", self.ask)  # type: ignore[attr-defined,return-value]


@strawberry.type(name="AskClick", description="A hit on one of an ask's tracked links.")
class AskClickType:
    at: dt.datetime
    method: str
    counted: bool = strawberry.field(
        description="Counted as a person's click; false for link scanners, prefetches and repeats.")
    reason: str = strawberry.field(description="Why it was not counted; empty when counted.")
    user_agent: str

    @strawberry.field
    def touch_id(self) -> strawberry.ID:
        return global_id("AskTouch", self.touch)  # type: ignore[attr-defined,return-value]


@node_kind("asks:read", lambda actor, ids: _rows(
    queries.list_asks(actor, queries.AskFilter(), PageRequest.only(ids))))
@strawberry.type(name="Ask",
                 description="One customer asked by one campaign to review on one platform.")
class AskType(Node):
    channel: Channel
    status: AskStatus
    routing_reason: str = strawberry.field(description="Why this platform was chosen.")
    platform_key: str | None = strawberry.field(description="Null while held or deferred.")
    planned_at: dt.datetime
    clicked_at: dt.datetime | None
    reviewed_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @strawberry.field
    def campaign_id(self) -> strawberry.ID:
        return global_id("Campaign", self.campaign)  # type: ignore[attr-defined,return-value]

    @strawberry.field
    def customer_id(self) -> strawberry.ID:
        return global_id("Customer", self.customer)  # type: ignore[attr-defined,return-value]

    @strawberry.field
    def product_id(self) -> strawberry.ID:
        return global_id("Product", self.product)  # type: ignore[attr-defined,return-value]

    @strawberry.field(description="The platform profile asked for; null while held or deferred.")
    def profile_id(self) -> strawberry.ID | None:
        return global_id("PlatformProfile", self.profile)  # type: ignore[attr-defined,return-value]

    @strawberry.field(description="The signal that caused the ask; null for one-off campaigns.")
    def signal_id(self) -> strawberry.ID | None:
        return global_id("Signal", self.signal)  # type: ignore[attr-defined,return-value]

    @strawberry.field(description="The selection run that chose this customer (its audit).")
    def selection_run_id(self) -> strawberry.ID | None:
        return global_id("SelectionRun", self.selection_run)  # type: ignore[attr-defined,return-value]

    @strawberry.field(permission_classes=[needs("customers:read")])
    async def customer(self, info: Info) -> Annotated[
            CustomerType, strawberry.lazy("api.people.customers")] | None:  # noqa: F821
        return await info.context.loaders.customer.load(self.customer)  # type: ignore[attr-defined]

    @strawberry.field(permission_classes=[needs("signals:read")])
    async def signal(self, info: Info) -> Annotated[
            SignalType, strawberry.lazy("api.people.signals")] | None:  # noqa: F821
        if self.signal is None:  # type: ignore[attr-defined]
            return None
        return await info.context.loaders.signal.load(self.signal)  # type: ignore[attr-defined]

    @strawberry.field(description="The first send, then each follow-up.")
    async def touches(self, info: Info) -> list[AskTouchType]:
        return await info.context.loaders.ask_touches.load(self.id)  # type: ignore[attr-defined]

    @strawberry.field(description=f"Hits on the ask's tracked links, oldest first (the latest "
                                  f"{queries.MAX_CLICKS_PER_ASK}), counted or not.")
    async def clicks(self, info: Info) -> list[AskClickType]:
        return await info.context.loaders.ask_clicks.load(self.id)  # type: ignore[attr-defined]


@strawberry.input
class AskFilter:
    campaign_id: strawberry.ID | None = None
    customer_id: strawberry.ID | None = None
    status: list[AskStatus] | None = strawberry.field(default=None, description="Any of these.")
    platform: str | None = strawberry.field(default=None, description="A platform key, e.g. g2.")
    channel: Channel | None = None
    since: dt.datetime | None = strawberry.field(default=None, description="Planned at or after.")


@strawberry.type(name="InAppAsk", description="A review ask to show inside the product.")
class InAppAskType:
    ask_id: strawberry.ID
    platform: str
    link: str = strawberry.field(description="Tracked link; redirects to the platform's review form.")
    served_at: dt.datetime


ApproveHeldAskError = user_error_type("ApproveHeldAsk", ["NOT_FOUND", "NOT_HELD", "NOT_ROUTABLE"])


@strawberry.type
class ApproveHeldAskPayload:
    ask_id: strawberry.ID | None
    user_errors: list[ApproveHeldAskError]  # type: ignore[valid-type]


@strawberry.type
class AskQueries:
    @strawberry.field(permission_classes=[needs("asks:read")],
                      description="Asks, oldest first: routing, the signal, touches and clicks.")
    async def asks(self, info: Info, first: int | None = None, after: str | None = None,
                   last: int | None = None, before: str | None = None,
                   filter: AskFilter | None = None) -> Connection[AskType]:
        flt = filter or AskFilter()
        domain_filter = queries.AskFilter(
            campaign_id=decode_id(flt.campaign_id, "filter.campaignId", "Campaign"),
            customer_id=decode_id(flt.customer_id, "filter.customerId", "Customer"),
            statuses=tuple(s.value for s in flt.status) if flt.status else None,
            platform_key=search_text(flt.platform, "filter.platform"),
            channel=flt.channel.value if flt.channel else None, since=flt.since)
        actor = info.context.actor
        page = await paginate(lambda page: queries.list_asks(actor, domain_filter, page),
                              first, after, last, before)
        return Connection.from_page(page)

    @strawberry.field(permission_classes=[needs("asks:read")],
                      description="Due in-app asks of one customer; poll it when they sign in. "
                                  "The first serve counts as the ask's send.")
    async def in_app_asks(self, info: Info, customer_external_id: str,
                          product_id: strawberry.ID | None = None) -> list[InAppAskType]:
        asks = await serve_in_app_asks(info.context.actor, decode_id(product_id, "productId", "Product"),
                                       customer_external_id)
        return [InAppAskType(ask_id=global_id("Ask", a.ask_id), platform=a.platform, link=a.link,
                             served_at=a.served_at) for a in asks]


@strawberry.type
class AskMutations:
    @strawberry.mutation(permission_classes=[needs("campaigns:write")],
                         description="A human approves an ask held for a notable customer.")
    async def approve_held_ask(self, info: Info, ask_id: strawberry.ID) -> ApproveHeldAskPayload:
        outcome = await approve_held_ask(info.context.actor, decode_id(ask_id, "askId", "Ask"))
        return ApproveHeldAskPayload(ask_id=global_id("Ask", outcome.value),
                                     user_errors=map_errors(ApproveHeldAskError, outcome.errors))
