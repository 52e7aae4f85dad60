"""Reviews over GraphQL: batch import, the inbox list, themes over time, ratings by month."""

from __future__ import annotations

import datetime as dt
from enum import Enum

import strawberry
from strawberry.types import Info

from api.graphql.errors import map_errors, user_error_type
from api.graphql.fast_inputs import built_directly
from api.graphql.nodes import Node, node_kind
from api.graphql.nodes import page_rows as _rows
from api.graphql.permissions import needs
from api.graphql.relay import Connection, decode_id, global_id, paginate
from api.people.customers import BatchItemStatus
from models.core.pagination import PageRequest
from models.reviews import queries as queries
from models.reviews.intake import import_reviews


@strawberry.enum(description="Where a review goes: PRAISE (4–5★, quote candidates), OUTREACH (3★, "
                             "a personal follow-up) or IMPROVE (1–2★, an improvement record).")
class ReviewLane(Enum):
    PRAISE = "praise"
    OUTREACH = "outreach"
    IMPROVE = "improve"


@strawberry.enum(description="PRAISE: what reviewers like (pros); ASK: what they ask for (cons).")
class ThemeKind(Enum):
    PRAISE = "praise"
    ASK = "ask"


@strawberry.type(description="Sub-ratings, on the platform's own scale, where it shows them.")
class ReviewSubRatings:
    ease_of_use: float | None
    features: float | None
    customer_support: float | None
    value_for_money: float | None


@strawberry.input
class ReviewSubRatingsInput:
    ease_of_use: float | None = None
    features: float | None = None
    customer_support: float | None = None
    value_for_money: float | None = None


@strawberry.type(description="The themes found in a review (models/reviews/themes.py).")
class ReviewThemes:
    praise: list[str] = strawberry.field(description="What the reviewer likes (from the pros).")
    ask: list[str] = strawberry.field(description="What the reviewer asks for (from the cons).")


SUB_RATINGS = ("ease_of_use", "features", "customer_support", "value_for_money")


@node_kind("reviews:read",
           lambda actor, ids: _rows(
               queries.list_reviews(actor, queries.ReviewFilter(), PageRequest.only(ids))))
@strawberry.type(name="Review")
class ReviewType(Node):
    platform_key: str
    external_id: str
    rating: float = strawberry.field(description="Out of 5.")
    original_rating: float
    original_scale: int
    title: str
    pros: str
    cons: str
    body: str
    reviewer_name: str
    reviewer_title: str
    reviewer_company: str
    reviewed_on: dt.date
    language: str
    url: str
    incentivized: bool
    insider: bool
    lane: ReviewLane
    match_confidence: float
    match_reason: str

    @strawberry.field
    def sub_ratings(self) -> ReviewSubRatings:
        stored = self.sub_ratings or {}  # type: ignore[attr-defined]
        return ReviewSubRatings(**{k: stored.get(k) for k in SUB_RATINGS})

    @strawberry.field
    def themes(self) -> ReviewThemes:
        stored = self.themes or {}  # type: ignore[attr-defined]
        return ReviewThemes(praise=list(stored.get("praise") or []), ask=list(stored.get("ask") or []))

    @strawberry.field
    def customer_id(self) -> strawberry.ID | None:
        return global_id("Customer", self.customer)  # type: ignore[attr-defined,return-value]

    @strawberry.field
    def ask_id(self) -> strawberry.ID | None:
        return global_id("Ask", self.ask)  # type: ignore[attr-defined,return-value]


@built_directly
@strawberry.input
class ReviewInput:
    platform: str = strawberry.field(description="Platform key, e.g. capterra, g2, trustradius.")
    external_id: str
    rating: float = strawberry.field(description="On the platform's own scale.")
    reviewed_on: dt.date
    scale: int | None = None
    sub_ratings: ReviewSubRatingsInput | None = strawberry.field(
        default=None, description="On the platform's own scale, like the rating.")
    title: str | None = None
    pros: str | None = None
    cons: str | None = None
    body: str | None = None
    reviewer_name: str | None = None
    reviewer_title: str | None = None
    reviewer_company: str | None = None
    reviewer_email: str | None = None
    language: str | None = None
    url: str | None = None
    incentivized: bool = False
    insider: bool = False
    ask_token: str | None = strawberry.field(default=None,
                                             description="Plaudit's tracked-link token, if known.")


ImportReviewsError = user_error_type("ImportReviews", [
    "PRODUCT_REQUIRED", "PRODUCT_FORBIDDEN", "BATCH_TOO_LARGE", "NOT_FOUND", "UNKNOWN_PLATFORM",
    "REQUIRED", "INVALID_RATING", "IN_FUTURE", "DUPLICATE_IN_BATCH", "INVALID_TEXT",
    "INVALID_URL", "TOO_LONG"])


@strawberry.type
class ImportReviewResult:
    index: int
    external_id: str
    status: BatchItemStatus
    review_id: strawberry.ID


@strawberry.type
class ImportReviewsPayload:
    results: list[ImportReviewResult]
    created_count: int
    duplicate_count: int
    skipped: list[ImportReviewsError] = strawberry.field(  # type: ignore[valid-type]
        description="With skipInvalid: the items left out, and why.")
    user_errors: list[ImportReviewsError]  # type: ignore[valid-type]


@strawberry.type(name="ThemeCount")
class ThemeCountType:
    month: dt.date
    kind: ThemeKind
    theme: str
    reviews: int


@strawberry.type(name="MonthRating")
class MonthRatingType:
    month: dt.date
    average: float
    reviews: int


@strawberry.input
class ReviewFilter:
    product_id: strawberry.ID | None = None
    platform: str | None = None
    lane: ReviewLane | None = None
    since: dt.date | None = None
    min_rating: float | None = None
    max_rating: float | None = None


def review_item(data: ReviewInput) -> dict:
    return {
        "platform_key": data.platform, "external_id": data.external_id,
        "original_rating": data.rating, "original_scale": data.scale,
        "sub_ratings": {k: getattr(data.sub_ratings, k) for k in SUB_RATINGS
                        if getattr(data.sub_ratings, k) is not None} if data.sub_ratings else {},
        **{k: getattr(data, k) or "" for k in ("title", "pros", "cons", "body", "reviewer_name",
                                                "reviewer_title", "reviewer_company", "reviewer_email",
                                                "language", "url", "ask_token")},
        "reviewed_on": data.reviewed_on, "incentivized": data.incentivized, "insider": data.insider,
    }


def import_payload(result) -> ImportReviewsPayload:
    return ImportReviewsPayload(
        results=[ImportReviewResult(index=i.index, external_id=i.key, status=BatchItemStatus(i.status),
                                    review_id=global_id("Review", i.id)) for i in result.items],
        created_count=result.count("CREATED"), duplicate_count=result.count("DUPLICATE"),
        skipped=map_errors(ImportReviewsError, result.skipped),
        user_errors=map_errors(ImportReviewsError, result.errors))


@strawberry.type
class ReviewQueries:
    @strawberry.field(permission_classes=[needs("reviews:read")])
    async def reviews(self, info: Info, first: int | None = None, after: str | None = None,
                      last: int | None = None, before: str | None = None,
                      filter: ReviewFilter | None = None) -> Connection[ReviewType]:
        flt = filter or ReviewFilter()
        domain_filter = queries.ReviewFilter(
            product_id=decode_id(flt.product_id, "productId", "Product"), platform_key=flt.platform,
            lane=flt.lane.value if flt.lane else None, since=flt.since, min_rating=flt.min_rating,
            max_rating=flt.max_rating)
        page = await paginate(lambda page: queries.list_reviews(info.context.actor, domain_filter, page),
                              first, after, last, before)
        return Connection.from_page(page)

    @strawberry.field(permission_classes=[needs("reviews:read")],
                      description="What reviewers praise (pros) and ask for (cons), per month.")
    async def review_themes(self, info: Info, product_id: strawberry.ID, lane: ReviewLane | None = None,
                            since: dt.date | None = None,
                            until: dt.date | None = None) -> list[ThemeCountType]:
        pid = decode_id(product_id, "productId", "Product")
        if not info.context.actor.may_touch_product(pid):
            return []
        rows = await queries.theme_counts(pid, lane.value if lane else None, since, until)
        return [ThemeCountType(**vars(r)) for r in rows]

    @strawberry.field(permission_classes=[needs("reviews:read")],
                      description="Average rating (out of 5) and review count per month.")
    async def ratings_by_month(self, info: Info, profile_id: strawberry.ID) -> list[MonthRatingType]:
        from models.catalogue.platforms import PlatformProfile

        pid = decode_id(profile_id, "profileId", "PlatformProfile")
        profile = await PlatformProfile.select(PlatformProfile.product).where(
            PlatformProfile.id == pid).first()
        if profile is None or not info.context.actor.may_touch_product(profile["product"]):
            return []
        return [MonthRatingType(**vars(r)) for r in await queries.ratings_by_month(pid)]


@strawberry.type
class ReviewMutations:
    @strawberry.mutation(permission_classes=[needs("reviews:write")],
                         description="Import up to 5,000 reviews; idempotent on (platform, externalId). "
                                     "All or nothing unless skipInvalid.")
    async def import_reviews(self, info: Info, reviews: list[ReviewInput],
                             product_id: strawberry.ID | None = None,
                             skip_invalid: bool = False) -> ImportReviewsPayload:
        result = await import_reviews(info.context.actor, decode_id(product_id, "productId", "Product"),
                                      [review_item(r) for r in reviews], skip_invalid=skip_invalid)
        return import_payload(result)
