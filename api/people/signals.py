"""Signals over GraphQL: listing, the partner batch, on-demand tenure derivation."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Annotated

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from api.graphql.errors import map_errors, user_error_type
from api.graphql.fast_inputs import built_directly
from api.graphql.nodes import Node, node_kind
from api.graphql.nodes import page_rows as _rows
from api.graphql.permissions import needs
from api.graphql.relay import Connection, decode_id, global_id, paginate
from api.people.customers import BatchItemStatus
from models.core.pagination import PageRequest
from models.people import signals as domain

SignalKind = strawberry.enum(Enum("SignalKind", {k.upper(): k for k in domain.SIGNAL_KINDS}))


@node_kind("signals:read",
           lambda actor, ids: _rows(domain.list_signals(actor, domain.SignalFilter(), PageRequest.only(ids))))
@strawberry.type(name="Signal")
class SignalType(Node):
    kind: SignalKind  # type: ignore[valid-type]  (stored strings are the enum's values)
    source: str
    event_id: str
    occurred_at: dt.datetime
    nps_score: int | None
    note: str
    payload: JSON
    created_at: dt.datetime

    @strawberry.field
    def customer_id(self) -> strawberry.ID:
        return global_id("Customer", self.customer)  # type: ignore[attr-defined,return-value]

    @strawberry.field(permission_classes=[needs("customers:read")])
    async def customer(self, info: Info) -> Annotated[
            CustomerType, strawberry.lazy("api.people.customers")]:  # noqa: F821
        return await info.context.loaders.customer.load(self.customer)  # type: ignore[attr-defined]


@strawberry.input
class SignalFilter:
    customer_id: strawberry.ID | None = None
    kinds: list[SignalKind] | None = None  # type: ignore[valid-type]
    source: str | None = None
    since: dt.datetime | None = None


@built_directly
@strawberry.input
class SignalInput:
    source: str = strawberry.field(description="Who emits it, e.g. billing, zendesk, crm.")
    event_id: str = strawberry.field(description="The source's id; replays are ignored.")
    customer_external_id: str
    kind: SignalKind  # type: ignore[valid-type]
    occurred_at: dt.datetime
    nps_score: int | None = None
    note: str | None = None
    payload: JSON | None = None


RecordSignalsError = user_error_type("RecordSignals", [
    "REQUIRED", "TOO_LONG", "INVALID_KIND", "NPS_SCORE_REQUIRED", "NPS_SCORE_UNEXPECTED",
    "NPS_SCORE_RANGE", "TIME_ZONE_REQUIRED", "IN_FUTURE", "DUPLICATE_IN_BATCH", "UNKNOWN_CUSTOMER",
    "PRODUCT_REQUIRED", "PRODUCT_FORBIDDEN", "BATCH_TOO_LARGE", "NOT_FOUND"])


@strawberry.type
class RecordSignalResult:
    index: int
    event_id: str
    status: BatchItemStatus
    signal_id: strawberry.ID


@strawberry.type
class RecordSignalsPayload:
    results: list[RecordSignalResult]
    created_count: int
    duplicate_count: int
    user_errors: list[RecordSignalsError]  # type: ignore[valid-type]


DeriveTenureMilestonesError = user_error_type("DeriveTenureMilestones", ["FORBIDDEN"])


@strawberry.type
class DeriveTenureMilestonesPayload:
    queued: bool = strawberry.field(description="The derivation job is queued (see the outbox).")
    outbox_id: strawberry.ID | None
    user_errors: list[DeriveTenureMilestonesError]  # type: ignore[valid-type]


@strawberry.type
class SignalQueries:
    @strawberry.field(permission_classes=[needs("signals:read")])
    async def signals(self, info: Info, first: int | None = None, after: str | None = None,
                      last: int | None = None, before: str | None = None,
                      filter: SignalFilter | None = None) -> Connection[SignalType]:
        flt = filter or SignalFilter()
        domain_filter = domain.SignalFilter(
            customer_id=decode_id(flt.customer_id, "customerId", "Customer"),
            kinds=[k.value for k in flt.kinds] if flt.kinds else None,
            source=flt.source, since=flt.since)
        page = await paginate(
            lambda page: domain.list_signals(info.context.actor, domain_filter, page),
            first, after, last, before)
        return Connection.from_page(page)


@strawberry.type
class SignalMutations:
    @strawberry.mutation(permission_classes=[needs("signals:write")],
                         description="Record up to 5,000 lifecycle signals, all or nothing; "
                                     "a known (source, eventId) is reported as DUPLICATE.")
    async def record_signals(self, info: Info, signals: list[SignalInput],
                             product_id: strawberry.ID | None = None) -> RecordSignalsPayload:
        items = [{
            "source": s.source, "event_id": s.event_id,
            "customer_external_id": s.customer_external_id, "kind": s.kind.value,
            "occurred_at": s.occurred_at, "nps_score": s.nps_score, "note": s.note,
            "payload": s.payload,
        } for s in signals]
        product = decode_id(product_id, "productId", "Product")
        result = await domain.record_signals(info.context.actor, product, items)
        return RecordSignalsPayload(
            results=[RecordSignalResult(index=i.index, event_id=i.key,
                                        status=BatchItemStatus(i.status),
                                        signal_id=global_id("Signal", i.id))
                     for i in result.items],
            created_count=result.count("CREATED"), duplicate_count=result.count("DUPLICATE"),
            user_errors=map_errors(RecordSignalsError, result.errors))

    @strawberry.mutation(permission_classes=[needs("admin")],
                         description="Queue the tenure-milestone derivation now (it also runs daily).")
    async def derive_tenure_milestones(self, info: Info) -> DeriveTenureMilestonesPayload:
        outcome = await domain.request_tenure_derivation(info.context.actor, dt.date.today())
        if outcome.ok and info.context.queue is not None:
            await info.context.queue.hand_over([outcome.value])
        return DeriveTenureMilestonesPayload(
            queued=outcome.ok, outbox_id=outcome.value,
            user_errors=map_errors(DeriveTenureMilestonesError, outcome.errors))
