"""Review platforms (public catalogue) and platform profiles over GraphQL."""

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
from api.graphql.permissions import Public, needs
from api.graphql.relay import Connection, decode_id, global_id, paginate
from models.asking.attribution import tracking_for
from models.catalogue import platforms as domain
from models.catalogue.readings import ReadingFilter, list_readings
from models.core.pagination import PageRequest


@strawberry.enum(description="What a good profile on a review site carries.")
class ListingItem(Enum):
    FEATURES = "features"
    PRICING = "pricing"
    TRAINING = "training"
    SUPPORT = "support"
    FAQ = "faq"
    VIDEO = "video"
    SCREENSHOTS = "screenshots"
    CATEGORIES = "categories"


def listing_items(values) -> list[ListingItem]:
    return [ListingItem(v) for v in values or () if v in domain.LISTING_ITEMS]


@node_kind(None, lambda actor, ids: _rows(domain.list_platforms(None, None, PageRequest.only(ids))))
@strawberry.type(name="ReviewPlatform", description="A review site and the rules Plaudit follows there.")
class ReviewPlatformType(Node):
    key: str
    name: str
    website: str
    rating_scale: int
    sub_ratings: list[str]
    audience_regions: list[str]
    vendor_may_ask: bool = strawberry.field(description="False where the platform forbids asking.")
    incentives_allowed: bool
    incentive_disclosure: str
    review_pool: str = strawberry.field(description="Sister platforms share one pool of reviews.")
    freshness_days: int
    rules_note: str
    free_listing: bool = strawberry.field(description="A vendor can list a product here for free.")
    paid_placements: list[str] = strawberry.field(
        description="What a vendor can pay for here, e.g. ppc, lead_generation, sponsored.")

    @strawberry.field(description="What a complete profile carries on this platform.")
    def profile_fields(self) -> list[ListingItem]:
        return listing_items(self.profile_fields)  # type: ignore[attr-defined]


@node_kind("products:read",
           lambda actor, ids: _rows(list_readings(actor, None, ReadingFilter(), PageRequest.only(ids))))
@strawberry.type(name="RatingReading",
                 description="What the platform showed for a profile on a day (one per day).")
class RatingReadingType(Node):
    taken_on: dt.date
    average: float = strawberry.field(
        description="Out of 5, as every rating in Plaudit (8.7 on a platform rating out of 10 is 4.35).")
    review_count: int

    @strawberry.field
    def profile_id(self) -> strawberry.ID:
        return global_id("PlatformProfile", self.profile)  # type: ignore[attr-defined,return-value]


@strawberry.enum(description="How a review link names the ask, so the platform's export brings it "
                             "back: UTM parameters (G2's default), a reference parameter "
                             "(Trustpilot's), or nothing.")
class TrackingMode(Enum):
    UTM = "utm"
    REFERENCE = "reference"
    NONE = "none"


@strawberry.type
class ProfileTracking:
    mode: TrackingMode
    parameter: str | None = strawberry.field(description="REFERENCE: the parameter the platform reads.")


@strawberry.input
class ProfileTrackingInput:
    mode: TrackingMode
    parameter: str | None = None

    def stored(self) -> dict:
        return {"mode": self.mode.value, **({"parameter": self.parameter} if self.parameter else {})}


@node_kind("products:read",
           lambda actor, ids: _rows(domain.list_profiles(actor, None, None, PageRequest.only(ids))))
@strawberry.type(name="PlatformProfile", description="A product's listing on a review platform.")
class PlatformProfileType(Node):
    profile_url: str
    review_url: str
    target_rating: float | None
    target_count: int | None

    @strawberry.field(description="What the ask's review link adds to `reviewUrl` (the platform's "
                                  "default unless set).")
    async def tracking(self, info: Info) -> ProfileTracking:
        stored = self.tracking  # type: ignore[attr-defined]
        stored = json.loads(stored) if isinstance(stored, str) else stored
        key = getattr(self, "platform_key", None)  # listed rows carry it; a saved instance does not
        if key is None:
            platform = await info.context.loaders.platform.load(self.platform)  # type: ignore[attr-defined]
            key = platform["key"] if isinstance(platform, dict) else getattr(platform, "key", "")
        tracking = tracking_for(key, stored)
        return ProfileTracking(mode=TrackingMode(tracking["mode"]), parameter=tracking.get("parameter"))

    @strawberry.field
    def product_id(self) -> strawberry.ID:
        return global_id("Product", self.product)  # type: ignore[attr-defined,return-value]

    @strawberry.field
    async def platform(self, info: Info) -> ReviewPlatformType:
        return await info.context.loaders.platform.load(self.platform)  # type: ignore[attr-defined]

    @strawberry.field(permission_classes=[needs("products:read")])
    async def product(self, info: Info) -> Annotated[
            ProductType, strawberry.lazy("api.catalogue.products")]:  # noqa: F821
        return await info.context.loaders.product.load(self.product)  # type: ignore[attr-defined]

    @strawberry.field
    async def latest_rating(self, info: Info) -> RatingReadingType | None:
        return await info.context.loaders.latest_snapshot.load(self.id)


@strawberry.input
class ReviewPlatformInput:
    key: str | None = None
    name: str | None = None
    website: str | None = None
    rating_scale: int | None = None
    sub_ratings: list[str] | None = None
    audience_regions: list[str] | None = None
    vendor_may_ask: bool | None = None
    incentives_allowed: bool | None = None
    incentive_disclosure: str | None = None
    review_pool: str | None = None
    freshness_days: int | None = None
    rules_note: str | None = None
    free_listing: bool | None = None
    paid_placements: list[str] | None = None
    profile_fields: list[ListingItem] | None = None


@strawberry.input
class PlatformProfileInput:
    product_id: strawberry.ID | None = None
    platform_id: strawberry.ID | None = None
    profile_url: str | None = None
    review_url: str | None = None
    target_rating: float | None = None
    target_count: int | None = None
    tracking: ProfileTrackingInput | None = None


_PLATFORM_CODES = ["FORBIDDEN", "INVALID_KEY", "INVALID_SCALE", "INVALID_FRESHNESS",
                   "DISCLOSURE_REQUIRED", "CONTRADICTORY_RULES", "NAME_REQUIRED", "KEY_TAKEN",
                   "INVALID_URL", "UNKNOWN_ITEM", "INVALID_PLACEMENTS"]
SaveReviewPlatformError = user_error_type("SaveReviewPlatform", [*_PLATFORM_CODES, "NOT_FOUND"])
CreatePlatformProfileError = user_error_type(
    "CreatePlatformProfile", ["PRODUCT_FORBIDDEN", "INVALID_URL", "INVALID_TARGET", "NOT_FOUND",
                              "ALREADY_LISTED", "REQUIRED", "INVALID_TRACKING"])
UpdatePlatformProfileError = user_error_type(
    "UpdatePlatformProfile", ["INVALID_URL", "INVALID_TARGET", "NOT_FOUND", "INVALID_TRACKING"])


@strawberry.type
class SaveReviewPlatformPayload:
    platform: ReviewPlatformType | None
    user_errors: list[SaveReviewPlatformError]  # type: ignore[valid-type]


@strawberry.type
class PlatformProfilePayload:
    profile: PlatformProfileType | None
    user_errors: list[CreatePlatformProfileError]  # type: ignore[valid-type]


@strawberry.type
class UpdatePlatformProfilePayload:
    profile: PlatformProfileType | None
    user_errors: list[UpdatePlatformProfileError]  # type: ignore[valid-type]


def _platform_fields(data: ReviewPlatformInput) -> dict:
    fields = {k: getattr(data, k) for k in ("key", *domain.PLATFORM_FIELDS)}
    if data.profile_fields is not None:
        fields["profile_fields"] = [item.value for item in data.profile_fields]
    return fields


def _profile_fields(data: PlatformProfileInput) -> dict:
    return {"profile_url": data.profile_url, "review_url": data.review_url,
            "target_rating": data.target_rating, "target_count": data.target_count,
            **({"tracking": data.tracking.stored()} if data.tracking else {})}


@strawberry.type
class PlatformQueries:
    @strawberry.field(permission_classes=[Public],
                      description="The review-platform catalogue; public information.")
    async def review_platforms(self, first: int | None = None, after: str | None = None,
                               last: int | None = None, before: str | None = None,
                               key: str | None = None,
                               vendor_may_ask: bool | None = None) -> Connection[ReviewPlatformType]:
        page = await paginate(lambda page: domain.list_platforms(key, vendor_may_ask, page),
                              first, after, last, before)
        return Connection.from_page(page)

    @strawberry.field(permission_classes=[needs("products:read")])
    async def platform_profiles(self, info: Info, first: int | None = None, after: str | None = None,
                                last: int | None = None, before: str | None = None,
                                product_id: strawberry.ID | None = None,
                                platform_id: strawberry.ID | None = None,
                                ) -> Connection[PlatformProfileType]:
        product = decode_id(product_id, "productId", "Product")
        platform = decode_id(platform_id, "platformId", "ReviewPlatform")
        page = await paginate(
            lambda page: domain.list_profiles(info.context.actor, product, platform, page),
            first, after, last, before)
        return Connection.from_page(page)


@strawberry.type
class PlatformMutations:
    @strawberry.mutation(permission_classes=[needs("admin")])
    async def create_review_platform(self, info: Info,
                                     input: ReviewPlatformInput) -> SaveReviewPlatformPayload:
        outcome = await domain.save_platform(info.context.actor, None, _platform_fields(input))
        return SaveReviewPlatformPayload(
            platform=outcome.value, user_errors=map_errors(SaveReviewPlatformError, outcome.errors))

    @strawberry.mutation(permission_classes=[needs("admin")])
    async def update_review_platform(self, info: Info, id: strawberry.ID,
                                     input: ReviewPlatformInput) -> SaveReviewPlatformPayload:
        outcome = await domain.save_platform(info.context.actor, decode_id(id, "id", "ReviewPlatform"),
                                             _platform_fields(input))
        return SaveReviewPlatformPayload(
            platform=outcome.value, user_errors=map_errors(SaveReviewPlatformError, outcome.errors))

    @strawberry.mutation(permission_classes=[needs("products:write")])
    async def create_platform_profile(self, info: Info,
                                      input: PlatformProfileInput) -> PlatformProfilePayload:
        data = _profile_fields(input) | {
            "product": decode_id(input.product_id, "productId", "Product"),
            "platform": decode_id(input.platform_id, "platformId", "ReviewPlatform")}
        outcome = await domain.create_profile(info.context.actor, data)
        return PlatformProfilePayload(
            profile=outcome.value, user_errors=map_errors(CreatePlatformProfileError, outcome.errors))

    @strawberry.mutation(permission_classes=[needs("products:write")])
    async def update_platform_profile(self, info: Info, id: strawberry.ID,
                                      input: PlatformProfileInput) -> UpdatePlatformProfilePayload:
        outcome = await domain.update_profile(info.context.actor, decode_id(id, "id", "PlatformProfile"),
                                              _profile_fields(input))
        return UpdatePlatformProfilePayload(
            profile=outcome.value,
            user_errors=map_errors(UpdatePlatformProfileError, outcome.errors))
