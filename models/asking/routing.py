"""Routing: which review platform an ask goes to, and why.

Pure domain logic, no database: a campaign run loads each platform profile's facts into
ProfileOption values, then asks one Router per run for a decision per customer. Platform
rules (may the vendor ask, are incentives allowed, which audience, which review pool) are
hard constraints checked before any strategy looks at an option, so no strategy can route
around them ("compliant by construction"). Every decision carries one readable sentence
saying why, which the ask keeps for audit.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction

NO_ELIGIBLE_PLATFORM = "NO_ELIGIBLE_PLATFORM"
ALREADY_REVIEWED = "ALREADY_REVIEWED"
STRATEGIES = ("fixed", "weighted", "need")


def _codes(region: str, codes: str) -> dict[str, str]:
    return dict.fromkeys(codes.split(), region)


# The review sites describe their audiences by broad market, not by legal union: "EU" is
# continental Europe (EU, EEA, Switzerland, the Balkans, Turkey), "UK" is Great Britain and
# the Crown dependencies, "NA" is the US and Canada (Mexico counts as LATAM, as sales teams
# and the sites' own regional editions treat it).
REGIONS: dict[str, str] = {
    **_codes("NA", "US CA PR"),
    **_codes("LATAM", "MX BR AR CL CO PE UY PY BO EC VE CR PA GT HN SV NI DO CU"),
    **_codes("EU", "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE "
                   "IS LI NO CH TR AL BA ME MK RS UA MD MC AD SM"),
    **_codes("UK", "GB IM JE GG"),
    **_codes("APAC", "AU NZ JP KR SG IN CN HK TW MY TH ID PH VN PK BD LK"),
    **_codes("MEA", "ZA AE IL SA EG NG KE QA KW BH OM JO LB MA TN DZ GH"),
}
# Codes people write that ISO does not use: "UK" for GB, "EL" (the EU's code) for Greece.
_ALIASES = {"UK": "GB", "EL": "GR"}


def region_of(country: str) -> str | None:
    """The audience region of an ISO 3166-1 alpha-2 code; None when unknown or empty."""
    code = (country or "").strip().upper()
    return REGIONS.get(_ALIASES.get(code, code))


@dataclass(frozen=True)
class ProfileOption:
    """One platform profile of the campaign's product, with the facts routing needs."""

    profile_id: int
    platform_key: str
    platform_name: str
    review_pool: str
    vendor_may_ask: bool
    incentives_allowed: bool
    audience_regions: tuple[str, ...]
    review_count: int | None
    average: float | None
    target_count: int | None
    target_rating: float | None
    recent_reviews: int
    freshness_days: int


@dataclass(frozen=True)
class RoutingPolicy:
    strategy: str
    platforms: tuple[str, ...] = ()
    fixed: str | None = None
    weights: dict[str, float] | None = None


@dataclass(frozen=True)
class CustomerFacts:
    customer_id: int
    country: str
    reviewed_pools: frozenset[str] = frozenset()


@dataclass(frozen=True)
class RoutingDecision:
    profile_id: int | None
    platform_key: str | None
    reason: str
    skip_reason: str | None = None


def _exclusion(option: ProfileOption, policy: RoutingPolicy, region: str | None,
               customer: CustomerFacts, has_incentive: bool,
               pool_names: dict[str, list[str]]) -> tuple[str, str] | None:
    """(code, reason) of the first constraint the option breaks for this customer, or None."""
    if not option.vendor_may_ask:
        return NO_ELIGIBLE_PLATFORM, "forbids asking for reviews"
    if has_incentive and not option.incentives_allowed:
        return NO_ELIGIBLE_PLATFORM, "incentive not allowed"
    if policy.platforms and option.platform_key not in policy.platforms:
        return NO_ELIGIBLE_PLATFORM, "not among the campaign's platforms"
    if region is not None and region not in option.audience_regions:
        return NO_ELIGIBLE_PLATFORM, (f"audience {'/'.join(option.audience_regions)} only, "
                                      f"customer in {region}")
    if option.review_pool in customer.reviewed_pools:
        sisters = pool_names.get(option.review_pool, [])
        if len(sisters) > 1:
            return ALREADY_REVIEWED, f"already reviewed in the {'/'.join(sisters)} pool"
        return ALREADY_REVIEWED, "already reviewed there"
    return None


def _pool_names(options: list[ProfileOption]) -> dict[str, list[str]]:
    pools: dict[str, list[str]] = {}
    for option in options:
        pools.setdefault(option.review_pool, []).append(option.platform_name)
    return pools


def eligible(options: list[ProfileOption], policy: RoutingPolicy, customer: CustomerFacts, *,
             has_incentive: bool) -> tuple[list[ProfileOption], dict[str, str]]:
    """The options this customer may be routed to, and for every excluded platform key the reason.

    A customer whose country maps to no known region is allowed on every platform: refusing
    them everywhere would silently drop customers for missing CRM data, and the platforms'
    regions describe their main audience, not a ban on anyone else.
    """
    region = region_of(customer.country)
    pools = _pool_names(options)
    kept: list[ProfileOption] = []
    excluded: dict[str, str] = {}
    for option in options:
        found = _exclusion(option, policy, region, customer, has_incentive, pools)
        if found is None:
            kept.append(option)
        else:
            excluded[option.platform_key] = found[1]
    return kept, excluded


def _need_terms(option: ProfileOption, planned: int) -> tuple[float, float, float]:
    """(count gap, rating gap, staleness), each in [0, 1]; the need score is their sum.

    - count gap = max(0, target_count - (review_count + planned)) / target_count: relative to
      the target, so "40 short of 100" and "4 short of 10" weigh the same whatever the scale.
    - rating gap = max(0, target_rating - average) / 5: averages are kept normalised to 5.
      Planned asks do not move it: guessing their rating would be sentiment-based routing.
    - staleness = 1 / (1 + recent_reviews + planned): 1 with nothing recent, halving with the
      first review, flattening after; buyers and the sites' rankings favour fresh reviews.
    Each term is dimensionless and bounded, so none dominates by its unit; a missing target
    contributes 0 (no stated need), a missing count counts as 0 reviews (none known). Every
    planned ask is counted as one more review, so a run spreads over platforms instead of
    sending everyone to the neediest one: that over-estimates conversion, which errs towards
    spreading, the safer side.
    """
    count_gap = 0.0
    if option.target_count:
        have = (option.review_count or 0) + planned
        count_gap = max(0, option.target_count - have) / option.target_count
    rating_gap = 0.0
    if option.target_rating is not None and option.average is not None:
        rating_gap = max(0.0, option.target_rating - option.average) / 5
    staleness = 1 / (1 + option.recent_reviews + planned)
    return count_gap, rating_gap, staleness


def _need_reason(option: ProfileOption, planned: int) -> str:
    parts = []
    if option.target_count:
        short = max(0, option.target_count - (option.review_count or 0))
        parts.append(f"{short} reviews short of {option.target_count}")
    if option.target_rating is not None and option.average is not None \
            and option.average < option.target_rating:
        parts.append(f"average {option.average:.1f} below target {option.target_rating:.1f}")
    parts.append(f"{option.recent_reviews} in the last {option.freshness_days} days")
    if planned:
        parts.append(f"{planned} already planned in this run")
    return f"need: {option.platform_name} {', '.join(parts)}"


class Router:
    """Routes many customers for one campaign run; keeps rotation state so weighted rotation is exact."""

    def __init__(self, options: list[ProfileOption], policy: RoutingPolicy, *, has_incentive: bool,
                 seed: int):
        self.options = list(options)
        self.policy = policy
        self.has_incentive = has_incentive
        self._names = {o.platform_key: o.platform_name for o in self.options}
        self._pools = _pool_names(self.options)
        # The seed only orders ties (equal rotation credit), so two runs need not both open
        # with the same platform; the same seed always gives the same sequence.
        keys = sorted(self._names)
        random.Random(seed).shuffle(keys)
        self._tie_rank = {key: rank for rank, key in enumerate(keys)}
        # Weighted rotation: what each option was entitled to so far (the sum of its share of
        # every customer it was eligible for) against what it got. Exact fractions, no drift.
        self._entitled = {o.profile_id: Fraction(0) for o in self.options}
        self._given = {o.profile_id: 0 for o in self.options}
        self._planned = {o.profile_id: 0 for o in self.options}
        self._eligibility_cache: dict[tuple, tuple] = {}

    def account_for(self, prior: dict[int, int]) -> None:
        """Asks this campaign already routed in earlier runs (profile id → count). Rotation and
        need continue from them: a campaign that runs every minute with a few candidates each
        time still spreads its asks as one long run would."""
        known = {pid: n for pid, n in prior.items() if pid in self._given}
        total = sum(known.values())
        weights = {o.profile_id: self._weight(o.platform_key) for o in self.options}
        weight_sum = sum(weights.values())
        for pid, n in known.items():
            self._given[pid] += n
            self._planned[pid] += n
        if total and weight_sum:
            for pid, weight in weights.items():
                self._entitled[pid] += Fraction(total) * Fraction(weight) / Fraction(weight_sum)

    def _weight(self, key: str) -> float:
        return max(0.0, float((self.policy.weights or {}).get(key, 0.0)))

    def _rotate(self, candidates: list[ProfileOption]) -> tuple[ProfileOption, float]:
        """Pick by earliest deadline among the options not ahead of their quota.

        Each option's j-th ask may go out once its entitlement exceeds j-1 (upper quota) and is
        due when the entitlement reaches j (lower quota). Earliest-deadline-first among released
        options meets every deadline whenever some schedule does, and Balinski and Young's quota
        method shows one does; so with a stable set of eligible options every option's count
        stays strictly within 1 of N*w/sum(w) after every customer. (Smooth weighted round-robin
        can drift slightly past 1 with four or more platforms.) With eligibility varying from
        customer to customer the same rule keeps counts close to what each was entitled to.
        """
        weights = {o.profile_id: Fraction(self._weight(o.platform_key)) for o in candidates}
        total = sum(weights.values())
        for pid, weight in weights.items():
            self._entitled[pid] += weight / total
        released = [o for o in candidates if self._entitled[o.profile_id] > self._given[o.profile_id]]

        def deadline(o: ProfileOption) -> tuple[Fraction, int]:
            pid = o.profile_id
            slack = (self._given[pid] + 1 - self._entitled[pid]) * total / weights[pid]
            return slack, self._tie_rank[o.platform_key]

        best = min(released or candidates, key=deadline)
        self._given[best.profile_id] += 1
        return best, float(total)

    def _name(self, key: str | None) -> str:
        return self._names.get(key or "", key or "(none)")

    def _excluded_note(self, excluded: dict[str, str]) -> str:
        """"; excluded: Crozdesk and Trustpilot (incentive not allowed), ..." — grouped by reason."""
        if not excluded:
            return ""
        groups: dict[str, list[str]] = {}
        for key, why in excluded.items():
            groups.setdefault(why, []).append(self._name(key))
        parts = []
        for why, names in groups.items():
            who = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
            parts.append(f"{who} ({why})")
        return "; excluded: " + ", ".join(parts)

    def _eligibility(self, customer: CustomerFacts):
        """Open options, exclusions, pools already reviewed and the region note. They depend
        only on the region (or the unknown country) and the pools reviewed, which few
        customers differ in: cached per such key, a 100,000-customer run computes them a
        handful of times."""
        region = region_of(customer.country)
        country = (customer.country or "").strip()
        key = (region, country if region is None else "", customer.reviewed_pools)
        cached = self._eligibility_cache.get(key)
        if cached is None:
            note = "" if region is not None else (
                f"; country {country!r} has no known region" if country else "; country missing"
            ) + ", so every region is allowed"
            open_, excluded, reviewed = [], {}, set()
            for option in self.options:
                found = _exclusion(option, self.policy, region, customer, self.has_incentive,
                                   self._pools)
                if found is None:
                    open_.append(option)
                    continue
                excluded[option.platform_key] = found[1]
                if found[0] == ALREADY_REVIEWED:
                    reviewed.add(option.platform_key)
            cached = self._eligibility_cache[key] = (open_, excluded, reviewed, note)
        open_, excluded, reviewed, note = cached
        return list(open_), dict(excluded), set(reviewed), note

    def route(self, customer: CustomerFacts) -> RoutingDecision:
        open_, excluded, reviewed, note = self._eligibility(customer)

        def skip(head: str, relevant_reviewed: set[str]) -> RoutingDecision:
            code = ALREADY_REVIEWED if relevant_reviewed else NO_ELIGIBLE_PLATFORM
            return RoutingDecision(None, None, head + note + self._excluded_note(excluded), code)

        def chosen(option: ProfileOption, head: str) -> RoutingDecision:
            self._planned[option.profile_id] += 1
            others = {k: why for k, why in excluded.items() if k != option.platform_key}
            return RoutingDecision(option.profile_id, option.platform_key,
                                   head + note + self._excluded_note(others))

        strategy = self.policy.strategy
        if strategy == "fixed":
            key = self.policy.fixed
            match = next((o for o in open_ if o.platform_key == key), None)
            if match is not None:
                return chosen(match, f"fixed: {match.platform_name}, the campaign's platform")
            why = excluded.pop(key or "", None) or "not one of the product's profiles"
            return skip(f"fixed platform {self._name(key)} not possible: {why}", reviewed & {key or ""})
        if strategy == "weighted":
            candidates = [o for o in open_ if self._weight(o.platform_key) > 0]
            for option in open_:
                if self._weight(option.platform_key) <= 0:
                    excluded[option.platform_key] = "weight 0"
            if not candidates:
                return skip("no platform fits", {k for k in reviewed if self._weight(k) > 0})
            best, total = self._rotate(candidates)
            return chosen(best, f"weighted rotation: {best.platform_name} "
                                f"(weight {self._weight(best.platform_key):g} of {total:g})")
        if strategy == "need":
            if not open_:
                return skip("no platform fits", reviewed)
            best = min(open_, key=lambda o: (-round(sum(_need_terms(o, self._planned[o.profile_id])), 9),
                                             o.platform_key))
            return chosen(best, _need_reason(best, self._planned[best.profile_id]))
        return RoutingDecision(None, None, f"unknown routing strategy {strategy!r}", NO_ELIGIBLE_PLATFORM)

    def validate_policy(self) -> list[str]:
        """Problems with the policy itself, independent of any one customer."""
        policy, names = self.policy, self._names
        problems: list[str] = []
        if policy.strategy not in STRATEGIES:
            problems.append(f"unknown routing strategy {policy.strategy!r} (use fixed, weighted or need)")
        unknown = [k for k in policy.platforms if k not in names]
        if unknown:
            problems.append(f"allowed platforms not among the product's profiles: {', '.join(unknown)}")
        allowed = [o for o in self.options if not policy.platforms or o.platform_key in policy.platforms]
        askable = [o for o in allowed if o.vendor_may_ask
                   and (o.incentives_allowed or not self.has_incentive)]
        if policy.strategy == "fixed":
            fixed = next((o for o in self.options if o.platform_key == policy.fixed), None)
            if not policy.fixed:
                problems.append("the fixed strategy needs a platform")
            elif fixed is None:
                problems.append(f"fixed platform {policy.fixed!r} is not one of the product's profiles")
            elif not fixed.vendor_may_ask:
                problems.append(f"{fixed.platform_name} forbids asking for reviews")
            elif self.has_incentive and not fixed.incentives_allowed:
                problems.append(f"{fixed.platform_name} allows no incentive, and this campaign offers one")
            if fixed is not None and policy.platforms and fixed.platform_key not in policy.platforms:
                problems.append(f"fixed platform {fixed.platform_name} is not among the allowed platforms")
        if policy.strategy == "weighted":
            weights = policy.weights or {}
            negative = [k for k, w in weights.items() if w < 0]
            if negative:
                problems.append(f"negative weights: {', '.join(negative)}")
            if not any(self._weight(o.platform_key) > 0 for o in askable):
                problems.append("weights are all zero for the platforms that may be asked")
        if not any(o.vendor_may_ask for o in allowed):
            problems.append("none of the allowed platforms lets the vendor ask for reviews")
        elif self.has_incentive and not askable:
            no_incentive = ", ".join(o.platform_name for o in allowed if o.vendor_may_ask)
            problems.append(f"the campaign offers an incentive but none of its platforms allows one "
                            f"({no_incentive})")
        return problems
