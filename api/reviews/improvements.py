"""Improvement records over GraphQL: what 1–2 star reviews teach, with their themes."""

from __future__ import annotations

import datetime as dt
import json
from enum import Enum
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.graphql.errors import map_errors, user_error_type
from api.graphql.nodes import Node, node_kind
from api.graphql.nodes import page_rows as _rows
from api.graphql.permissions import needs
from api.graphql.relay import Connection, decode_id, global_id, paginate, search_text
from models.core.pagination import PageRequest
from models.reviews import improvements as domain


@strawberry.enum(description="OPEN → PLANNED → DONE, or WONTFIX.")
class ImprovementStatus(Enum):
    OPEN = "open"
    PLANNED = "planned"
    DONE = "done"
    WONTFIX = "wontfix"


@node_kind("reviews:read", lambda actor, ids: _rows(
    domain.list_improvements(actor, domain.ImprovementFilter(), PageRequest.only(ids))))
@strawberry.type(name="Improvement",
                 description="What a 1–2 star review teaches the product team.")
class ImprovementType(Node):
    status: ImprovementStatus
    summary: str = strawberry.field(description="The review's cons (or body), to act on.")
    created_at: dt.datetime

    @strawberry.field(description="Theme keys of what the reviewer asks for (see reviewThemes).")
    def themes(self) -> list[str]:
        stored = self.themes  # type: ignore[attr-defined]
        return list(json.loads(stored) if isinstance(stored, str) else stored or [])

    @strawberry.field
    def review_id(self) -> strawberry.ID:
        return global_id("Review", self.review)  # type: ignore[attr-defined,return-value]

    @strawberry.field
    def product_id(self) -> strawberry.ID:
        return global_id("Product", self.product)  # type: ignore[attr-defined,return-value]

    @strawberry.field
    async def review(self, info: Info) -> Annotated[
            ReviewType, strawberry.lazy("api.reviews.reviews")] | None:  # noqa: F821
        return await info.context.loaders.review.load(self.review)  # type: ignore[attr-defined]


@strawberry.input
class ImprovementFilter:
    product_id: strawberry.ID | None = None
    status: list[ImprovementStatus] | None = strawberry.field(default=None, description="Any of these.")
    theme: str | None = strawberry.field(default=None, description="A theme key, e.g. reporting.")


UpdateImprovementError = user_error_type("UpdateImprovement", ["NOT_FOUND", "INVALID_STATUS",
                                                               "TOO_LONG"])


@strawberry.type
class UpdateImprovementPayload:
    improvement: ImprovementType | None
    user_errors: list[UpdateImprovementError]  # type: ignore[valid-type]


@strawberry.type
class ImprovementQueries:
    @strawberry.field(permission_classes=[needs("reviews:read")],
                      description="Improvement records, oldest first.")
    async def improvements(self, info: Info, first: int | None = None, after: str | None = None,
                           last: int | None = None, before: str | None = None,
                           filter: ImprovementFilter | None = None) -> Connection[ImprovementType]:
        flt = filter or ImprovementFilter()
        domain_filter = domain.ImprovementFilter(
            product_id=decode_id(flt.product_id, "filter.productId", "Product"),
            statuses=tuple(s.value for s in flt.status) if flt.status else None,
            theme=search_text(flt.theme, "filter.theme"))
        actor = info.context.actor
        page = await paginate(lambda page: domain.list_improvements(actor, domain_filter, page),
                              first, after, last, before)
        return Connection.from_page(page)


@strawberry.type
class ImprovementMutations:
    @strawberry.mutation(permission_classes=[needs("reviews:write")],
                         description="Plan, ship or decline an improvement; edit its summary.")
    async def update_improvement(self, info: Info, id: strawberry.ID,
                                 status: ImprovementStatus | None = None,
                                 summary: str | None = None) -> UpdateImprovementPayload:
        outcome = await domain.update_improvement(
            info.context.actor, decode_id(id, "id", "Improvement"),  # type: ignore[arg-type]
            status=status.value if status else None, summary=summary)
        return UpdateImprovementPayload(improvement=outcome.value,
                                        user_errors=map_errors(UpdateImprovementError, outcome.errors))
