"""Asks over GraphQL: in-app asks for a frontend, and approving held asks."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

from api.graphql.errors import map_errors, user_error_type
from api.graphql.permissions import needs
from api.graphql.relay import decode_id
from models.asking.in_app import serve_in_app_asks
from models.asking.selection import approve_held_ask


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
                      description="Due in-app asks of one customer; poll it when they sign in. "
                                  "The first serve counts as the ask's send.")
    async def in_app_asks(self, info: Info, customer_external_id: str,
                          product_id: strawberry.ID | None = None) -> list[InAppAskType]:
        asks = await serve_in_app_asks(info.context.actor, decode_id(product_id, "productId"),
                                       customer_external_id)
        return [InAppAskType(ask_id=a.ask_id, platform=a.platform, link=a.link,
                             served_at=a.served_at) for a in asks]


@strawberry.type
class AskMutations:
    @strawberry.mutation(permission_classes=[needs("campaigns:write")],
                         description="A human approves an ask held for a notable customer.")
    async def approve_held_ask(self, info: Info, ask_id: strawberry.ID) -> ApproveHeldAskPayload:
        outcome = await approve_held_ask(info.context.actor, decode_id(ask_id, "askId"))
        return ApproveHeldAskPayload(ask_id=outcome.value,
                                     user_errors=map_errors(ApproveHeldAskError, outcome.errors))
