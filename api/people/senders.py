"""Senders over GraphQL."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

from api.graphql.errors import map_errors, user_error_type
from api.graphql.nodes import Node, node_kind
from api.graphql.nodes import page_rows as _rows
from api.graphql.permissions import needs
from api.graphql.relay import Connection, decode_id, global_id, paginate, search_text
from models.core.pagination import PageRequest
from models.people import senders as domain


@node_kind("senders:read", lambda actor, ids: _rows(domain.list_senders(actor, None, PageRequest.only(ids))))
@strawberry.type(name="Sender", description="A real team member asks are sent from.")
class SenderType(Node):
    name: str
    title: str
    email: str
    photo_url: str
    signature: str
    created_at: dt.datetime

    @strawberry.field(description="The product this sender belongs to; null: shared by all.")
    def product_id(self) -> strawberry.ID | None:
        return global_id("Product", self.product)  # type: ignore[attr-defined,return-value]


@strawberry.input
class SenderInput:
    name: str | None = None
    title: str | None = None
    email: str | None = None
    photo_url: str | None = None
    signature: str | None = None


SaveSenderError = user_error_type("SaveSender", ["NAME_REQUIRED", "INVALID_EMAIL", "EMAIL_TAKEN",
                                                 "NOT_FOUND", "PRODUCT_FORBIDDEN",
                                                 "INVALID_URL"])


@strawberry.type
class SaveSenderPayload:
    sender: SenderType | None
    user_errors: list[SaveSenderError]  # type: ignore[valid-type]


def _fields(data: SenderInput) -> dict:
    return {k: getattr(data, k) for k in ("name", "title", "email", "photo_url", "signature")}


@strawberry.type
class SenderQueries:
    @strawberry.field(permission_classes=[needs("senders:read")])
    async def senders(self, info: Info, first: int | None = None, after: str | None = None,
                      last: int | None = None, before: str | None = None,
                      search: str | None = None) -> Connection[SenderType]:
        actor, search = info.context.actor, search_text(search)
        page = await paginate(lambda page: domain.list_senders(actor, search, page),
        first, after, last, before)
        return Connection.from_page(page)


@strawberry.type
class SenderMutations:
    @strawberry.mutation(permission_classes=[needs("senders:write")])
    async def create_sender(self, info: Info, input: SenderInput,
                            product_id: strawberry.ID | None = None) -> SaveSenderPayload:
        """For one product, or shared by every product when `productId` is omitted (a token
        limited to a product always creates for its own)."""
        outcome = await domain.save_sender(info.context.actor, None, _fields(input),
                                           decode_id(product_id, "productId", "Product"))
        return SaveSenderPayload(sender=outcome.value,
                                 user_errors=map_errors(SaveSenderError, outcome.errors))

    @strawberry.mutation(permission_classes=[needs("senders:write")])
    async def update_sender(self, info: Info, id: strawberry.ID,
                            input: SenderInput) -> SaveSenderPayload:
        outcome = await domain.save_sender(info.context.actor, decode_id(id, "id", "Sender"), _fields(input))
        return SaveSenderPayload(sender=outcome.value,
                                 user_errors=map_errors(SaveSenderError, outcome.errors))
