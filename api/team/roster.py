"""The team roster over GraphQL (`team:read`, `team:write`); rules: models/team/roster.py."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

from api.graphql.errors import map_errors, user_error_type
from api.graphql.nodes import Node, node_kind
from api.graphql.nodes import page_rows as _rows
from api.graphql.permissions import needs
from api.graphql.relay import Connection, decode_id, global_id, paginate
from api.people.customers import LocaleEnum
from models.core.pagination import PageRequest
from models.team import roster as domain


@node_kind("team:read", lambda actor, ids: _rows(
    domain.list_members(actor, domain.MemberFilter(), PageRequest.only(ids))))
@strawberry.type(name="TeamMember", description="Someone customers may name: support, success, sales, "
                                                "a sender.")
class TeamMemberType(Node):
    name: str
    aliases: list[str] = strawberry.field(description="First names they go by.")
    role: str
    email: str
    active: bool
    created_at: dt.datetime

    @strawberry.field
    def locale(self) -> LocaleEnum:
        return LocaleEnum(self.locale if self.locale in ("en", "fr") else "en")  # type: ignore[attr-defined]

    @strawberry.field
    def product_id(self) -> strawberry.ID:
        return global_id("Product", self.product)  # type: ignore[attr-defined,return-value]

    @strawberry.field(description="The sender they are, when they joined as one.")
    def sender_id(self) -> strawberry.ID | None:
        return global_id("Sender", self.sender)  # type: ignore[attr-defined,return-value]


@strawberry.input
class TeamMemberInput:
    product_id: strawberry.ID | None = strawberry.field(default=None, description="To add a member.")
    name: str | None = None
    aliases: list[str] | None = None
    role: str | None = None
    email: str | None = None
    locale: LocaleEnum | None = None
    active: bool | None = None


SaveTeamMemberError = user_error_type("SaveTeamMember", [
    "NOT_FOUND", "NAME_REQUIRED", "TOO_LONG", "INVALID_EMAIL", "INVALID_ALIAS", "INVALID_LOCALE",
    "EMAIL_TAKEN"])


@strawberry.type
class SaveTeamMemberPayload:
    member: TeamMemberType | None
    user_errors: list[SaveTeamMemberError]  # type: ignore[valid-type]


@strawberry.type
class RosterQueries:
    @strawberry.field(permission_classes=[needs("team:read")], description="The roster, oldest first.")
    async def team_members(self, info: Info, product_id: strawberry.ID | None = None,
                           active: bool | None = None, first: int | None = None, after: str | None = None,
                           last: int | None = None, before: str | None = None) -> Connection[TeamMemberType]:
        flt = domain.MemberFilter(decode_id(product_id, "productId", "Product"), active)
        actor = info.context.actor
        page = await paginate(lambda page: domain.list_members(actor, flt, page), first, after, last, before)
        return Connection.from_page(page)


@strawberry.type
class RosterMutations:
    @strawberry.mutation(permission_classes=[needs("team:write")],
                         description="Add a team member (give productId) or change one (give id).")
    async def save_team_member(self, info: Info, input: TeamMemberInput,
                               id: strawberry.ID | None = None) -> SaveTeamMemberPayload:
        data = {"name": input.name, "aliases": input.aliases, "role": input.role, "email": input.email,
                "locale": input.locale.value if input.locale else None, "active": input.active}
        outcome = await domain.save_member(info.context.actor, decode_id(id, "id", "TeamMember"), data,
                                           decode_id(input.product_id, "input.productId", "Product"))
        return SaveTeamMemberPayload(member=outcome.value,
                                     user_errors=map_errors(SaveTeamMemberError, outcome.errors))
