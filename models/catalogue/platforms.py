"""Review platforms (the catalogue), a product's profiles on them, rating snapshots."""

from __future__ import annotations

import re

from piccolo.columns import (
    JSONB,
    Array,
    Boolean,
    Date,
    DoublePrecision,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.readable import Readable
from piccolo.table import Table

from models.access.audit import record_audit
from models.catalogue.products import Product
from models.core.actors import Actor
from models.core.pagination import PageRequest
from models.core.results import Outcome, UserError
from models.core.urls import check_url


class ReviewPlatform(Table, tablename="review_platform"):
    @classmethod
    def get_readable(cls) -> Readable:
        return Readable(template="%s", columns=[cls.name])

    key = Varchar(length=40, unique=True)
    name = Varchar(length=80)
    website = Varchar(length=200, default="")
    rating_scale = Integer(help_text="Highest rating on the platform's own scale")
    sub_ratings = Array(base_column=Varchar(), default=list)
    audience_regions = Array(base_column=Varchar(), default=list)
    vendor_may_ask = Boolean(default=True, help_text="False where asking is forbidden")
    incentives_allowed = Boolean(default=False)
    incentive_disclosure = Text(default="")
    review_pool = Varchar(length=40, help_text="Sister platforms share one review pool")
    freshness_days = Integer(default=365)
    rules_note = Text(default="")
    free_listing = Boolean(default=True, help_text="A vendor can list a product for free")
    paid_placements = Array(base_column=Varchar(), default=list,
                            help_text="What a vendor can pay for: ppc, lead_generation, sponsored, …")
    profile_fields = Array(base_column=Varchar(), default=list,
                           help_text="What a complete profile carries here (models/catalogue/listings.py)")

    def __str__(self) -> str:
        return self.name


class PlatformProfile(Table, tablename="platform_profile"):
    @classmethod
    def get_readable(cls) -> Readable:
        # In the admin a profile reads as "Capterra · Acme Ledger", not as an id.
        return Readable(template="%s · %s", columns=[cls.platform.name, cls.product.name])

    product = ForeignKey(references=Product, on_delete=OnDelete.cascade, null=False)
    platform = ForeignKey(references=ReviewPlatform, on_delete=OnDelete.restrict, null=False)
    profile_url = Varchar(length=500)
    review_url = Varchar(length=500, help_text="Where an ask's call to action leads")
    target_rating = DoublePrecision(null=True, default=None)
    target_count = Integer(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    tracking = JSONB(default={}, help_text="How the review link names the ask: utm, reference or none "
                                           "(models/asking/attribution.py)")


class RatingSnapshot(Table, tablename="rating_snapshot"):
    profile = ForeignKey(references=PlatformProfile, on_delete=OnDelete.cascade, null=False)
    taken_on = Date()
    average = DoublePrecision()
    review_count = Integer()


TRACKING_MODES = ("utm", "reference", "none")
# What a good profile carries (the guide: features, pricing, training and support options, a FAQ
# to handle objections, a video, screenshots, categories). Each platform offers some of them.
LISTING_ITEMS = ("features", "pricing", "training", "support", "faq", "video", "screenshots",
                 "categories")
_PARAMETER = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,39}$")


def check_tracking(tracking: dict | None) -> list[UserError]:
    """A profile's link tracking (models/asking/attribution.py): a mode and, for `reference`,
    the parameter name the platform reads."""
    if not tracking:
        return []
    if not isinstance(tracking, dict) or tracking.get("mode") not in TRACKING_MODES:
        return [UserError("INVALID_TRACKING", f"The tracking mode is one of {', '.join(TRACKING_MODES)}.",
                          ("tracking", "mode"))]
    parameter = tracking.get("parameter")
    if parameter is not None and not (isinstance(parameter, str) and _PARAMETER.match(parameter)):
        return [UserError("INVALID_TRACKING", "A parameter name is a letter then up to 39 letters, "
                          "digits, '_', '.' or '-'.", ("tracking", "parameter"))]
    return []


def validate_profile_fields(data: dict) -> list[UserError]:
    errors = check_url(data.get("profile_url"), "profileUrl", required=True)
    errors += check_tracking(data.get("tracking"))
    errors += check_url(data.get("review_url"), "reviewUrl", required=True)
    target = data.get("target_rating")
    if target is not None and not 0 <= target <= 5:
        errors.append(UserError("INVALID_TARGET", "A target rating is between 0 and 5.", ("targetRating",)))
    if data.get("target_count") is not None and data["target_count"] < 0:
        errors.append(UserError("INVALID_TARGET", "A target count cannot be negative.", ("targetCount",)))
    return errors


async def create_profile(actor: Actor, data: dict) -> Outcome[PlatformProfile]:
    required = {"product": "productId", "platform": "platformId", "profile_url": "profileUrl",
                "review_url": "reviewUrl"}
    missing = [UserError("REQUIRED", f"{name} is required.", (name,))
               for key, name in required.items() if data.get(key) is None]
    if missing:
        return Outcome(errors=missing)
    if not actor.may_touch_product(data["product"]):
        return Outcome.fail("PRODUCT_FORBIDDEN", "This token is limited to another product.", "productId")
    errors = validate_profile_fields(data)
    if errors:
        return Outcome(errors=errors)
    async with PlatformProfile._meta.db.transaction():
        if not await Product.exists().where(Product.id == data["product"]):
            return Outcome.fail("NOT_FOUND", "No such product.", "productId")
        if not await ReviewPlatform.exists().where(ReviewPlatform.id == data["platform"]):
            return Outcome.fail("NOT_FOUND", "No such platform.", "platformId")
        if await PlatformProfile.exists().where(
            (PlatformProfile.product == data["product"]) & (PlatformProfile.platform == data["platform"])
        ):
            return Outcome.fail("ALREADY_LISTED", "This product already has a profile there.", "platformId")
        profile = PlatformProfile(**data)
        await profile.save()
        await record_audit(actor, "profile.create", "platform_profile", profile.id)
    return Outcome(profile)


async def update_profile(actor: Actor, profile_id: int, data: dict) -> Outcome[PlatformProfile]:
    changes = {k: v for k, v in data.items() if v is not None}
    errors = validate_profile_fields(changes)
    if errors:
        return Outcome(errors=errors)
    async with PlatformProfile._meta.db.transaction():
        profile = await PlatformProfile.objects().get(PlatformProfile.id == profile_id)
        if profile is None or not actor.may_touch_product(profile.product):
            return Outcome.fail("NOT_FOUND", "No such platform profile.", "id")
        for key, value in changes.items():
            setattr(profile, key, value)
        await profile.save()
        await record_audit(actor, "profile.update", "platform_profile", profile.id, changes)
    return Outcome(profile)


PLATFORM_FIELDS = ("name", "website", "rating_scale", "sub_ratings", "audience_regions",
                   "vendor_may_ask", "incentives_allowed", "incentive_disclosure", "review_pool",
                   "freshness_days", "rules_note", "free_listing", "paid_placements", "profile_fields")


def validate_platform_fields(data: dict) -> list[UserError]:
    errors: list[UserError] = []
    errors += check_url(data.get("website"), "website", max_length=200)
    if "key" in data and not re.match(r"^[a-z0-9_]+$", data["key"] or ""):
        errors.append(UserError("INVALID_KEY", "Use lower-case letters, digits and _.", ("key",)))
    if "rating_scale" in data and not 1 <= data["rating_scale"] <= 100:
        errors.append(UserError("INVALID_SCALE", "A rating scale is between 1 and 100.", ("ratingScale",)))
    if "freshness_days" in data and data["freshness_days"] <= 0:
        errors.append(UserError("INVALID_FRESHNESS", "Freshness is a positive number of days.",
                                ("freshnessDays",)))
    if data.get("incentives_allowed") and not (data.get("incentive_disclosure") or "").strip():
        errors.append(UserError("DISCLOSURE_REQUIRED",
                                "A platform that allows incentives needs its disclosure text.",
                                ("incentiveDisclosure",)))
    unknown = sorted(set(data.get("profile_fields") or ()) - set(LISTING_ITEMS))
    if unknown:
        errors.append(UserError("UNKNOWN_ITEM", f"Unknown profile items: {', '.join(unknown)}. Known: "
                                f"{', '.join(LISTING_ITEMS)}.", ("profileFields",)))
    paid = data.get("paid_placements") or ()
    if len(paid) > 10 or any(not re.match(r"^[a-z][a-z0-9_]{0,39}$", p or "") for p in paid):
        errors.append(UserError("INVALID_PLACEMENTS", "Paid placements are up to 10 keys such as ppc "
                                "or lead_generation.", ("paidPlacements",)))
    if data.get("incentives_allowed") and data.get("vendor_may_ask") is False:
        errors.append(UserError("CONTRADICTORY_RULES",
                                "Incentives make no sense where the vendor may not ask.",
                                ("incentivesAllowed",)))
    return errors


async def save_platform(actor: Actor, platform_id: int | None, data: dict) -> Outcome[ReviewPlatform]:
    """Create a platform, or change its rules. Only admins edit the catalogue."""
    if not actor.has_scope("admin") or actor.product_id is not None:
        # The catalogue's rules apply to every product: a product-limited admin may not edit it.
        return Outcome.fail("FORBIDDEN", "Only unlimited admins edit the platform catalogue.")
    changes = {k: v for k, v in data.items() if v is not None}
    async with ReviewPlatform._meta.db.transaction():
        if platform_id is None:
            platform = ReviewPlatform(review_pool=changes.get("key", ""))
        else:
            platform = await ReviewPlatform.objects().get(ReviewPlatform.id == platform_id)
            if platform is None:
                return Outcome.fail("NOT_FOUND", "No such platform.", "id")
        merged = {f: getattr(platform, f) for f in ("key", *PLATFORM_FIELDS)} | changes
        errors = validate_platform_fields(merged if platform_id else {"key": "", **merged})
        if platform_id is None and not (merged.get("name") or "").strip():
            errors.append(UserError("NAME_REQUIRED", "A platform needs a name.", ("name",)))
        if errors:
            return Outcome(errors=errors)
        if "key" in changes and await ReviewPlatform.exists().where(
            (ReviewPlatform.key == changes["key"]) & (ReviewPlatform.id != (platform_id or 0))
        ):
            return Outcome.fail("KEY_TAKEN", "Another platform uses this key.", "key")
        for key, value in changes.items():
            setattr(platform, key, value)
        await platform.save()
        await record_audit(actor, "platform.save", "review_platform", platform.id, changes)
    return Outcome(platform)


async def list_platforms(key: str | None, may_ask: bool | None, page: PageRequest):
    from models.core.pagination import keyset_page

    query = ReviewPlatform.select()
    if key is not None:
        query = query.where(ReviewPlatform.key == key)
    if may_ask is not None:
        query = query.where(ReviewPlatform.vendor_may_ask == may_ask)
    return await keyset_page(query, ReviewPlatform.id, page)


async def list_profiles(actor: Actor, product_id: int | None, platform_id: int | None,
                        page: PageRequest):
    from models.core.pagination import keyset_page

    query = PlatformProfile.select(*PlatformProfile.all_columns(),
                                   PlatformProfile.platform.key.as_alias("platform_key"))
    if actor.product_id is not None:
        query = query.where(PlatformProfile.product == actor.product_id)
    if product_id is not None:
        query = query.where(PlatformProfile.product == product_id)
    if platform_id is not None:
        query = query.where(PlatformProfile.platform == platform_id)
    return await keyset_page(query, PlatformProfile.id, page)


async def rows_by_id(table, ids: list[int]) -> dict[int, dict]:
    from models.core.pagination import Row

    return {r["id"]: Row(r) for r in await table.select().where(table.id.is_in(ids or [0]))}


async def latest_snapshots_for(profile_ids: list[int]) -> dict[int, dict | None]:
    """The most recent rating snapshot of each profile, in one query."""
    from models.core.pagination import Row

    rows = await RatingSnapshot.raw(
        "SELECT DISTINCT ON (profile) id, profile, taken_on, average, review_count "
        "FROM rating_snapshot WHERE profile = ANY({}::int[]) ORDER BY profile, taken_on DESC",
        profile_ids,
    )
    found = {r["profile"]: Row(r) for r in rows}
    return {pid: found.get(pid) for pid in profile_ids}
