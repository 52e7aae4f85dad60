"""API tokens over GraphQL (admin scope): list, create (secret shown once), revoke."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

from api.graphql.errors import map_errors, user_error_type
from api.graphql.nodes import Node, node_kind
from api.graphql.nodes import page_rows as _rows
from api.graphql.permissions import needs
from api.graphql.relay import Connection, decode_id, global_id, paginate
from models.access import tokens as domain
from models.core.pagination import PageRequest


@node_kind("admin", lambda actor, ids: _rows(domain.list_tokens(actor, PageRequest.only(ids))))
@strawberry.type(name="ApiToken")
class ApiTokenType(Node):
    name: str
    prefix: str
    scopes: list[str]
    created_by: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None = strawberry.field(description="Precise to the minute.")

    @strawberry.field
    def product_id(self) -> strawberry.ID | None:
        return global_id("Product", self.product)  # type: ignore[attr-defined,return-value]


CreateApiTokenError = user_error_type("CreateApiToken", [
    "FORBIDDEN", "NAME_REQUIRED", "UNKNOWN_SCOPE", "SCOPES_REQUIRED", "EXPIRY_IN_PAST", "NOT_FOUND",
    "PRODUCT_FORBIDDEN", "EXPIRY_BEYOND_OWN"])
RevokeApiTokenError = user_error_type("RevokeApiToken", ["FORBIDDEN", "NOT_FOUND"])


@strawberry.type
class CreateApiTokenPayload:
    token: ApiTokenType | None
    secret: str | None = strawberry.field(description="Shown this once; store it now.")
    signing_secret: str | None = strawberry.field(
        description="HMAC-SHA256 key for signing webhooks sent to Plaudit; shown once.")
    user_errors: list[CreateApiTokenError]  # type: ignore[valid-type]


@strawberry.type
class RevokeApiTokenPayload:
    token: ApiTokenType | None
    user_errors: list[RevokeApiTokenError]  # type: ignore[valid-type]


@strawberry.type
class TokenQueries:
    @strawberry.field(permission_classes=[needs("admin")])
    async def api_tokens(self, info: Info, first: int | None = None,
                         after: str | None = None, last: int | None = None,
                         before: str | None = None) -> Connection[ApiTokenType]:
        actor = info.context.actor
        page = await paginate(lambda page: domain.list_tokens(actor, page),
                              first, after, last, before)
        return Connection.from_page(page)


@strawberry.type
class TokenMutations:
    @strawberry.mutation(permission_classes=[needs("admin")])
    async def create_api_token(self, info: Info, name: str, scopes: list[str],
                               product_id: strawberry.ID | None = None,
                               expires_at: dt.datetime | None = None) -> CreateApiTokenPayload:
        outcome = await domain.create_token(info.context.actor, name, scopes,
                                            decode_id(product_id, "productId", "Product"), expires_at)
        issued = outcome.value
        return CreateApiTokenPayload(
            token=issued.token if issued else None, secret=issued.secret if issued else None,
            signing_secret=issued.signing_secret if issued else None,
            user_errors=map_errors(CreateApiTokenError, outcome.errors))

    @strawberry.mutation(permission_classes=[needs("admin")])
    async def revoke_api_token(self, info: Info, id: strawberry.ID) -> RevokeApiTokenPayload:
        outcome = await domain.revoke_token(info.context.actor, decode_id(id, "id", "ApiToken"))
        return RevokeApiTokenPayload(token=outcome.value,
                                     user_errors=map_errors(RevokeApiTokenError, outcome.errors))
