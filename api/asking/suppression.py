"""Suppression over GraphQL: a partner's mail system reports bounces, complaints and requests."""

from __future__ import annotations

from enum import Enum

import strawberry
from strawberry.types import Info

from api.graphql.errors import map_errors, user_error_type
from api.graphql.permissions import needs
from api.graphql.relay import decode_id, global_id
from models.asking import suppression as domain


@strawberry.enum(description="Why an address stops receiving asks.")
class SuppressionReason(Enum):
    BOUNCE = "bounce"
    COMPLAINT = "complaint"
    REQUEST = "request"


SuppressAddressError = user_error_type("SuppressAddress", [
    "INVALID_EMAIL", "PRODUCT_FORBIDDEN", "UNKNOWN_REASON"])
LiftSuppressionError = user_error_type("LiftSuppression", [
    "INVALID_EMAIL", "PRODUCT_FORBIDDEN", "PERSON_DECIDED"])


@strawberry.type
class SuppressionPayload:
    customer_ids: list[strawberry.ID] = strawberry.field(
        description="The customers with this address whose status changed (none: nothing to do).")
    asks_closed: int


@strawberry.type
class SuppressAddressPayload(SuppressionPayload):
    user_errors: list[SuppressAddressError]  # type: ignore[valid-type]


@strawberry.type
class LiftSuppressionPayload(SuppressionPayload):
    user_errors: list[LiftSuppressionError]  # type: ignore[valid-type]


def _fields(outcome) -> dict:
    done = outcome.value
    return {"customer_ids": [global_id("Customer", i) for i in done.customer_ids] if done else [],
            "asks_closed": done.asks_closed if done else 0}


@strawberry.type
class SuppressionMutations:
    @strawberry.mutation(permission_classes=[needs("customers:write")],
                         description="Stop asking an address (every customer with it in the token's "
                                     "product, or in every product): its open asks close now.")
    async def suppress_address(self, info: Info, email: str, reason: SuppressionReason,
                               product_id: strawberry.ID | None = None) -> SuppressAddressPayload:
        outcome = await domain.suppress_address(info.context.actor, email, reason.value,
                                                decode_id(product_id, "productId", "Product"))
        return SuppressAddressPayload(**_fields(outcome),
                                      user_errors=map_errors(SuppressAddressError, outcome.errors))

    @strawberry.mutation(permission_classes=[needs("customers:write")],
                         description="Lift a bounce (the mailbox works again). A complaint or a "
                                     "request came from the person: only they undo it.")
    async def lift_suppression(self, info: Info, email: str,
                               product_id: strawberry.ID | None = None) -> LiftSuppressionPayload:
        outcome = await domain.lift_suppression(info.context.actor, email,
                                                decode_id(product_id, "productId", "Product"))
        return LiftSuppressionPayload(**_fields(outcome),
                                      user_errors=map_errors(LiftSuppressionError, outcome.errors))
