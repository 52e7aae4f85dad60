"""Routing: platform rules are hard constraints, strategies pick among what is left, and say why."""

from __future__ import annotations

from collections import Counter

import pytest

from models.asking.routing import (
    ALREADY_REVIEWED,
    NO_ELIGIBLE_PLATFORM,
    CustomerFacts,
    ProfileOption,
    Router,
    RoutingPolicy,
    eligible,
    region_of,
)
from models.catalogue.known_platforms import PLATFORMS

GARTNER = "gartner_digital_markets"


def options(**facts: tuple) -> list[ProfileOption]:
    """One profile per catalogue platform; facts: key=(review_count, average, target_count,
    target_rating, recent_reviews)."""
    out = []
    for number, spec in enumerate(PLATFORMS, start=1):
        count, average, target, target_rating, recent = facts.get(spec["key"], (None, None, None, None, 0))
        out.append(ProfileOption(
            profile_id=number * 10, platform_key=spec["key"], platform_name=spec["name"],
            review_pool=spec["review_pool"], vendor_may_ask=spec["vendor_may_ask"],
            incentives_allowed=spec["incentives_allowed"],
            audience_regions=tuple(spec["audience_regions"]), review_count=count, average=average,
            target_count=target, target_rating=target_rating, recent_reviews=recent,
            freshness_days=spec["freshness_days"]))
    return out


def customer(n: int = 1, country: str = "US", reviewed: tuple[str, ...] = ()) -> CustomerFacts:
    return CustomerFacts(customer_id=n, country=country, reviewed_pools=frozenset(reviewed))


def test_regions_cover_the_markets_and_unknowns_are_none():
    for code in ("FR", "DE", "IE", "NO", "IS", "CH", "TR"):
        assert region_of(code) == "EU", code
    assert region_of("GB") == region_of("uk") == "UK"
    assert region_of("US") == region_of("ca") == "NA"
    assert {region_of(c) for c in ("MX", "BR", "AR", "CL", "CO")} == {"LATAM"}
    assert {region_of(c) for c in ("AU", "NZ", "JP", "KR", "SG", "IN", "CN", "HK", "TW")} == {"APAC"}
    assert {region_of(c) for c in ("ZA", "AE", "IL", "SA", "EG", "NG", "KE")} == {"MEA"}
    assert region_of("") is None and region_of("XX") is None and region_of(" fr ") == "EU"


def test_product_hunt_is_never_chosen_even_when_fixed():
    opts = options()
    for strategy in ("need", "weighted"):
        router = Router(opts, RoutingPolicy(strategy, weights={"product_hunt": 5, "g2": 1}),
                        has_incentive=False, seed=1)
        assert all(router.route(customer(n)).platform_key != "product_hunt" for n in range(50))
    fixed = Router(opts, RoutingPolicy("fixed", fixed="product_hunt"), has_incentive=False, seed=1)
    assert any("Product Hunt forbids asking" in p for p in fixed.validate_policy())
    decision = fixed.route(customer())
    assert decision.profile_id is None and decision.platform_key is None
    assert decision.skip_reason == NO_ELIGIBLE_PLATFORM
    assert "Product Hunt" in decision.reason and "forbids asking" in decision.reason


def test_fixed_routes_to_its_platform_and_skips_when_not_possible():
    router = Router(options(), RoutingPolicy("fixed", fixed="g2"), has_incentive=True, seed=0)
    assert router.validate_policy() == []
    decision = router.route(customer(country="FR"))
    assert (decision.platform_key, decision.profile_id) == ("g2", 50)
    assert decision.reason.startswith("fixed: G2")
    assert "Trustpilot" in decision.reason and "incentive not allowed" in decision.reason
    reviewed = router.route(customer(reviewed=("g2",)))
    assert reviewed.profile_id is None and reviewed.skip_reason == ALREADY_REVIEWED
    brazil = Router(options(), RoutingPolicy("fixed", fixed="trustradius"), has_incentive=False, seed=0)
    skipped = brazil.route(customer(country="BR"))
    assert skipped.skip_reason == NO_ELIGIBLE_PLATFORM and "audience NA only" in skipped.reason


def test_trustpilot_and_crozdesk_excluded_when_an_incentive_is_offered():
    kept, excluded = eligible(options(), RoutingPolicy("need"), customer(country="GB"), has_incentive=True)
    keys = {o.platform_key for o in kept}
    assert "trustpilot" not in keys and "crozdesk" not in keys
    assert excluded["trustpilot"] == "incentive not allowed"
    assert excluded["product_hunt"] == "forbids asking for reviews"  # checked first
    kept, excluded = eligible(options(), RoutingPolicy("need"), customer(country="GB"), has_incentive=False)
    assert "trustpilot" in {o.platform_key for o in kept} and "trustpilot" not in excluded
    only_trustpilot = Router(options(), RoutingPolicy("need", platforms=("trustpilot",)),
                             has_incentive=True, seed=0)
    assert any("offers an incentive" in p for p in only_trustpilot.validate_policy())
    fixed = Router(options(), RoutingPolicy("fixed", fixed="trustpilot"), has_incentive=True, seed=0)
    assert any("Trustpilot allows no incentive" in p for p in fixed.validate_policy())


def test_region_mismatch_excluded_and_unknown_country_allowed_everywhere():
    policy = RoutingPolicy("need")
    kept, excluded = eligible(options(), policy, customer(country="FR"), has_incentive=False)
    assert "trustradius" not in {o.platform_key for o in kept}
    assert excluded["trustradius"] == "audience NA only, customer in EU"
    assert "software_advice" in excluded and "crozdesk" in excluded
    kept, excluded = eligible(options(), policy, customer(country="ZZ"), has_incentive=False)
    assert set(excluded) == {"product_hunt"}
    decision = Router(options(), RoutingPolicy("fixed", fixed="trustradius"), has_incentive=False,
                      seed=0).route(customer(country=""))
    assert decision.platform_key == "trustradius"
    assert "country missing, so every region is allowed" in decision.reason
    unknown = Router(options(), RoutingPolicy("fixed", fixed="g2"), has_incentive=False,
                     seed=0).route(customer(country="ZZ"))
    assert "'ZZ' has no known region, so every region is allowed" in unknown.reason


def test_sister_platforms_share_one_pool():
    policy = RoutingPolicy("need", platforms=("capterra", "getapp", "software_advice", "g2"))
    kept, excluded = eligible(options(), policy, customer(reviewed=(GARTNER,)), has_incentive=False)
    assert [o.platform_key for o in kept] == ["g2"]
    for key in ("capterra", "getapp", "software_advice"):
        assert excluded[key] == "already reviewed in the Capterra/GetApp/Software Advice pool"
    router = Router(options(), policy, has_incentive=False, seed=0)
    assert {router.route(customer(n, reviewed=(GARTNER,))).platform_key for n in range(20)} == {"g2"}
    both = router.route(customer(reviewed=(GARTNER, "g2")))
    assert both.profile_id is None and both.skip_reason == ALREADY_REVIEWED
    assert "GetApp" in both.reason and "already reviewed" in both.reason


@pytest.mark.parametrize("weights", [{"g2": 2, "capterra": 3}, {"g2": 1, "capterra": 1, "trustradius": 1},
                                     {"g2": 5, "capterra": 3, "getapp": 1.5, "trustradius": 0.5,
                                      "crozdesk": 7, "trustpilot": 0}])
def test_weighted_rotation_is_exact(weights):
    router = Router(options(), RoutingPolicy("weighted", weights=weights), has_incentive=False, seed=7)
    assert router.validate_policy() == []
    total = sum(weights.values())
    counts: Counter[str] = Counter()
    for n in range(1, 101):
        decision = router.route(customer(n))
        counts[decision.platform_key] += 1
        for key, weight in weights.items():  # after every customer, not only at the end
            assert abs(counts[key] - n * weight / total) < 1, (n, key, counts)
    assert counts["trustpilot"] == 0 and counts["product_hunt"] == 0
    if weights == {"g2": 2, "capterra": 3}:
        assert counts == {"g2": 40, "capterra": 60}


def test_weighted_rotation_is_deterministic_and_explains_itself():
    policy = RoutingPolicy("weighted", weights={"g2": 2, "capterra": 3, "trustpilot": 4})
    runs = [[Router(options(), policy, has_incentive=True, seed=3).route(customer(n)).platform_key
             for n in range(30)] for _ in range(2)]
    assert runs[0] == runs[1]
    decision = Router(options(), policy, has_incentive=True, seed=3).route(customer(country="FR"))
    assert decision.reason.startswith("weighted rotation: ")
    assert "(weight 2 of 5)" in decision.reason or "(weight 3 of 5)" in decision.reason
    assert "Crozdesk and Trustpilot (incentive not allowed)" in decision.reason
    assert "TrustRadius (audience NA only, customer in EU)" in decision.reason
    assert "GetApp (weight 0)" in decision.reason
    zero = Router(options(), RoutingPolicy("weighted", weights={"g2": 0}), has_incentive=False, seed=0)
    assert any("weights are all zero" in p for p in zero.validate_policy())
    assert zero.route(customer()).skip_reason == NO_ELIGIBLE_PLATFORM


def test_need_prefers_the_biggest_gap_then_spreads():
    facts = {
        "capterra": (60, 4.2, 100, 4.5, 0),     # 40% short, below rating target, nothing recent
        "g2": (95, 4.6, 100, 4.5, 12),          # nearly there, fresh
        "trustradius": (15, 4.4, 20, 4.5, 2),   # 25% short
    }
    policy = RoutingPolicy("need", platforms=("capterra", "g2", "trustradius"))
    router = Router(options(**facts), policy, has_incentive=False, seed=0)
    first = router.route(customer(1))
    assert first.platform_key == "capterra"
    assert first.reason.startswith("need: Capterra 40 reviews short of 100")
    assert "average 4.2 below target 4.5" in first.reason and "0 in the last 365 days" in first.reason
    assert "not among the campaign's platforms" in first.reason
    picks = Counter(router.route(customer(n)).platform_key for n in range(2, 31))
    picks["capterra"] += 1
    assert picks["capterra"] > picks["trustradius"] > 0  # spread, still led by the biggest need
    assert picks["g2"] < picks["trustradius"]
    assert sum(picks.values()) == 30


def test_need_ties_break_by_platform_key():
    even = {key: (50, 4.0, 100, 4.5, 1) for key in ("g2", "capterra", "trustradius")}
    router = Router(options(**even), RoutingPolicy("need", platforms=tuple(even)), has_incentive=False,
                    seed=99)
    assert [router.route(customer(n)).platform_key for n in range(3)] == ["capterra", "g2", "trustradius"]


def test_every_reason_is_one_readable_sentence():
    policies = [RoutingPolicy("fixed", fixed="g2"), RoutingPolicy("need"),
                RoutingPolicy("weighted", weights={"g2": 1, "capterra": 1})]
    for policy in policies:
        router = Router(options(), policy, has_incentive=True, seed=0)
        for facts in (customer(country="FR"), customer(country="JP", reviewed=("g2",)),
                      customer(country="")):
            reason = router.route(facts).reason
            assert reason and "\n" not in reason and "{" not in reason and "None" not in reason
            assert "excluded: " in reason and "Product Hunt (forbids asking for reviews)" in reason
