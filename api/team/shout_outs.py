"""Shout-outs over GraphQL (`team:read`): who customers named, how, and the monthly counts for the
recognition programme. Rules: models/team/shout_outs.py."""

from __future__ import annotations

import datetime as dt
from enum import Enum

import strawberry
from strawberry.types import Info

from api.graphql.nodes import Node, node_kind
from api.graphql.nodes import page_rows as _rows
from api.graphql.permissions import needs
from api.graphql.relay import ArgumentError, Connection, decode_id, global_id, paginate
from api.team.roster import TeamMemberType
from models.core.pagination import PageRequest
from models.team import shout_outs as domain


@strawberry.enum(description="How the customer spoke of the person: only POSITIVE reaches them.")
class Polarity(Enum):
    POSITIVE = "positive"
    NEGATIVE = "negative"
    NEUTRAL = "neutral"


@strawberry.enum
class ShoutOutSource(Enum):
    REVIEW = "review"
    PRAISE = "praise"


@strawberry.enum(description="Who was told: the MEMBER (by mail), or the customer's ACCOUNT_OWNER "
                             "(a task, and a mail when their address is known) — never the person "
                             "for a negative mention.")
class ShoutOutRoute(Enum):
    MEMBER = "member"
    ACCOUNT_OWNER = "account_owner"


@node_kind("team:read", lambda actor, ids: _rows(
    domain.list_shout_outs(actor, domain.ShoutOutFilter(), PageRequest.only(ids))))
@strawberry.type(name="ShoutOut", description="A team member named in a review or in captured praise.")
class ShoutOutType(Node):
    written: str = strawberry.field(description="The name as the customer wrote it.")
    words: str = strawberry.field(description="The sentence that names them, verbatim.")
    mailed_at: dt.datetime | None
    created_at: dt.datetime

    @strawberry.field
    def polarity(self) -> Polarity:
        return Polarity(self.polarity)  # type: ignore[attr-defined]

    @strawberry.field
    def source(self) -> ShoutOutSource:
        return ShoutOutSource(self.source)  # type: ignore[attr-defined]

    @strawberry.field
    def routed_to(self) -> ShoutOutRoute:
        return ShoutOutRoute(self.routed_to)  # type: ignore[attr-defined]

    @strawberry.field
    def product_id(self) -> strawberry.ID:
        return global_id("Product", self.product)  # type: ignore[attr-defined,return-value]

    @strawberry.field
    def review_id(self) -> strawberry.ID | None:
        return global_id("Review", self.review)  # type: ignore[attr-defined,return-value]

    @strawberry.field
    def quote_id(self) -> strawberry.ID | None:
        return global_id("Quote", self.quote)  # type: ignore[attr-defined,return-value]

    @strawberry.field
    async def member(self, info: Info) -> TeamMemberType | None:
        return await info.context.loaders.team_member.load(self.member)  # type: ignore[attr-defined]


@strawberry.type(description="One member's shout-outs in one calendar month (UTC).")
class ShoutOutMonth:
    month: str = strawberry.field(description="YYYY-MM")
    member_id: strawberry.ID
    member_name: str
    positive: int
    negative: int
    neutral: int


MAX_RANGE_DAYS = 3 * 366


@strawberry.type
class ShoutOutQueries:
    @strawberry.field(permission_classes=[needs("team:read")],
                      description="Shout-outs, oldest first: for one member, since a moment, of one "
                                  "polarity.")
    async def shout_outs(self, info: Info, product_id: strawberry.ID | None = None,
                         member: strawberry.ID | None = None, since: dt.datetime | None = None,
                         polarity: Polarity | None = None, first: int | None = None,
                         after: str | None = None, last: int | None = None,
                         before: str | None = None) -> Connection[ShoutOutType]:
        flt = domain.ShoutOutFilter(decode_id(product_id, "productId", "Product"),
                                    decode_id(member, "member", "TeamMember"), since,
                                    polarity.value if polarity else None)
        actor = info.context.actor
        page = await paginate(lambda page: domain.list_shout_outs(actor, flt, page), first, after, last,
                              before)
        return Connection.from_page(page)

    @strawberry.field(permission_classes=[needs("team:read")],
                      description="Shout-outs per member and month, for the recognition programme "
                                  "(at most three years).")
    async def shout_out_counts(self, info: Info, product_id: strawberry.ID, since: dt.date,
                               until: dt.date) -> list[ShoutOutMonth]:
        if not 0 <= (until - since).days <= MAX_RANGE_DAYS:
            raise ArgumentError("`until` is on or after `since`, at most three years later.")
        rows = await domain.monthly_counts(info.context.actor, decode_id(product_id, "productId", "Product"),
                                           since, until)
        return [ShoutOutMonth(month=r.month, member_id=global_id("TeamMember", r.member_id),
                              member_name=r.member_name, positive=r.positive, negative=r.negative,
                              neutral=r.neutral) for r in rows]
