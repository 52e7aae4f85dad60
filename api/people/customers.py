"""Customers over GraphQL: listing, single create/update, and the partner batch upsert."""

from __future__ import annotations

import datetime as dt
import json
from enum import Enum
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.graphql.errors import map_errors, user_error_type
from api.graphql.fast_inputs import built_directly
from api.graphql.nodes import Node, node_kind
from api.graphql.nodes import page_rows as _rows
from api.graphql.permissions import needs
from api.graphql.relay import ArgumentError, Connection, decode_id, global_id, paginate, search_text
from models.core.batches import BatchResult
from models.core.pagination import MAX_PAGE_SIZE, PageRequest
from models.people import customers as domain

MAX_NESTED_SIGNALS = 20


@strawberry.enum(name="Locale")
class LocaleEnum(Enum):
    EN = "en"
    FR = "fr"


@strawberry.enum
class EmailStatus(Enum):
    OK = "ok"
    BOUNCED = "bounced"
    UNSUBSCRIBED = "unsubscribed"
    COMPLAINED = "complained"
    ERASED = "erased"


@strawberry.enum
class BatchItemStatus(Enum):
    CREATED = "CREATED"
    UPDATED = "UPDATED"
    UNCHANGED = "UNCHANGED"
    DUPLICATE = "DUPLICATE"


@strawberry.type(description="A customer's handle on one network (for social-DM asks).")
class SocialHandle:
    network: str = strawberry.field(description="e.g. linkedin, x.")
    handle: str


@strawberry.input
class SocialHandleInput:
    network: str
    handle: str


@node_kind("customers:read",
           lambda actor, ids: _rows(
               domain.list_customers(actor, domain.CustomerFilter(), PageRequest.only(ids))))
@strawberry.type(name="Customer")
class CustomerType(Node):
    external_id: str
    email: str
    first_name: str
    last_name: str
    title: str
    company: str
    plan: str
    customer_since: dt.date | None
    country: str
    time_zone: str
    # Plain fields: the stored strings are the enums' values, so no resolver is needed.
    locale: LocaleEnum
    email_status: EmailStatus
    is_insider: bool
    is_notable: bool
    account_owner: str
    suppressed_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @strawberry.field
    def social_handles(self) -> list[SocialHandle]:
        stored = self.social_handles or {}  # type: ignore[attr-defined]
        if isinstance(stored, str):  # jsonb as selected without load_json
            stored = json.loads(stored)
        return [SocialHandle(network=k, handle=v) for k, v in sorted(stored.items())]

    @strawberry.field
    def product_id(self) -> strawberry.ID:
        return global_id("Product", self.product)  # type: ignore[attr-defined,return-value]

    @strawberry.field(permission_classes=[needs("signals:read")],
                      description="The most recent signals, newest first.")
    async def signals(self, info: Info, last: int = 5) -> list[
            Annotated[SignalType, strawberry.lazy("api.people.signals")]]:  # noqa: F821
        if not 0 <= last <= MAX_NESTED_SIGNALS:
            raise ArgumentError(f"`last` must be between 0 and {MAX_NESTED_SIGNALS}.")
        return await info.context.loaders.latest_signals.load((self.id, last))  # type: ignore[attr-defined]

    @strawberry.field(permission_classes=[needs("products:read")])
    async def product(self, info: Info) -> Annotated[
            ProductType, strawberry.lazy("api.catalogue.products")]:  # noqa: F821
        return await info.context.loaders.product.load(self.product)  # type: ignore[attr-defined]


@strawberry.input
class CustomerFilter:
    product_id: strawberry.ID | None = None
    plan: str | None = None
    country: str | None = None
    locale: LocaleEnum | None = None
    email: str | None = None
    search: str | None = strawberry.field(default=None,
                                          description="Matches name, company or email.")
    external_ids: list[str] | None = None
    suppressed: bool | None = None


@built_directly
@strawberry.input
class CustomerInput:
    external_id: str
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    title: str | None = None
    company: str | None = None
    plan: str | None = None
    customer_since: dt.date | None = None
    country: str | None = None
    locale: LocaleEnum | None = None
    time_zone: str | None = None
    social_handles: list[SocialHandleInput] | None = strawberry.field(
        default=None, description="Replaces the stored set; one per network.")
    is_insider: bool | None = None
    is_notable: bool | None = None
    account_owner: str | None = strawberry.field(
        default=None, description="Who owns the account (gets the 3-star outreach tasks).")


_ITEM_CODES = ["REQUIRED", "TOO_LONG", "INVALID_EMAIL", "INVALID_COUNTRY", "INVALID_LOCALE",
               "INVALID_TIME_ZONE", "IN_FUTURE", "DUPLICATE_IN_BATCH", "ERASED"]
_BATCH_CODES = ["PRODUCT_REQUIRED", "PRODUCT_FORBIDDEN", "BATCH_TOO_LARGE", "NOT_FOUND"]
UpsertCustomersError = user_error_type("UpsertCustomers", _ITEM_CODES + _BATCH_CODES)


@strawberry.type
class UpsertCustomerResult:
    index: int
    external_id: str
    status: BatchItemStatus
    customer_id: strawberry.ID


@strawberry.type
class UpsertCustomersPayload:
    results: list[UpsertCustomerResult]
    created_count: int
    updated_count: int
    unchanged_count: int
    user_errors: list[UpsertCustomersError]  # type: ignore[valid-type]


def customer_item(data: CustomerInput) -> dict:
    item = {name: getattr(data, name) for name in ("external_id", *domain.UPSERT_FIELDS)}
    if data.locale is not None:
        item["locale"] = data.locale.value
    if data.social_handles is not None:
        item["social_handles"] = {h.network.strip().lower(): h.handle.strip()
                                  for h in data.social_handles}
    return item


EraseCustomerError = user_error_type("EraseCustomer", ["NOT_FOUND", "ALREADY_ERASED"])


@strawberry.type
class EraseCustomerPayload:
    erased_id: strawberry.ID | None
    signals_cleared: int
    messages_cleared: int
    reviews_anonymised: int
    quotes_deleted: int
    tasks_deleted: int
    user_errors: list[EraseCustomerError]  # type: ignore[valid-type]


def batch_payload(result: BatchResult) -> UpsertCustomersPayload:
    return UpsertCustomersPayload(
        results=[UpsertCustomerResult(index=i.index, external_id=i.key,
                                      status=BatchItemStatus(i.status),
                                      customer_id=global_id("Customer", i.id))
                 for i in result.items],
        created_count=result.count("CREATED"), updated_count=result.count("UPDATED"),
        unchanged_count=result.count("UNCHANGED"),
        user_errors=map_errors(UpsertCustomersError, result.errors),
    )


@strawberry.type
class CustomerQueries:
    @strawberry.field(permission_classes=[needs("customers:read")])
    async def customers(self, info: Info, first: int | None = None, after: str | None = None,
                        last: int | None = None, before: str | None = None,
                        filter: CustomerFilter | None = None) -> Connection[CustomerType]:
        flt = filter or CustomerFilter()
        if flt.external_ids is not None and len(flt.external_ids) > MAX_PAGE_SIZE * 10:
            raise ArgumentError(f"`filter.externalIds` takes at most {MAX_PAGE_SIZE * 10} ids.")
        domain_filter = domain.CustomerFilter(
            product_id=decode_id(flt.product_id, "productId", "Product"), plan=flt.plan, country=flt.country,
            locale=flt.locale.value if flt.locale else None, email=flt.email,
            search=search_text(flt.search, "filter.search"),
            external_ids=flt.external_ids, suppressed=flt.suppressed)
        page = await paginate(
            lambda page: domain.list_customers(info.context.actor, domain_filter, page),
            first, after, last, before)
        return Connection.from_page(page)


@strawberry.type
class CustomerMutations:
    @strawberry.mutation(permission_classes=[needs("customers:write")],
                         description="Create or update up to 5,000 customers by external id, "
                                     "all or nothing. Omitted fields keep their stored value.")
    async def upsert_customers(self, info: Info, customers: list[CustomerInput],
                               product_id: strawberry.ID | None = None) -> UpsertCustomersPayload:
        result = await domain.upsert_customers(
            info.context.actor, decode_id(product_id, "productId", "Product"),
            [customer_item(c) for c in customers])
        return batch_payload(result)

    @strawberry.mutation(permission_classes=[needs("customers:write")],
                         description="Erase a customer's personal data everywhere, on their request; "
                                     "anonymised aggregates stay and the address is never stored again.")
    async def erase_customer(self, info: Info, id: strawberry.ID) -> EraseCustomerPayload:
        from models.people.erasure import erase_customer

        outcome = await erase_customer(info.context.actor, decode_id(id, "id", "Customer"))
        done = outcome.value
        return EraseCustomerPayload(
            erased_id=global_id("Customer", done.customer_id) if done else None,
            signals_cleared=done.signals if done else 0, messages_cleared=done.touches if done else 0,
            reviews_anonymised=done.reviews if done else 0, quotes_deleted=done.quotes if done else 0,
            tasks_deleted=done.tasks if done else 0,
            user_errors=map_errors(EraseCustomerError, outcome.errors))
