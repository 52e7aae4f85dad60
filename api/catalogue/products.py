"""Products over GraphQL."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

from api.graphql.errors import map_errors, user_error_type
from api.graphql.nodes import Node, node_kind
from api.graphql.nodes import page_rows as _rows
from api.graphql.permissions import needs
from api.graphql.relay import Connection, decode_id, paginate
from models.catalogue import products as domain
from models.core.pagination import PageRequest


@node_kind("products:read",
           lambda actor, ids: _rows(domain.list_products(actor, None, PageRequest.only(ids))))
@strawberry.type(name="Product")
class ProductType(Node):
    slug: str
    name: str
    website: str
    brand_color: str
    created_at: dt.datetime


@strawberry.input
class ProductInput:
    slug: str | None = None
    name: str | None = None
    website: str | None = None
    brand_color: str | None = None


CreateProductError = user_error_type(
    "CreateProduct", ["INVALID_SLUG", "NAME_REQUIRED", "INVALID_COLOR", "SLUG_TAKEN",
                      "PRODUCT_FORBIDDEN", "INVALID_URL"])
UpdateProductError = user_error_type(
    "UpdateProduct", ["INVALID_SLUG", "NAME_REQUIRED", "INVALID_COLOR", "SLUG_TAKEN", "NOT_FOUND",
                      "PRODUCT_FORBIDDEN", "INVALID_URL"])


@strawberry.type
class CreateProductPayload:
    product: ProductType | None
    user_errors: list[CreateProductError]  # type: ignore[valid-type]


@strawberry.type
class UpdateProductPayload:
    product: ProductType | None
    user_errors: list[UpdateProductError]  # type: ignore[valid-type]


def _fields(data: ProductInput) -> dict:
    return {"slug": data.slug, "name": data.name, "website": data.website,
            "brand_color": data.brand_color}


@strawberry.type
class ProductQueries:
    @strawberry.field(permission_classes=[needs("products:read")])
    async def products(self, info: Info, first: int | None = None, after: str | None = None,
                       last: int | None = None, before: str | None = None,
                       slug: str | None = None) -> Connection[ProductType]:
        page = await paginate(lambda page: domain.list_products(info.context.actor, slug, page),
                              first, after, last, before)
        return Connection.from_page(page)


@strawberry.type
class ProductMutations:
    @strawberry.mutation(permission_classes=[needs("products:write")])
    async def create_product(self, info: Info, input: ProductInput) -> CreateProductPayload:
        outcome = await domain.create_product(info.context.actor, _fields(input))
        return CreateProductPayload(product=outcome.value,
                                    user_errors=map_errors(CreateProductError, outcome.errors))

    @strawberry.mutation(permission_classes=[needs("products:write")])
    async def update_product(self, info: Info, id: strawberry.ID,
                             input: ProductInput) -> UpdateProductPayload:
        product_id = decode_id(id, "id", "Product")
        outcome = await domain.update_product(info.context.actor, product_id, _fields(input))
        return UpdateProductPayload(product=outcome.value,
                                    user_errors=map_errors(UpdateProductError, outcome.errors))
