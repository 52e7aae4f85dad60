"""Quotes over GraphQL: praise capture and the curation lifecycle, for a headless back office.
(The admin's curation desk calls the same domain functions.)"""

from __future__ import annotations

import datetime as dt
from enum import Enum

import strawberry
from strawberry.types import Info

from api.graphql.errors import map_errors, user_error_type
from api.graphql.nodes import Node, node_kind
from api.graphql.nodes import page_rows as _rows
from api.graphql.permissions import needs
from api.graphql.relay import Connection, decode_id, global_id, paginate
from api.quotes.showcase_cache import clear_local_caches
from models.core.pagination import PageRequest, Row
from models.core.results import Outcome
from models.quotes import consent, quotes
from models.quotes import queries as quote_queries


@strawberry.enum
class Placement(Enum):
    HOME_PAGE = "home_page"
    PRODUCT_PAGE = "product_page"
    EMAIL = "email"
    AD = "ad"
    SOCIAL = "social"


@strawberry.enum
class QuoteStatus(Enum):
    CANDIDATE = "candidate"
    CONSENT_REQUESTED = "consent_requested"
    APPROVED = "approved"
    PUBLISHED = "published"
    RETIRED = "retired"
    REJECTED = "rejected"


@strawberry.enum(description="The customer's answer for one placement.")
class ConsentState(Enum):
    REQUESTED = "requested"
    GRANTED = "granted"
    DECLINED = "declined"
    REVOKED = "revoked"


@strawberry.enum(description="REVIEW: from an imported review; PRAISE: captured with 'Can I quote you?'.")
class QuoteSource(Enum):
    REVIEW = "review"
    PRAISE = "praise"


@strawberry.type(name="QuoteConsent")
class QuoteConsentType:
    placement: Placement
    state: ConsentState
    requested_at: dt.datetime
    decided_at: dt.datetime | None
    published: bool


@node_kind("quotes:read",
           lambda actor, ids: _rows(quote_queries.list_quotes(actor, None, None, PageRequest.only(ids))),
           wrap=lambda row: _quote(row))
@strawberry.type(name="Quote")
class QuoteType(Node):
    source: QuoteSource
    text: str
    original_text: str
    attribution_name: str
    attribution_title: str
    attribution_company: str
    photo_url: str
    photo_permitted: bool
    incentive_disclosure: str
    insider: bool
    status: QuoteStatus
    position: int
    consent_requested_at: dt.datetime | None
    consent_requested_by: str
    approved_at: dt.datetime | None
    approved_by: str
    second_approved_at: dt.datetime | None
    second_approved_by: str
    published_at: dt.datetime | None
    published_by: str
    retired_at: dt.datetime | None
    retired_by: str
    rejected_at: dt.datetime | None
    rejected_by: str
    rejection_reason: str
    created_at: dt.datetime

    @strawberry.field
    def product_id(self) -> strawberry.ID:
        return global_id("Product", self.product)  # type: ignore[attr-defined,return-value]

    @strawberry.field
    def review_id(self) -> strawberry.ID | None:
        return global_id("Review", self.review)  # type: ignore[attr-defined,return-value]

    @strawberry.field
    def replaced_by_id(self) -> strawberry.ID | None:
        return global_id("Quote", self.replaced_by)  # type: ignore[attr-defined,return-value]

    @strawberry.field
    async def consents(self, info: Info) -> list[QuoteConsentType]:
        rows = await info.context.loaders.quote_consents.load(int(self.id))
        return [QuoteConsentType(placement=Placement(r["placement"]), state=ConsentState(r["state"]),
                                 requested_at=r["requested_at"], decided_at=r["decided_at"],
                                 published=r["published"]) for r in rows or []]


def _quote_id(value: strawberry.ID) -> int:
    return decode_id(value, "id", "Quote")  # type: ignore[return-value]


def _customer_id(value: strawberry.ID) -> int:
    return decode_id(value, "customerId", "Customer")  # type: ignore[return-value]


def _quote(row) -> Row:
    """A domain Quote (Table instance) or a listed row, as a node QuoteType resolves from."""
    node = Row(row.to_dict() if hasattr(row, "to_dict") else dict(vars(row)))
    node.status = QuoteStatus(node.status)
    return node


COMMON = ["NOT_FOUND", "WRONG_STATUS"]
CapturePraiseError = user_error_type("CapturePraise", ["NOT_FOUND", "TEXT_REQUIRED", "TOO_LONG",
                                                       "NOT_VERBATIM"])
ApproveQuoteError = user_error_type("ApproveQuote", [
    *COMMON, "SECOND_APPROVER_REQUIRED", "UNKNOWN_PLACEMENT", "PLACEMENTS_REQUIRED", "NO_EMAIL",
    "SUPPRESSED", "ALREADY_DECLINED", "ALREADY_GRANTED"])
RequestQuoteConsentError = user_error_type("RequestQuoteConsent", [
    *COMMON, "UNKNOWN_PLACEMENT", "PLACEMENTS_REQUIRED", "NO_EMAIL", "SUPPRESSED", "ALREADY_DECLINED",
    "ALREADY_GRANTED"])
PublishQuoteError = user_error_type("PublishQuote", [
    "NOT_FOUND", "NOT_APPROVED", "SECOND_APPROVER_REQUIRED", "CONSENT_MISSING", "UNKNOWN_PLACEMENT",
    "PLACEMENTS_REQUIRED"])
RetireQuoteError = user_error_type("RetireQuote", COMMON)
ReplaceQuoteError = user_error_type("ReplaceQuote", [
    "NOT_FOUND", "SAME_QUOTE", "NOT_LIVE", "NOT_APPROVED", "SECOND_APPROVER_REQUIRED",
    "CONSENT_MISSING", "UNKNOWN_PLACEMENT", "PLACEMENTS_REQUIRED", "WRONG_STATUS"])
RejectQuoteError = user_error_type("RejectQuote", COMMON)
MoveQuoteError = user_error_type("MoveQuote", ["NOT_FOUND", "INVALID_POSITION"])
EditQuoteError = user_error_type("EditQuote", ["NOT_FOUND", "CONSENT_ALREADY_ASKED", "TEXT_REQUIRED",
                                               "TOO_LONG", "NOT_VERBATIM", "INVALID_URL"])


def _payload(name: str, error_type: type) -> type:
    # Real annotations (not strings): the error type is local to this call.
    namespace = {"__annotations__": {"quote": QuoteType | None, "user_errors": list[error_type]}}
    return strawberry.type(type(f"{name}Payload", (), namespace), name=f"{name}Payload")


CapturePraisePayload = _payload("CapturePraise", CapturePraiseError)
ApproveQuotePayload = _payload("ApproveQuote", ApproveQuoteError)
RequestQuoteConsentPayload = _payload("RequestQuoteConsent", RequestQuoteConsentError)
PublishQuotePayload = _payload("PublishQuote", PublishQuoteError)
RetireQuotePayload = _payload("RetireQuote", RetireQuoteError)
ReplaceQuotePayload = _payload("ReplaceQuote", ReplaceQuoteError)
RejectQuotePayload = _payload("RejectQuote", RejectQuoteError)
MoveQuotePayload = _payload("MoveQuote", MoveQuoteError)
EditQuotePayload = _payload("EditQuote", EditQuoteError)


async def _after(info: Info, outcome: Outcome, payload: type, error_type: type):
    if outcome.ok:
        clear_local_caches()
    if outcome.ok and info.context.queue is not None:
        await info.context.queue.hand_over_pending()  # a consent request the step queued
    return payload(quote=_quote(outcome.value) if outcome.ok else None,
                   user_errors=map_errors(error_type, outcome.errors))


def _placements(values: list[Placement] | None) -> list[str] | None:
    return None if values is None else [p.value for p in values]


@strawberry.type
class QuoteQueries:
    @strawberry.field(permission_classes=[needs("quotes:read")])
    async def quotes(self, info: Info, first: int | None = None, after: str | None = None,
                     last: int | None = None, before: str | None = None,
                     product_id: strawberry.ID | None = None,
                     status: QuoteStatus | None = None) -> Connection[QuoteType]:
        pid = decode_id(product_id, "productId", "Product")
        page = await paginate(lambda page: quote_queries.list_quotes(
            info.context.actor, pid, status.value if status else None, page), first, after, last, before)
        page.rows = [_quote(r) for r in page.rows]
        return Connection.from_page(page)


@strawberry.type
class QuoteMutations:
    @strawberry.mutation(permission_classes=[needs("quotes:write")],
                         description="Praise a customer said to you ('Can I quote you?') becomes a "
                                     "quote candidate. It never triggers a review ask.")
    async def capture_praise(self, info: Info, customer_id: strawberry.ID,
                             text: str) -> CapturePraisePayload:  # type: ignore[valid-type]
        outcome = await quotes.capture_praise(info.context.actor, _customer_id(customer_id), text)
        return await _after(info, outcome, CapturePraisePayload, CapturePraiseError)

    @strawberry.mutation(permission_classes=[needs("quotes:write")],
                         description="Approve a candidate (a notable customer's needs two people). "
                                     "Asks the reviewer's consent for `placements` if not asked yet.")
    async def approve_quote(self, info: Info, id: strawberry.ID,
                            placements: list[Placement] | None = None
                            ) -> ApproveQuotePayload:  # type: ignore[valid-type]
        outcome = await quotes.approve_quote(info.context.actor, _quote_id(id), _placements(placements))
        return await _after(info, outcome, ApproveQuotePayload, ApproveQuoteError)

    @strawberry.mutation(permission_classes=[needs("quotes:write")])
    async def request_quote_consent(self, info: Info, id: strawberry.ID, placements: list[Placement]
                                    ) -> RequestQuoteConsentPayload:  # type: ignore[valid-type]
        outcome = await consent.request_consent(info.context.actor, _quote_id(id),
                                                _placements(placements))
        return await _after(info, outcome, RequestQuoteConsentPayload, RequestQuoteConsentError)

    @strawberry.mutation(permission_classes=[needs("quotes:write")])
    async def publish_quote(self, info: Info, id: strawberry.ID, placements: list[Placement]
                            ) -> PublishQuotePayload:  # type: ignore[valid-type]
        outcome = await quotes.publish_quote(info.context.actor, _quote_id(id), _placements(placements))
        return await _after(info, outcome, PublishQuotePayload, PublishQuoteError)

    @strawberry.mutation(permission_classes=[needs("quotes:write")])
    async def retire_quote(self, info: Info, id: strawberry.ID) -> RetireQuotePayload:  # type: ignore
        outcome = await quotes.retire_quote(info.context.actor, _quote_id(id))
        return await _after(info, outcome, RetireQuotePayload, RetireQuoteError)

    @strawberry.mutation(permission_classes=[needs("quotes:write")],
                         description="Publish `replacementId` where `id` is live, then retire `id`.")
    async def replace_quote(self, info: Info, id: strawberry.ID, replacement_id: strawberry.ID
                            ) -> ReplaceQuotePayload:  # type: ignore[valid-type]
        outcome = await quotes.replace_quote(info.context.actor, _quote_id(id),
                                             decode_id(replacement_id, "replacementId", "Quote"))
        return await _after(info, outcome, ReplaceQuotePayload, ReplaceQuoteError)

    @strawberry.mutation(permission_classes=[needs("quotes:write")])
    async def reject_quote(self, info: Info, id: strawberry.ID, reason: str = ""
                           ) -> RejectQuotePayload:  # type: ignore[valid-type]
        outcome = await quotes.reject_quote(info.context.actor, _quote_id(id), reason)
        return await _after(info, outcome, RejectQuotePayload, RejectQuoteError)

    @strawberry.mutation(permission_classes=[needs("quotes:write")])
    async def move_quote(self, info: Info, id: strawberry.ID, position: int
                         ) -> MoveQuotePayload:  # type: ignore[valid-type]
        outcome = await quotes.move_quote(info.context.actor, _quote_id(id), position)
        return await _after(info, outcome, MoveQuotePayload, MoveQuoteError)

    @strawberry.mutation(permission_classes=[needs("quotes:write")],
                         description="Trim (verbatim, cuts marked with …) or set a photo, before "
                                     "consent is asked.")
    async def edit_quote(self, info: Info, id: strawberry.ID, text: str | None = None,
                         photo_url: str | None = None) -> EditQuotePayload:  # type: ignore[valid-type]
        outcome = await quotes.edit_quote(info.context.actor, _quote_id(id), text, photo_url)
        return await _after(info, outcome, EditQuotePayload, EditQuoteError)
