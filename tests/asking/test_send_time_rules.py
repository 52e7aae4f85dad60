"""Compliance at send time: every send re-checks selection's rules on the facts as they are then
(suppression, insider, cool-down, already reviewed, the platform's rules, the campaign active)
and cancels with the reason. Property: whatever happens between planning and sending, and in
whatever order, no mail goes out that selection would now refuse."""

from __future__ import annotations

import datetime as dt
import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobs.asking.asks import send_touch
from models.asking.campaigns import transition
from models.asking.selection import run_campaign
from models.asking.tables import Ask, AskTouch
from models.catalogue.platforms import PlatformProfile, ReviewPlatform
from models.core.actors import SYSTEM
from models.people.customers import Customer, upsert_customers
from models.people.signals import record_signals
from models.reviews.intake import import_reviews
from tests.asking.fixtures import activate, make_campaign
from tests.quotes.fixtures import review_item

PERSONAL = ("insider", "suppressed", "reviewed", "asked_elsewhere")
GLOBAL = ("platform_forbids_asking", "incentive_refused", "region_dropped", "campaign_paused")
counter = itertools.count()
ORIGINAL: dict = {}


async def reset_capterra() -> None:
    """Platform rules are global: every example starts from the catalogue's own."""
    row = await ReviewPlatform.objects().get(ReviewPlatform.key == "capterra")
    if not ORIGINAL:
        ORIGINAL.update(vendor_may_ask=row.vendor_may_ask, incentives_allowed=row.incentives_allowed,
                        audience_regions=list(row.audience_regions))
    await ReviewPlatform.update(ORIGINAL).where(ReviewPlatform.key == "capterra")


async def send_due(campaign_id: int, rounds: int = 2) -> None:
    """What this campaign has scheduled, brought forward and sent; a second round sends the
    follow-ups the first one scheduled."""
    for _ in range(rounds):
        mine = (AskTouch.status == "scheduled") & (AskTouch.ask.campaign == campaign_id)
        await AskTouch.update({AskTouch.scheduled_at: dt.datetime.now(dt.UTC)
                               - dt.timedelta(seconds=1)}).where(mine)
        for touch in await AskTouch.select(AskTouch.id).where(mine).order_by(AskTouch.id):
            await send_touch({"job_try": 1}, touch["id"])


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(people=st.lists(st.sets(st.sampled_from(PERSONAL), max_size=2), min_size=1, max_size=4),
       happenings=st.sets(st.sampled_from(GLOBAL), max_size=2), incentive=st.booleans(),
       order=st.randoms(use_true_random=False))
async def test_no_mail_goes_out_that_selection_would_now_refuse(people, happenings, incentive, order,
                                                                world, smtp_sink):
    run = next(counter)
    await reset_capterra()
    smtp_sink.messages.clear()
    product = world["product"]
    ext = [f"s{run}-{i}" for i in range(len(people))]
    await upsert_customers(SYSTEM, product.id, [
        {"external_id": e, "email": f"{e}@client.example", "first_name": "Sam", "country": "US",
         "time_zone": "UTC"} for e in ext])
    extra = {"incentive": {"description": "A 10 € gift card for every review, whatever it says."}} \
        if incentive else {}
    campaign = await activate(await make_campaign(world, name=f"Send rules {run}",
                                                  routing={"strategy": "fixed", "fixed": "capterra"},
                                                  **extra))
    await record_signals(SYSTEM, product.id, [
        {"source": "billing", "event_id": f"s{run}-{i}", "customer_external_id": e, "kind": "renewed",
         "occurred_at": dt.datetime.now(dt.UTC)} for i, e in enumerate(ext)])
    await run_campaign(campaign.id)
    planned = await Ask.count().where((Ask.campaign == campaign.id) & (Ask.status == "planned"))
    assert planned == len(ext)

    # What happens between planning and sending, in an order hypothesis chooses.
    steps = [(e, what) for e, whats in zip(ext, people, strict=True) for what in sorted(whats)]
    steps += [(None, what) for what in sorted(happenings)]
    order.shuffle(steps)
    elsewhere = None
    for e, what in steps:
        if what == "insider":
            await Customer.update({Customer.is_insider: True}).where(Customer.external_id == e)
        elif what == "suppressed":
            await Customer.update({Customer.email_status: "bounced",
                                   Customer.suppressed_at: dt.datetime.now(dt.UTC)}).where(
                Customer.external_id == e)
        elif what == "reviewed":  # on GetApp: the same review pool as Capterra
            result = await import_reviews(SYSTEM, product.id, [review_item(
                f"rev-{e}", f"{e}@client.example", platform_key="getapp", rating=4)])
            assert not result.errors, result.errors
        elif what == "asked_elsewhere":  # another campaign's mail reached them meanwhile
            if elsewhere is None:
                elsewhere = await make_campaign(world, name=f"Elsewhere {run}")
            customer = await Customer.objects().get(Customer.external_id == e)
            now = dt.datetime.now(dt.UTC)
            other = Ask(campaign=elsewhere.id, customer=customer.id, channel="email", status="sent",
                        planned_at=now, profile=(await PlatformProfile.objects().first()).id)
            await other.save()
            await AskTouch.insert(AskTouch(ask=other.id, seq=0, message_id=f"<other-{e}@x.example>",
                                           status="sent", scheduled_at=now, sent_at=now))
        elif what == "platform_forbids_asking":
            await ReviewPlatform.update({ReviewPlatform.vendor_may_ask: False}).where(
                ReviewPlatform.key == "capterra")
        elif what == "incentive_refused":
            await ReviewPlatform.update({ReviewPlatform.incentives_allowed: False}).where(
                ReviewPlatform.key == "capterra")
        elif what == "region_dropped":
            await ReviewPlatform.update({ReviewPlatform.audience_regions: ["EU", "UK"]}).where(
                ReviewPlatform.key == "capterra")
        elif what == "campaign_paused":
            assert (await transition(SYSTEM, campaign.id, "pause")).ok
    await send_due(campaign.id)

    mailed = {m["To"].addresses[0].addr_spec.split("@")[0] for m in smtp_sink.messages}
    platform = await ReviewPlatform.objects().get(ReviewPlatform.key == "capterra")
    campaign_refused = ("campaign_paused" in happenings or not platform.vendor_may_ask
                        or (incentive and not platform.incentives_allowed)
                        or "NA" not in platform.audience_regions)
    refused = {e for e, whats in zip(ext, people, strict=True) if whats}
    refused |= set(ext) if campaign_refused else set()
    assert not mailed & refused, (mailed & refused, people, happenings)
    # Those nothing happened to are still mailed: the rules refuse what they must, not more.
    assert mailed == set(ext) - refused
    # Every refused first touch says why.
    cancelled = await AskTouch.select(AskTouch.failure_reason).where(
        (AskTouch.ask.campaign == campaign.id) & (AskTouch.status == "cancelled") & (AskTouch.seq == 0))
    assert all(row["failure_reason"] for row in cancelled)


async def test_each_refusal_is_recorded_with_its_reason(world, smtp_sink):
    await reset_capterra()
    campaign = await activate(await make_campaign(world, routing={"strategy": "fixed", "fixed": "capterra"}))
    await record_signals(SYSTEM, world["product"].id, [
        {"source": "billing", "event_id": f"r-{e}", "customer_external_id": e, "kind": "renewed",
         "occurred_at": dt.datetime.now(dt.UTC)} for e in ("us1", "us2")])
    await run_campaign(campaign.id)
    await Customer.update({Customer.is_insider: True}).where(Customer.external_id == "us1")
    await send_due(campaign.id, rounds=1)  # us2's first mail goes; us1's is refused
    asks = {r["customer.external_id"]: r for r in await Ask.select(
        Ask.id, Ask.status, Ask.customer.external_id).where(Ask.campaign == campaign.id)}
    assert (asks["us1"]["status"], asks["us2"]["status"]) == ("cancelled", "sent")
    touches = await AskTouch.select(AskTouch.seq, AskTouch.status, AskTouch.failure_reason).where(
        AskTouch.ask == asks["us1"]["id"])
    assert touches == [{"seq": 0, "status": "cancelled", "failure_reason": "insider"}]
    # Capterra stops letting vendors ask: us2's follow-up is cancelled, the ask stays sent.
    await ReviewPlatform.update({ReviewPlatform.vendor_may_ask: False}).where(
        ReviewPlatform.key == "capterra")
    await send_due(campaign.id, rounds=1)
    follow_up = await AskTouch.select(AskTouch.status, AskTouch.failure_reason).where(
        (AskTouch.ask == asks["us2"]["id"]) & (AskTouch.seq == 1))
    assert follow_up == [{"status": "cancelled",
                          "failure_reason": "Capterra no longer lets vendors ask for reviews"}]
    assert (await Ask.objects().get(Ask.id == asks["us2"]["id"])).status == "sent"
    assert len(smtp_sink.messages) == 1
    await reset_capterra()
