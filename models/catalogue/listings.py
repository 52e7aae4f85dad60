"""Listings: where a product is listed (coverage) and how complete each profile is.

Coverage is the catalogue against the product's profiles: for every platform, listed or not,
and what it offers a vendor (a free listing, paid placements, its audience regions, whether the
vendor may ask for reviews there). Completeness is recorded, not guessed: someone (an admin, a
partner's crawler) checks a profile against what that platform's profiles can carry — features,
pricing, training and support options, a FAQ to handle objections (the Crozdesk tip), a video
(the Ahrefs example), screenshots, categories — and records a dated check. The report scores
the newest check and lists the gaps; a check older than STALE_AFTER_DAYS is reported as stale.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from piccolo.columns import Array, Date, ForeignKey, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from models.access.audit import record_audit
from models.catalogue.platforms import LISTING_ITEMS, PlatformProfile
from models.catalogue.products import Product
from models.core.actors import Actor
from models.core.results import Outcome, UserError

STALE_AFTER_DAYS = 90
MAX_NOTES = 2000
EARLIEST = dt.date(2000, 1, 1)
ITEM_ADVICE = {
    "features": "list the features buyers search for",
    "pricing": "publish the pricing (plans and what each includes)",
    "training": "say which training options exist (docs, webinars, onboarding)",
    "support": "say which support options exist (email, chat, phone, hours)",
    "faq": "add a FAQ that answers the usual objections",
    "video": "add a short video that shows the product and what sets it apart",
    "screenshots": "add screenshots of the main screens",
    "categories": "choose every category the product belongs to",
}


class ListingCheck(Table, tablename="listing_check"):
    profile = ForeignKey(references=PlatformProfile, on_delete=OnDelete.cascade, null=False)
    checked_on = Date()
    present = Array(base_column=Varchar(), default=list, help_text=f"Of: {', '.join(LISTING_ITEMS)}")
    notes = Text(default="")
    checked_by = Varchar(length=150, default="")
    created_at = Timestamptz(default=TimestamptzNow())


@dataclass
class Completeness:
    checked_on: dt.date
    present: list[str]
    gaps: list[str]
    score: float  # present / what the platform's profiles can carry, 0..1
    stale: bool
    notes: str
    checked_by: str


@dataclass
class Coverage:
    platform_id: int
    key: str
    name: str
    free_listing: bool
    paid_placements: list[str]
    audience_regions: list[str]
    vendor_may_ask: bool
    profile_fields: list[str]
    profile_id: int | None = None
    profile_url: str | None = None
    completeness: Completeness | None = None

    @property
    def listed(self) -> bool:
        return self.profile_id is not None


@dataclass
class ListingReport:
    product_id: int
    platforms: list[Coverage] = field(default_factory=list)
    next_steps: list[str] = field(default_factory=list)

    @property
    def listed(self) -> list[Coverage]:
        return [p for p in self.platforms if p.listed]

    @property
    def average_score(self) -> float | None:
        scores = [p.completeness.score for p in self.listed if p.completeness]
        return round(sum(scores) / len(scores), 3) if scores else None


REPORT_SQL = """
SELECT pl.id AS platform_id, pl.key, pl.name, pl.free_listing, pl.paid_placements,
       pl.audience_regions, pl.vendor_may_ask, pl.profile_fields,
       pp.id AS profile_id, pp.profile_url,
       c.checked_on, c.present, c.notes, c.checked_by
FROM review_platform pl
LEFT JOIN platform_profile pp ON pp.platform = pl.id AND pp.product = {}
LEFT JOIN LATERAL (SELECT checked_on, present, notes, checked_by FROM listing_check
                   WHERE profile = pp.id ORDER BY checked_on DESC LIMIT 1) c ON true
ORDER BY pl.id
"""


def score(present: list[str], offered: list[str], checked_on: dt.date, today: dt.date,
          notes: str = "", checked_by: str = "") -> Completeness:
    offered = [i for i in LISTING_ITEMS if i in offered] or list(LISTING_ITEMS)
    have = [i for i in offered if i in present]
    return Completeness(checked_on, have, [i for i in offered if i not in have],
                        round(len(have) / len(offered), 3),
                        (today - checked_on).days > STALE_AFTER_DAYS, notes, checked_by)


def next_steps(platforms: list[Coverage]) -> list[str]:
    steps = []
    for p in platforms:
        if not p.listed:
            if p.free_listing:
                steps.append(f"List the product on {p.name}: the listing is free"
                             + ("" if p.vendor_may_ask else " (it forbids asking for reviews, but a "
                                "listing still shows)") + ".")
            continue
        if p.completeness is None:
            steps.append(f"Check the {p.name} profile against what it can carry "
                         f"({', '.join(p.profile_fields)}).")
            continue
        if p.completeness.gaps:
            advice = "; ".join(ITEM_ADVICE[g] for g in p.completeness.gaps)
            steps.append(f"On {p.name}: {advice}.")
        if p.completeness.stale:
            steps.append(f"Check the {p.name} profile again (last checked {p.completeness.checked_on}).")
    return steps


async def listing_report(actor: Actor, product_id: int, today: dt.date | None = None
                         ) -> ListingReport | None:
    """Coverage and completeness for one product (None outside the actor's product)."""
    if not actor.may_touch_product(product_id) or not await Product.exists().where(
            Product.id == product_id):
        return None
    today = today or dt.date.today()
    rows = await Product.raw(REPORT_SQL, product_id)
    report = ListingReport(product_id)
    for r in rows:
        fields = [i for i in LISTING_ITEMS if i in (r["profile_fields"] or [])]
        coverage = Coverage(r["platform_id"], r["key"], r["name"], r["free_listing"],
                            list(r["paid_placements"] or []), list(r["audience_regions"] or []),
                            r["vendor_may_ask"], fields, r["profile_id"], r["profile_url"])
        if r["checked_on"] is not None:
            coverage.completeness = score(list(r["present"]), fields, r["checked_on"], today,
                                          r["notes"], r["checked_by"])
        report.platforms.append(coverage)
    report.next_steps = next_steps(report.platforms)
    return report


async def record_listing_check(actor: Actor, profile_id: int, present: list[str],
                               checked_on: dt.date | None = None, notes: str = ""
                               ) -> Outcome[Completeness]:
    """What a profile carries, as checked on a day (one check per profile and day; a later
    check of the same day replaces it)."""
    rows = await PlatformProfile.raw(
        "SELECT pp.id, pp.product, pl.profile_fields, pl.name FROM platform_profile pp "
        "JOIN review_platform pl ON pl.id = pp.platform WHERE pp.id = {}", profile_id)
    if not rows or not actor.may_touch_product(rows[0]["product"]):
        return Outcome.fail("NOT_FOUND", "No such platform profile.", "profileId")
    profile = rows[0]
    today = dt.date.today()
    checked_on = checked_on or today
    errors: list[UserError] = []
    if not EARLIEST <= checked_on <= today + dt.timedelta(days=1):
        errors.append(UserError("INVALID_DATE", f"A check is dated between {EARLIEST} and today.",
                                ("checkedOn",)))
    unknown = sorted(set(present) - set(LISTING_ITEMS))
    if unknown:
        errors.append(UserError("UNKNOWN_ITEM", f"Unknown items: {', '.join(unknown)}.", ("present",)))
    offered = list(profile["profile_fields"] or []) or list(LISTING_ITEMS)
    elsewhere = sorted(set(present) - set(offered) - set(unknown))
    if elsewhere:
        errors.append(UserError("NOT_ON_PLATFORM", f"{profile['name']} profiles carry no "
                                f"{', '.join(elsewhere)} (they carry {', '.join(offered)}).", ("present",)))
    if len(notes or "") > MAX_NOTES:
        errors.append(UserError("TOO_LONG", f"Notes are at most {MAX_NOTES} characters.", ("notes",)))
    if errors:
        return Outcome(errors=errors)
    kept = [i for i in LISTING_ITEMS if i in present]
    async with PlatformProfile._meta.db.transaction():
        await PlatformProfile.raw(
            "INSERT INTO listing_check (profile, checked_on, present, notes, checked_by) "
            "VALUES ({}, {}, {}::varchar[], {}, {}) ON CONFLICT (profile, checked_on) DO UPDATE "
            "SET present = EXCLUDED.present, notes = EXCLUDED.notes, checked_by = EXCLUDED.checked_by, "
            "created_at = now()", profile_id, checked_on, kept, (notes or "").strip(), actor.name[:150])
        await record_audit(actor, "listing.check", "platform_profile", profile_id,
                           {"checked_on": checked_on.isoformat(), "present": kept})
    return Outcome(score(kept, offered, checked_on, today, (notes or "").strip(), actor.name))
