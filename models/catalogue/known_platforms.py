"""The review-platform catalogue: the eight sites of the playbook and their rules.

Sources: the French playbook in shared/seed, corrected by each platform's own
rules where they differ (incentives, whether a vendor may ask at all).
"""

from __future__ import annotations

from models.catalogue.platforms import LISTING_ITEMS, ReviewPlatform

GARTNER_POOL = "gartner_digital_markets"
ALL_ITEMS = list(LISTING_ITEMS)
SUB_RATINGS = ["ease_of_use", "features", "customer_support", "value_for_money"]

PLATFORMS: list[dict] = [
    dict(key="capterra", name="Capterra", website="https://www.capterra.com", rating_scale=5,
         sub_ratings=SUB_RATINGS, audience_regions=["NA", "EU", "UK", "APAC", "LATAM"],
         vendor_may_ask=True, incentives_allowed=True,
         incentive_disclosure="Reviewer may have received a nominal incentive, offered whatever "
                              "the rating, and this is shown on the review.",
         review_pool=GARTNER_POOL, freshness_days=365,
         rules_note="Gartner Digital Markets: a review collected here also appears on GetApp "
                    "and Software Advice. No review gating; incentives must not depend on rating.",
         free_listing=True, paid_placements=["ppc"],
         profile_fields=ALL_ITEMS),
    dict(key="getapp", name="GetApp", website="https://www.getapp.com", rating_scale=5,
         sub_ratings=SUB_RATINGS, audience_regions=["NA", "EU", "UK", "APAC"],
         vendor_may_ask=True, incentives_allowed=True,
         incentive_disclosure="Nominal incentive, disclosed on the review.",
         review_pool=GARTNER_POOL, freshness_days=365,
         rules_note="Shares its review pool with Capterra and Software Advice.",
         free_listing=True, paid_placements=["ppc"],
         profile_fields=["features", "pricing", "training", "support", "video", "screenshots", "categories"]),
    dict(key="software_advice", name="Software Advice", website="https://www.softwareadvice.com",
         rating_scale=5, sub_ratings=SUB_RATINGS, audience_regions=["NA", "UK"],
         vendor_may_ask=True, incentives_allowed=True,
         incentive_disclosure="Nominal incentive, disclosed on the review.",
         review_pool=GARTNER_POOL, freshness_days=365,
         rules_note="Shares its review pool with Capterra and GetApp.",
         free_listing=True, paid_placements=["pay_per_lead"],
         profile_fields=["features", "pricing", "training", "support", "video", "screenshots", "categories"]),
    dict(key="crozdesk", name="Crozdesk", website="https://crozdesk.com", rating_scale=5,
         sub_ratings=[], audience_regions=["NA", "UK"], vendor_may_ask=True,
         incentives_allowed=False, incentive_disclosure="", review_pool="crozdesk",
         freshness_days=365, rules_note="Most visitors come from the US and the UK.",
         free_listing=True, paid_placements=["ppc", "lead_generation"],
         profile_fields=ALL_ITEMS),
    dict(key="g2", name="G2", website="https://www.g2.com", rating_scale=5,
         sub_ratings=SUB_RATINGS, audience_regions=["NA", "EU", "UK", "APAC"],
         vendor_may_ask=True, incentives_allowed=True,
         incentive_disclosure="Incentivised reviews are labelled by G2; the incentive must be "
                              "the same whatever the rating.",
         review_pool="g2", freshness_days=365,
         rules_note="Reviews by employees or copied from other sites are removed.",
         free_listing=True, paid_placements=["sponsored", "buyer_intent"],
         profile_fields=["features", "pricing", "support", "faq", "video", "screenshots", "categories"]),
    dict(key="product_hunt", name="Product Hunt", website="https://www.producthunt.com",
         rating_scale=5, sub_ratings=[], audience_regions=["NA", "EU", "UK", "APAC"],
         vendor_may_ask=False, incentives_allowed=False, incentive_disclosure="",
         review_pool="product_hunt", freshness_days=180,
         rules_note="Product Hunt forbids asking for upvotes or reviews: never routed to.",
         free_listing=True, paid_placements=["sponsored"],
         profile_fields=["features", "video", "screenshots", "categories"]),
    dict(key="trustpilot", name="Trustpilot", website="https://www.trustpilot.com",
         rating_scale=5, sub_ratings=[], audience_regions=["EU", "UK", "NA"],
         vendor_may_ask=True, incentives_allowed=False, incentive_disclosure="",
         review_pool="trustpilot", freshness_days=180,
         rules_note="Invitations must go to all customers alike; no incentives at all.",
         free_listing=True, paid_placements=["premium_plans"],
         profile_fields=["features", "support", "categories"]),
    dict(key="trustradius", name="TrustRadius", website="https://www.trustradius.com",
         rating_scale=10, sub_ratings=SUB_RATINGS, audience_regions=["NA"],
         vendor_may_ask=True, incentives_allowed=True,
         incentive_disclosure="Incentives allowed when offered to all and disclosed.",
         review_pool="trustradius", freshness_days=365,
         rules_note="Rates out of 10; multi-step verification; no ads on the platform.",
         free_listing=True, paid_placements=[],
         profile_fields=["features", "pricing", "training", "support", "video", "screenshots", "categories"]),
]


async def seed_platforms() -> int:
    """Insert the catalogue; existing platforms (by key) are left as an admin edited them —
    except for facts added since they were seeded (what a profile carries, what a vendor can pay
    for), filled in where still empty."""
    existing = {row["key"]: row for row in await ReviewPlatform.select(
        ReviewPlatform.key, ReviewPlatform.profile_fields)}
    new = [ReviewPlatform(**spec) for spec in PLATFORMS if spec["key"] not in existing]
    if new:
        await ReviewPlatform.insert(*new)
    for spec in PLATFORMS:
        row = existing.get(spec["key"])
        if row is not None and not row["profile_fields"]:
            await ReviewPlatform.update({ReviewPlatform.profile_fields: spec["profile_fields"],
                                         ReviewPlatform.paid_placements: spec["paid_placements"],
                                         ReviewPlatform.free_listing: spec["free_listing"]}).where(
                ReviewPlatform.key == spec["key"])
    return len(new)
