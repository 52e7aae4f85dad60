"""Listing coverage and profile completeness over GraphQL (rules: models/catalogue/listings.py)."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

from api.catalogue.platforms import ListingItem, listing_items
from api.graphql.errors import map_errors, user_error_type
from api.graphql.permissions import needs
from api.graphql.relay import decode_id, global_id
from models.catalogue import listings as domain


@strawberry.type(description="A profile checked against what its platform's profiles can carry.")
class ListingCompleteness:
    checked_on: dt.date
    score: float = strawberry.field(description="Share of the platform's items the profile carries, "
                                                "0 to 1.")
    present: list[ListingItem]
    gaps: list[ListingItem] = strawberry.field(description="What the profile lacks, to add.")
    stale: bool = strawberry.field(description=f"Checked more than {domain.STALE_AFTER_DAYS} days ago.")
    notes: str
    checked_by: str


@strawberry.type(description="One review platform for one product: listed or not, what it offers a "
                             "vendor, and how complete the profile is.")
class ListingCoverage:
    platform_id: strawberry.ID
    platform_key: str
    platform_name: str
    listed: bool
    profile_id: strawberry.ID | None
    profile_url: str | None
    free_listing: bool
    paid_placements: list[str]
    audience_regions: list[str]
    vendor_may_ask: bool
    profile_fields: list[ListingItem] = strawberry.field(description="What a complete profile carries.")
    completeness: ListingCompleteness | None = strawberry.field(description="Null until checked.")


@strawberry.type
class ListingReport:
    product_id: strawberry.ID
    listed_count: int
    platform_count: int
    average_score: float | None = strawberry.field(description="Over the checked profiles.")
    platforms: list[ListingCoverage]
    next_steps: list[str] = strawberry.field(description="What to do next, most useful first.")


def _completeness(c: domain.Completeness | None) -> ListingCompleteness | None:
    if c is None:
        return None
    return ListingCompleteness(checked_on=c.checked_on, score=c.score, present=listing_items(c.present),
                               gaps=listing_items(c.gaps), stale=c.stale, notes=c.notes,
                               checked_by=c.checked_by)


def _report(report: domain.ListingReport) -> ListingReport:
    return ListingReport(
        product_id=global_id("Product", report.product_id), listed_count=len(report.listed),
        platform_count=len(report.platforms), average_score=report.average_score,
        next_steps=report.next_steps,
        platforms=[ListingCoverage(
            platform_id=global_id("ReviewPlatform", p.platform_id), platform_key=p.key,
            platform_name=p.name, listed=p.listed,
            profile_id=global_id("PlatformProfile", p.profile_id) if p.profile_id else None,
            profile_url=p.profile_url, free_listing=p.free_listing, paid_placements=p.paid_placements,
            audience_regions=p.audience_regions, vendor_may_ask=p.vendor_may_ask,
            profile_fields=listing_items(p.profile_fields), completeness=_completeness(p.completeness))
            for p in report.platforms])


RecordListingCheckError = user_error_type("RecordListingCheck", [
    "NOT_FOUND", "INVALID_DATE", "UNKNOWN_ITEM", "NOT_ON_PLATFORM", "TOO_LONG"])


@strawberry.type
class RecordListingCheckPayload:
    completeness: ListingCompleteness | None
    user_errors: list[RecordListingCheckError]  # type: ignore[valid-type]


@strawberry.type
class ListingQueries:
    @strawberry.field(permission_classes=[needs("products:read")],
                      description="Where the product is listed, what each platform offers, and how "
                                  "complete each profile is, with the next steps.")
    async def listing_report(self, info: Info, product_id: strawberry.ID) -> ListingReport | None:
        report = await domain.listing_report(info.context.actor,
                                             decode_id(product_id, "productId", "Product"))
        return None if report is None else _report(report)


@strawberry.type
class ListingMutations:
    @strawberry.mutation(permission_classes=[needs("products:write")],
                         description="Record what a profile carries, as checked on a day (one check "
                                     "per day; a later one replaces it).")
    async def record_listing_check(self, info: Info, profile_id: strawberry.ID,
                                   present: list[ListingItem], checked_on: dt.date | None = None,
                                   notes: str = "") -> RecordListingCheckPayload:
        outcome = await domain.record_listing_check(
            info.context.actor, decode_id(profile_id, "profileId", "PlatformProfile"),  # type: ignore[arg-type]
            [item.value for item in present], checked_on, notes)
        return RecordListingCheckPayload(completeness=_completeness(outcome.value),
                                         user_errors=map_errors(RecordListingCheckError, outcome.errors))
