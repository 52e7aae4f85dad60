"""A campaign run: select customers fairly, skip those who must not be asked, route, pace, plan.

Eligibility uses timing and plain facts only; every run that has candidates writes a
SelectionRun audit (candidates, eligible, selected, planned, skips per reason, sampling seed)
so anyone can check that no choice depended on sentiment. Set-based queries
fetch every fact once per run, so 100,000 candidates stay a handful of queries.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import secrets
from collections import Counter
from dataclasses import dataclass, field

from models.asking.asks import insert_planned_asks
from models.asking.campaign_rules import DEFAULT_FOLLOW_UP
from models.asking.candidates import (  # noqa: F401
    CHUNK,
    SIGNAL_MAX_AGE,
    SIGNAL_SETTLE,
    _candidate_chunks,
    _trigger_and_watermark,
)
from models.asking.follow_ups import caps_used
from models.asking.pacing import Recipient, pacing_of, plan_send_times
from models.asking.routing import CustomerFacts, ProfileOption, Router, RoutingPolicy, region_of
from models.asking.tables import Campaign, SelectionRun

SKIP_REASONS = ("suppressed", "insider", "cooldown", "already_open", "already_reviewed",
                "no_platform")


@dataclass
class RunSummary:
    run_id: int | None
    candidates: int = 0
    eligible: int = 0
    selected: int = 0
    planned: int = 0
    held: int = 0
    deferred: int = 0
    skipped: Counter = field(default_factory=Counter)


def routing_policy(config: dict | None) -> RoutingPolicy:
    config = config or {}
    return RoutingPolicy(strategy=config.get("strategy", "need"),
                         platforms=tuple(config.get("platforms") or ()), fixed=config.get("fixed"),
                         weights=config.get("weights"))


async def routing_options(product_id: int) -> list[ProfileOption]:
    rows = await Campaign.raw(
        """SELECT p.id, pl.key, pl.name, pl.review_pool, pl.vendor_may_ask, pl.incentives_allowed,
                  pl.audience_regions, pl.freshness_days, p.target_count, p.target_rating,
                  snap.review_count, snap.average,
                  (SELECT count(*) FROM review r WHERE r.profile = p.id
                     AND r.reviewed_on > current_date - pl.freshness_days) AS recent
           FROM platform_profile p JOIN review_platform pl ON pl.id = p.platform
           LEFT JOIN LATERAL (SELECT review_count, average FROM rating_snapshot s
                              WHERE s.profile = p.id ORDER BY taken_on DESC LIMIT 1) snap ON true
           WHERE p.product = {} ORDER BY pl.key""", product_id)
    return [ProfileOption(
        profile_id=r["id"], platform_key=r["key"], platform_name=r["name"],
        review_pool=r["review_pool"], vendor_may_ask=r["vendor_may_ask"],
        incentives_allowed=r["incentives_allowed"], audience_regions=tuple(r["audience_regions"]),
        review_count=r["review_count"], average=r["average"], target_count=r["target_count"],
        target_rating=r["target_rating"], recent_reviews=r["recent"],
        freshness_days=r["freshness_days"]) for r in rows]


def in_audience(customer: dict, audience: dict, today: dt.date) -> bool:
    if audience.get("plans") and customer["plan"] not in audience["plans"]:
        return False
    if audience.get("countries") and customer["country"] not in audience["countries"]:
        return False
    if audience.get("regions") and region_of(customer["country"]) not in audience["regions"]:
        return False
    if audience.get("locales") and customer["locale"] not in audience["locales"]:
        return False
    since = customer["customer_since"]
    tenure = (today - since).days if since else None
    if "min_tenure_days" in audience and (tenure is None or tenure < audience["min_tenure_days"]):
        return False
    return not ("max_tenure_days" in audience and tenure is not None
                and tenure > audience["max_tenure_days"])


async def _facts(ids: list[int], cooldown_days: int, campaign_id: int) -> tuple:
    customers = {r["id"]: r for r in await Campaign.raw(
        "SELECT c.id, c.plan, c.country, c.locale, c.time_zone, c.customer_since, c.is_insider, "
        "c.is_notable, c.email_status, lower(c.email) AS address "
        "FROM customer c WHERE c.id = ANY({}::int[])", ids)}
    # Suppression is by address: one set of suppressed addresses (small) instead of a lookup per
    # customer; a row whose address is suppressed elsewhere reads as 'suppressed'.
    suppressed = {r["address"] for r in await Campaign.raw(
        "SELECT DISTINCT lower(email) AS address FROM customer WHERE email_status <> 'ok'")}
    for facts in customers.values():
        if facts["email_status"] == "ok" and facts["address"] in suppressed:
            facts["email_status"] = "suppressed"
    cooled = {r["customer"] for r in await Campaign.raw(
        "SELECT DISTINCT customer FROM ask a WHERE customer = ANY({}::int[]) "
        "AND created_at > now() - make_interval(days => {}) AND (status <> 'cancelled' OR EXISTS "
        "(SELECT 1 FROM ask_touch t WHERE t.ask = a.id AND t.status = 'sent'))",
        ids, cooldown_days)}  # an ask cancelled before anything went out asked nobody
    open_here = {r["customer"] for r in await Campaign.raw(
        "SELECT customer FROM ask WHERE campaign = {} AND customer = ANY({}::int[]) "
        "AND status IN ('held', 'deferred', 'planned', 'sent', 'clicked')", campaign_id, ids)}
    escalated = {r["customer"] for r in await Campaign.raw(
        "SELECT customer FROM (SELECT DISTINCT ON (customer) customer, kind FROM signal "
        "WHERE customer = ANY({}::int[]) AND kind IN ('escalation_opened', 'escalation_closed') "
        "ORDER BY customer, occurred_at DESC, id DESC) last WHERE kind = 'escalation_opened'", ids)}
    pools: dict[int, set[str]] = {}
    for r in await Campaign.raw(
            "SELECT r.customer, pl.review_pool FROM review r JOIN platform_profile p ON p.id = r.profile "
            "JOIN review_platform pl ON pl.id = p.platform WHERE r.customer = ANY({}::int[]) "
            "AND r.reviewed_on > current_date - pl.freshness_days", ids):
        pools.setdefault(r["customer"], set()).add(r["review_pool"])
    return customers, cooled, open_here, escalated, pools


class Sampler:
    """The campaign's sampling rule, applied chunk after chunk exactly as to one long list:
    one seeded generator for a share, one running position for every n-th."""

    def __init__(self, sampling: dict, counter: int) -> None:
        self.rule = sampling.get("rule", "everyone")
        self.counter = counter
        if self.rule == "share":
            self.share = sampling["share"]
            self.seed = sampling.get("seed") or secrets.randbits(32)
            # A fixed seed must not give every run the same draw: the generator is keyed by
            # the seed and the position reached, both recorded, so any run can be replayed.
            self.rng = random.Random(f"{self.seed}:{counter}")
            self.record = {"rule": "share", "share": self.share, "seed": self.seed, "start": counter}
        elif self.rule == "every_nth":
            self.n = sampling["n"]
            self.record = {"rule": "every_nth", "n": self.n, "start": counter}
        else:
            self.record = {"rule": "everyone"}

    def __call__(self, ids: list[int]) -> list[int]:
        if self.rule == "share":
            self.counter += len(ids)
            return [cid for cid in ids if self.rng.random() < self.share]
        if self.rule == "every_nth":
            chosen = [cid for i, cid in enumerate(ids) if (self.counter + i) % self.n == 0]
            self.counter += len(ids)
            return chosen
        return list(ids)


async def run_campaign(campaign_id: int, now: dt.datetime | None = None) -> RunSummary:
    """Select, skip, route, pace and plan the asks of one active campaign. Safe to repeat:
    the signal watermark and the one-open-ask rule make a second run plan nothing twice."""

    now = now or dt.datetime.now(dt.UTC)
    async with Campaign._meta.db.transaction():
        campaign = await Campaign.objects().get(Campaign.id == campaign_id).output(
            load_json=True).lock_rows("NO KEY UPDATE")
        if campaign is None or campaign.status != "active":
            return RunSummary(run_id=None)
        trigger, watermark = await _trigger_and_watermark(campaign)
        summary = RunSummary(run_id=None)
        audience = campaign.audience or {}
        sampler = Sampler(campaign.sampling or {}, campaign.sampling_counter)
        router = await campaign_router(campaign, seed=sampler.record.get("seed", 0))
        await release_deferred(campaign, now)
        await _select_and_plan(campaign, _candidate_chunks(campaign, watermark), trigger, audience,
                               sampler, router, summary, now)
        counter = sampler.counter
        await Campaign.update({Campaign.signal_watermark: watermark,
                               Campaign.sampling_counter: counter,
                               Campaign.one_off_done: campaign.trigger_kind == "one_off"}).where(
            Campaign.id == campaign.id)
    return summary


async def _select_and_plan(campaign: Campaign, chunks, trigger: str, audience: dict, sampler: Sampler,
                           router: Router, summary: RunSummary, now: dt.datetime) -> None:
    run = None
    already = None
    async for chunk in chunks:
        if run is None:
            # The audit row first, so every ask can point at it as it is written. A run that
            # considered nobody leaves no audit row (one a minute was noise).
            run = SelectionRun(campaign=campaign.id, trigger=trigger, sampling=sampler.record,
                               rules={"audience": audience, "cooldown_days": campaign.cooldown_days})
            await run.save()
            summary.run_id = run.id
            # The hourly and daily caps hold across chunks as in a single pass: each chunk's
            # send times are added to the per-hour counts the next chunk is paced against.
            already = await planned_per_hour(campaign, now)
        summary.candidates += len(chunk)
        plans = await _plan_chunk(campaign, chunk, audience, sampler, router, summary, now, already)
        summary.planned += await insert_planned_asks(campaign, plans, now, run.id)
    if run is None:
        return
    await SelectionRun.update({
        SelectionRun.candidates: summary.candidates, SelectionRun.eligible: summary.eligible,
        SelectionRun.selected: summary.selected, SelectionRun.planned: summary.planned,
        SelectionRun.skipped: json.dumps(dict(summary.skipped) | {
            "held_for_approval": summary.held, "deferred_escalation": summary.deferred}),
    }).where(SelectionRun.id == run.id)


async def _plan_chunk(campaign: Campaign, chunk: list[tuple[int, int | None]], audience: dict,
                      sampler: Sampler, router: Router, summary: RunSummary,
                      now: dt.datetime, already: Counter) -> list[dict]:
    by_customer = dict(chunk)
    ids = [cid for cid, _ in chunk]
    customers, cooled, open_here, escalated, pools = await _facts(ids, campaign.cooldown_days,
                                                                  campaign.id)
    eligible = [cid for cid in ids if in_audience(customers[cid], audience, now.date())]
    summary.eligible += len(eligible)
    selected = sampler(eligible)
    summary.selected += len(selected)
    plans = []
    for cid in selected:
        facts = customers[cid]
        reason = _skip_reason(facts, cid, cooled, open_here)
        if reason:
            summary.skipped[reason] += 1
            continue
        base = {"customer": cid, "signal": by_customer[cid], "channel": campaign.channel}
        if cid in escalated:  # deferred, not dropped: planned once the escalation closes
            plans.append(base | {"status": "deferred", "profile": None,
                                 "routing_reason": "open escalation: deferred"})
            summary.deferred += 1
            continue
        decision = router.route(CustomerFacts(cid, facts["country"], frozenset(pools.get(cid, ()))))
        if decision.profile_id is None:
            key = "already_reviewed" if decision.skip_reason == "ALREADY_REVIEWED" else "no_platform"
            summary.skipped[key] += 1
            continue
        status = "held" if facts["is_notable"] else "planned"
        summary.held += status == "held"
        plans.append(base | {"status": status, "profile": decision.profile_id,
                             "routing_reason": decision.reason, "time_zone": facts["time_zone"]})
    times = await _pace(campaign, [p for p in plans if p["status"] == "planned"], now, already)
    kept = []
    for plan in plans:
        if plan["status"] == "planned" and times.get(plan["customer"]) is None:
            # The caps leave no slot within the pacing horizon: never send it at once instead.
            summary.skipped["no_send_slot"] += 1
            continue
        plan["planned_at"] = times.get(plan["customer"]) or now
        kept.append(plan)
    return kept


def _skip_reason(facts: dict, cid: int, cooled: set, open_here: set) -> str | None:
    if facts["email_status"] != "ok":
        return "suppressed"
    if facts["is_insider"]:
        return "insider"
    if cid in open_here:
        return "already_open"
    if cid in cooled:
        return "cooldown"
    return None


async def planned_per_hour(campaign: Campaign, now: dt.datetime) -> Counter:
    """Asks this campaign already has in each coming hour: the caps count them."""
    # From the start of the UTC day, so the daily cap counts earlier runs of the same day; every
    # ask that went or will go out counts, whatever happened to it since.
    return await caps_used(campaign.id, now)  # follow-ups count too (models/asking/follow_ups.py)


async def _pace(campaign: Campaign, plans: list[dict], now: dt.datetime,
                already: Counter | None = None) -> dict[int, dt.datetime]:
    """Send times for planned asks. `already` (hour → asks) is read from the database unless
    the caller keeps it, as a chunked run does; it is updated with the new times."""
    if not plans:
        return {}
    pacing = pacing_of(campaign.pacing)
    if already is None:
        already = await planned_per_hour(campaign, now)
    times = plan_send_times([Recipient(p["customer"], p["time_zone"]) for p in plans], pacing, now,
                            already_planned=dict(already), seed=campaign.id)
    already.update(t.replace(minute=0, second=0, microsecond=0) for t in times.values() if t)
    return times


def follow_up_config(campaign: Campaign) -> dict:
    return DEFAULT_FOLLOW_UP | (campaign.follow_up or {})




async def campaign_router(campaign: Campaign, seed: int) -> Router:
    """A router for this campaign that continues from the asks it already routed."""
    router = Router(await routing_options(campaign.product), routing_policy(campaign.routing),
                    has_incentive=bool(campaign.incentive), seed=seed)
    prior = await Campaign.raw("SELECT profile, count(*) AS n FROM ask WHERE campaign = {} AND "
                               "profile IS NOT NULL AND status <> 'cancelled' GROUP BY profile",
                               campaign.id)
    router.account_for({r["profile"]: r["n"] for r in prior})
    return router


async def _plan_existing(campaign: Campaign, asks: list[dict], now: dt.datetime, *,
                         hold_notables: bool = False) -> tuple[int, Counter]:
    """Route and pace asks that already exist (held then approved, or deferred then released)."""
    from models.asking.asks import promote_asks

    if not asks:
        return 0, Counter()
    ids = [a["customer"] for a in asks]
    customers, _, _, _, pools = await _facts(ids, campaign.cooldown_days, campaign.id)
    router = await campaign_router(campaign, seed=campaign.id)
    routed, skipped = [], Counter()
    for ask in asks:
        facts = customers[ask["customer"]]
        if facts["email_status"] != "ok":
            skipped["suppressed"] += 1
            continue
        if facts["is_insider"]:
            skipped["insider"] += 1
            continue
        decision = router.route(CustomerFacts(ask["customer"], facts["country"],
                                              frozenset(pools.get(ask["customer"], ()))))
        if decision.profile_id is None:
            skipped["no_platform"] += 1
            continue
        # Released from deferral, a notable customer still waits for a human's approval.
        status = "held" if hold_notables and facts["is_notable"] else "planned"
        routed.append({"id": ask["id"], "customer": ask["customer"], "profile": decision.profile_id,
                       "routing_reason": decision.reason, "time_zone": facts["time_zone"],
                       "status": status})
    times = await _pace(campaign, [r for r in routed if r["status"] == "planned"], now)
    promotions = []
    for r in routed:
        if r["status"] == "planned" and times.get(r["customer"]) is None:
            skipped["no_send_slot"] += 1
            continue
        promotions.append({"id": r["id"], "profile": r["profile"], "status": r["status"],
                           "routing_reason": r["routing_reason"],
                           "planned_at": times.get(r["customer"]) or now})
    return await promote_asks(promotions), skipped


async def release_deferred(campaign: Campaign, now: dt.datetime) -> int:
    """Deferred asks whose escalation has since closed are routed and planned."""
    rows = await Campaign.raw(
        "SELECT a.id, a.customer FROM ask a WHERE a.campaign = {} AND a.status = 'deferred' AND NOT "
        "EXISTS (SELECT 1 FROM (SELECT DISTINCT ON (customer) kind FROM signal s WHERE s.customer = "
        "a.customer AND kind IN ('escalation_opened', 'escalation_closed') ORDER BY customer, "
        "occurred_at DESC, id DESC) last WHERE last.kind = 'escalation_opened')", campaign.id)
    planned, _ = await _plan_existing(campaign, rows, now, hold_notables=True)
    return planned


async def approve_held_ask(actor, ask_id: int, now: dt.datetime | None = None):
    """A human approved an ask to a notable customer: route it, pace it, plan it."""
    from models.access.audit import record_audit
    from models.asking.tables import Ask, Task
    from models.core.results import Outcome

    now = now or dt.datetime.now(dt.UTC)
    async with Campaign._meta.db.transaction():
        rows = await Ask.select(Ask.id, Ask.customer, Ask.status, Ask.campaign).where(Ask.id == ask_id)
        if not rows:
            return Outcome.fail("NOT_FOUND", "No such ask.", "askId")
        campaign = await Campaign.objects().get(Campaign.id == rows[0]["campaign"]).output(
            load_json=True)
        if not actor.may_touch_product(campaign.product):
            return Outcome.fail("NOT_FOUND", "No such ask.", "askId")
        if rows[0]["status"] != "held":
            return Outcome.fail("NOT_HELD", f"This ask is {rows[0]['status']}, not held.", "askId")
        planned, skipped = await _plan_existing(campaign, rows, now)
        if not planned:
            return Outcome.fail("NOT_ROUTABLE", f"It cannot be sent now: {', '.join(skipped)}.",
                                "askId")
        await Task.update({Task.status: "done", Task.done_at: now}).where(
            (Task.ask == ask_id) & (Task.kind == "approval") & (Task.status == "open"))
        await record_audit(actor, "ask.approve", "ask", ask_id)
    return Outcome(ask_id)
