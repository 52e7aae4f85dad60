"""Campaign rules, fair selection with its audit, skip reasons, routing constraints."""

import datetime as dt

import pytest

from models.asking.campaigns import save_campaign, transition
from models.asking.selection import run_campaign
from models.asking.tables import Ask, Campaign, SelectionRun, Task
from models.core.actors import SYSTEM
from models.people.customers import Customer
from models.people.signals import record_signals
from tests.asking.fixtures import EN, activate, make_campaign


async def renew(product, *externals, kind="renewed", start=0):
    result = await record_signals(SYSTEM, product.id, [
        {"source": "billing", "event_id": f"{kind}-{start + i}-{ext}", "customer_external_id": ext,
         "kind": kind, "occurred_at": dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)}
        for i, ext in enumerate(externals)])
    assert not result.errors, result.errors


async def asks_by_customer():
    rows = await Ask.select(Ask.status, Ask.routing_reason, Ask.customer.external_id.as_alias("ext"),
                            Ask.profile.platform.key.as_alias("platform"))
    return {r["ext"]: r for r in rows}


async def test_sentiment_in_the_audience_is_refused_naming_the_rule(world):
    outcome = await save_campaign(SYSTEM, None, {
        "product": world["product"].id, "name": "Happy only", "trigger_kind": "signal",
        "trigger_signal": "renewed", "audience": {"plans": ["growth"], "nps_min": 9}})
    assert [(e.code, e.field) for e in outcome.errors] == [("SENTIMENT_RULE", ("audience", "nps_min"))]
    assert "review gating" in outcome.errors[0].message
    trigger = await save_campaign(SYSTEM, None, {"product": world["product"].id, "name": "x",
                                                 "trigger_kind": "signal", "trigger_signal": "praise"})
    assert [e.code for e in trigger.errors] == ["SENTIMENT_TRIGGER"]
    incentive = await save_campaign(SYSTEM, None, {
        "product": world["product"].id, "name": "x", "trigger_signal": "renewed",
        "incentive": {"description": "$20 for 5 stars", "conditional_on_rating": True}})
    assert [e.code for e in incentive.errors] == ["RATING_INCENTIVE"]


async def test_lint_errors_block_activation(world):
    bad = {"subject": "News", "body": "Please leave a 5-star review: {{ review_link }} {{ coupon }}"}
    campaign = await make_campaign(world, templates={"en": bad})
    outcome = await transition(SYSTEM, campaign.id, "activate")
    rules = {e.message.split(":")[0] for e in outcome.errors}
    assert {"[en] SUBJECT_SAYS_WHAT", "[en] NO_POSITIVE_REQUEST", "[en] UNKNOWN_PLACEHOLDER",
            "[en] REASON", "[en] THANKS"} <= rules
    assert (await Ask.count()) == 0


async def test_run_skips_by_reason_defers_escalations_holds_notables_and_audits(world):
    product = world["product"]
    campaign = await activate(await make_campaign(world))
    await Customer.update({Customer.email_status: "unsubscribed",
                           Customer.suppressed_at: dt.datetime.now(dt.UTC)}).where(
        Customer.external_id == "gb1")
    await record_signals(SYSTEM, product.id, [{
        "source": "helpdesk", "event_id": "esc-1", "customer_external_id": "us2",
        "kind": "escalation_opened", "occurred_at": dt.datetime.now(dt.UTC) - dt.timedelta(days=1)}])
    await renew(product, "us1", "us2", "fr1", "gb1", "insider", "notable")

    summary = await run_campaign(campaign.id)
    assert (summary.candidates, summary.eligible, summary.selected) == (6, 6, 6)
    assert dict(summary.skipped) == {"suppressed": 1, "insider": 1}
    assert (summary.planned, summary.held, summary.deferred) == (2, 1, 1)
    asks = await asks_by_customer()
    assert {k: v["status"] for k, v in asks.items()} == {
        "us1": "planned", "fr1": "planned", "us2": "deferred", "notable": "held"}
    assert await Task.count().where(Task.kind == "approval") == 1
    run = await SelectionRun.objects().get(SelectionRun.id == summary.run_id).output(load_json=True)
    assert run.skipped == {"suppressed": 1, "insider": 1, "held_for_approval": 1,
                           "deferred_escalation": 1}
    assert run.sampling == {"rule": "everyone"}

    # Running again plans nothing twice; a new renewal inside the cool-down is skipped.
    again = await run_campaign(campaign.id)
    assert again.candidates == 0
    await renew(product, "us1", start=10)
    third = await run_campaign(campaign.id)
    assert dict(third.skipped) == {"already_open": 1}


async def test_sampling_share_records_its_seed_and_is_reproducible(world, product):
    campaign = await activate(await make_campaign(world, sampling={"rule": "share", "share": 0.5,
                                                                   "seed": 1234}))
    await renew(product, "us1", "us2", "fr1", "gb1")
    summary = await run_campaign(campaign.id)
    run = await SelectionRun.objects().get(SelectionRun.id == summary.run_id).output(load_json=True)
    assert run.sampling == {"rule": "share", "share": 0.5, "seed": 1234, "start": 0}
    import random

    rng = random.Random("1234:0")  # the recorded seed and position replay the draw
    expected = sum(1 for _ in range(4) if rng.random() < 0.5)
    assert summary.selected == expected
    # The next run continues the sequence instead of repeating the same draw.
    await renew(product, "us1", "us2", "fr1", "gb1", start=10)
    second = await run_campaign(campaign.id)
    run2 = await SelectionRun.objects().get(SelectionRun.id == second.run_id).output(load_json=True)
    assert run2.sampling["start"] == 4


async def test_routing_respects_platform_rules_and_explains_itself(world, product):
    campaign = await activate(await make_campaign(
        world, incentive={"description": "a $10 donation to charity, whatever you write"},
        templates={"en": {**EN, "body": EN["body"].replace(
            "\n\n{{ review_link }}", " As a thank-you we donate $10 to charity for every review, "
            "whatever you write.\n\n{{ review_link }}")}},
        routing={"strategy": "weighted", "weights": {"trustpilot": 5, "g2": 1, "product_hunt": 5}}))
    await renew(product, "us1", "fr1")
    await run_campaign(campaign.id)
    asks = await asks_by_customer()
    assert {a["platform"] for a in asks.values()} == {"g2"}
    assert "Trustpilot" in asks["us1"]["routing_reason"]
    assert "Product Hunt" in asks["us1"]["routing_reason"]


async def test_cooldown_spans_campaigns_and_recent_reviews_exclude_their_pool(world, product):
    from models.catalogue.platforms import PlatformProfile
    from models.reviews.reviews import Review

    first = await activate(await make_campaign(world, name="Upgrades", trigger_signal="upgraded"))
    await renew(product, "us1", kind="upgraded")
    await run_campaign(first.id)
    # us2 reviewed on Capterra last month: the whole Gartner pool is out for them.
    capterra = await PlatformProfile.select(PlatformProfile.id).where(
        PlatformProfile.platform.key == "capterra").first()
    us2 = (await Customer.select(Customer.id).where(Customer.external_id == "us2"))[0]["id"]
    await Review.insert(Review(profile=capterra["id"], external_id="cap-1", rating=5.0,
                               original_rating=5.0, original_scale=5, customer=us2,
                               reviewed_on=dt.date.today() - dt.timedelta(days=30)))
    second = await activate(await make_campaign(
        world, routing={"strategy": "weighted", "weights": {"capterra": 1, "getapp": 1,
                                                            "software_advice": 1}}))
    await renew(product, "us1", "us2", "fr1")
    summary = await run_campaign(second.id)
    assert dict(summary.skipped) == {"cooldown": 1, "already_reviewed": 1}
    asks = await Ask.select(Ask.customer.external_id.as_alias("ext")).where(Ask.campaign == second.id)
    assert [a["ext"] for a in asks] == ["fr1"]


async def test_chunked_runs_keep_the_pacing_caps_and_the_audit_whole(world, product, monkeypatch):
    from models.asking import selection
    monkeypatch.setattr(selection, "CHUNK", 2)  # 6 candidates → 3 chunks
    campaign = await activate(await make_campaign(world, pacing={
        "max_per_hour": 1, "max_per_day": 24, "business_hours": [0, 24],
        "business_days": list(range(7)), "jitter_minutes": 0}))
    await renew(product, "us1", "us2", "fr1", "gb1", "insider", "notable")
    summary = await run_campaign(campaign.id)
    assert (summary.candidates, summary.selected, summary.planned, summary.held) == (6, 6, 4, 1)
    hours = [a["planned_at"].replace(minute=0, second=0, microsecond=0)
             for a in await Ask.select(Ask.planned_at).where(Ask.status == "planned")]
    assert len(hours) == len(set(hours)) == 4  # one per hour, across chunks
    run = await SelectionRun.objects().get(SelectionRun.id == summary.run_id)
    assert (run.candidates, run.selected, run.planned) == (6, 6, 4)


async def test_review_fixes_overflow_notables_daily_cap_rotation_and_addresses(world, product):
    """Regressions found in review: pacing overflow, notable release, daily cap across runs,
    weighted rotation across runs, suppression by address."""
    from models.asking.selection import release_deferred
    from models.people.customers import upsert_customers

    # Overflow: one ask a day at most; the second customer gets no slot today… nor sent at once.
    campaign = await activate(await make_campaign(world, name="Tight", pacing={
        "max_per_hour": 1, "max_per_day": 1, "business_hours": [0, 24],
        "business_days": list(range(7)), "jitter_minutes": 0}))
    await renew(product, "us1", "us2")
    first = await run_campaign(campaign.id)
    times = sorted(a["planned_at"] for a in await Ask.select(Ask.planned_at).where(
        Ask.campaign == campaign.id))
    assert first.planned == 2 and times[0].date() != times[1].date()  # one a day, none at once
    # A later run the same day still respects the daily cap.
    await renew(product, "fr1", start=20)
    await run_campaign(campaign.id)
    days = [a["planned_at"].date() for a in await Ask.select(Ask.planned_at).where(
        Ask.campaign == campaign.id)]
    assert len(days) == len(set(days)) == 3

    # A notable customer deferred for an escalation is held, not planned, once it closes.
    other = await activate(await make_campaign(world, name="Notables", trigger_signal="upgraded"))
    await record_signals(SYSTEM, product.id, [{
        "source": "hd", "event_id": "esc-n", "customer_external_id": "notable",
        "kind": "escalation_opened", "occurred_at": dt.datetime.now(dt.UTC) - dt.timedelta(days=2)}])
    await renew(product, "notable", kind="upgraded")
    await run_campaign(other.id)
    await record_signals(SYSTEM, product.id, [{
        "source": "hd", "event_id": "esc-n-closed", "customer_external_id": "notable",
        "kind": "escalation_closed", "occurred_at": dt.datetime.now(dt.UTC) - dt.timedelta(days=1)}])
    campaign_row = await Campaign.objects().get(Campaign.id == other.id).output(load_json=True)
    await release_deferred(campaign_row, dt.datetime.now(dt.UTC))
    status = (await Ask.select(Ask.status).where(Ask.campaign == other.id))[0]["status"]
    assert status == "held"

    # Weighted rotation continues across runs of one customer each.
    rotating = await activate(await make_campaign(world, name="Rotate", trigger_signal="ticket_resolved",
                                                  cooldown_days=0,
                                                  routing={"strategy": "weighted",
                                                           "weights": {"g2": 1, "capterra": 1}}))
    await upsert_customers(SYSTEM, product.id, [
        {"external_id": f"r{i}", "email": f"r{i}@client.example", "country": "US"} for i in range(4)])
    for i in range(4):
        await renew(product, f"r{i}", kind="ticket_resolved", start=100 + i)
        await run_campaign(rotating.id)
    platforms = [a["p"] for a in await Ask.select(Ask.profile.platform.key.as_alias("p")).where(
        Ask.campaign == rotating.id)]
    assert sorted(platforms) == ["capterra", "capterra", "g2", "g2"]

    # Unsubscribed under one row, the address is suppressed under every row that shares it.
    await Customer.update({Customer.email_status: "unsubscribed",
                           Customer.suppressed_at: dt.datetime.now(dt.UTC)}).where(
        Customer.external_id == "gb1")
    await upsert_customers(SYSTEM, product.id, [{"external_id": "gb1-again",
                                                 "email": "GB1@client.example", "country": "GB"}])
    last = await activate(await make_campaign(world, name="Again", trigger_signal="ticket_resolved"))
    await renew(product, "gb1-again", kind="ticket_resolved", start=200)
    summary = await run_campaign(last.id)
    assert dict(summary.skipped) == {"suppressed": 1}


async def test_stale_signals_and_unsent_cancelled_asks_do_not_count(world, product):
    from models.asking.asks import cancel_open_asks

    campaign = await activate(await make_campaign(world, name="Fresh only"))
    await record_signals(SYSTEM, product.id, [{
        "source": "billing", "event_id": "old-renewal", "customer_external_id": "us1", "kind": "renewed",
        "occurred_at": dt.datetime.now(dt.UTC) - dt.timedelta(days=400)}])  # a backfill
    assert (await run_campaign(campaign.id)).candidates == 0
    await renew(product, "us2", start=50)
    assert (await run_campaign(campaign.id)).planned == 1
    # Finished before anything was sent: us2 was never asked, so no cool-down elsewhere.
    await cancel_open_asks(campaign_id=campaign.id, reason="test")
    other = await activate(await make_campaign(world, name="Other", trigger_signal="upgraded"))
    await renew(product, "us2", kind="upgraded", start=60)
    assert (await run_campaign(other.id)).planned == 1


@pytest.mark.keep_signal_settle
async def test_signals_wait_to_settle_before_a_run_uses_them(world, product):
    campaign = await activate(await make_campaign(world, name="Settle"))
    await renew(product, "us1")
    assert (await run_campaign(campaign.id)).candidates == 0  # just pushed: not yet
    from models.people.signals import Signal

    await Signal.update({Signal.created_at: dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)},
                        force=True)
    assert (await run_campaign(campaign.id)).candidates == 1


async def test_a_run_with_no_candidates_leaves_no_audit_row(world):
    """A signal-triggered campaign runs every minute; only runs that considered someone are
    worth an audit row (issue 12: one empty row per minute per campaign was noise)."""
    campaign = await activate(await make_campaign(world))
    empty = await run_campaign(campaign.id)
    assert (empty.run_id, empty.candidates) == (None, 0)
    assert await SelectionRun.count() == 0
    await renew(world["product"], "us1")
    summary = await run_campaign(campaign.id)
    assert summary.candidates == 1 and summary.run_id is not None
    assert await SelectionRun.count() == 1
    assert (await run_campaign(campaign.id)).run_id is None  # the signal was consumed
    assert await SelectionRun.count() == 1
