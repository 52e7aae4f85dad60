"""Reviews in: import, idempotency, all-or-nothing, attribution, lanes, webhook, reads."""

import datetime as dt
import json
import time

import pytest

from models.access.webhooks import sign
from models.asking.tables import Ask, AskTouch, Task
from models.core.actors import SYSTEM
from models.quotes.tables import Quote
from models.reviews.reviews import Improvement, Review
from tests.ids import gid

IMPORT = """mutation($p: ID, $r: [ReviewInput!]!, $skip: Boolean!) {
  importReviews(productId: $p, reviews: $r, skipInvalid: $skip) {
    results { index externalId status reviewId } createdCount duplicateCount
    skipped { field code message } userErrors { field code message } } }"""
TODAY = dt.date.today().isoformat()


def review(ext, platform, rating, **extra):
    return {"platform": platform, "externalId": ext, "rating": rating, "reviewedOn": TODAY, **extra}


MIXED = [
    review("cap-1", "capterra", 5, reviewerName="Ana Lopez", reviewerCompany="Globex",
           pros="The customer support team answers within minutes. Reporting saves us hours every week.",
           cons="Nothing major."),
    review("g2-1", "g2", 3, reviewerName="Ben Ode", cons="Missing integrations with our CRM.",
           pros="Easy to use."),
    review("tp-1", "trustpilot", 1, reviewerName="Cy Dee", cons="Too expensive and the mobile app crashes.",
           language="en"),
    review("tr-1", "trustradius", 8, reviewerName="Di Eve", pros="Great onboarding and clear documentation."),
]


@pytest.fixture
async def client(gql, make_token):
    return gql.as_token(await make_token("reviews:write", "reviews:read", "campaigns:read"))


async def imported(client, world, items, skip=False):
    data = await client.data(IMPORT, {"p": gid("Product", world["product"].id), "r": items, "skip": skip})
    return data["importReviews"]


async def test_mixed_reviews_fill_the_three_lanes(client, world):
    payload = await imported(client, world, MIXED)
    assert payload["userErrors"] == [] and payload["createdCount"] == 4
    rows = {r["external_id"]: r for r in await Review.select()}
    assert {k: (r["rating"], r["lane"]) for k, r in rows.items()} == {
        "cap-1": (5.0, "praise"), "g2-1": (3.0, "outreach"), "tp-1": (1.0, "improve"),
        "tr-1": (4.0, "praise")}
    assert rows["tr-1"]["original_rating"] == 8 and rows["tr-1"]["original_scale"] == 10
    kinds = sorted(t["kind"] for t in await Task.select(Task.kind))
    assert kinds == ["outreach", "reply", "thank_you", "thank_you", "thank_you", "thank_you"]
    improvement = (await Improvement.select().output(load_json=True))[0]
    assert improvement["review"] == rows["tp-1"]["id"] and "price" in improvement["themes"]
    quotes = [q["text"] for q in await Quote.select(Quote.text).order_by(Quote.id)]
    assert quotes == ["The customer support team answers within minutes.",
                      "Reporting saves us hours every week.",
                      "Great onboarding and clear documentation."]
    for text in quotes:  # verbatim
        assert any(text in (r["pros"] + r["body"]) for r in rows.values())
    again = await imported(client, world, MIXED)
    assert again["duplicateCount"] == 4 and again["createdCount"] == 0
    assert await Task.count() == 6 and await Review.count() == 4


async def test_a_bad_item_blocks_the_batch_unless_skipping_is_asked(client, world):
    bad = [*MIXED[:2], review("cap-2", "capterra", 7), review("x-1", "nowhere", 4),
           review("cap-1", "capterra", 4)]
    refused = await imported(client, world, bad)
    assert {(tuple(e["field"]), e["code"]) for e in refused["userErrors"]} == {
        (("reviews", "2", "rating"), "INVALID_RATING"), (("reviews", "3", "platform"), "UNKNOWN_PLATFORM"),
        (("reviews", "4", "externalId"), "DUPLICATE_IN_BATCH")}
    assert await Review.count() == 0
    partial = await imported(client, world, bad, skip=True)
    assert partial["createdCount"] == 2 and len(partial["skipped"]) == 3 and partial["userErrors"] == []


async def test_attribution_by_token_email_and_name(client, world, smtp_sink):
    from jobs.asking.asks import send_touch
    from models.asking.funnel import funnel
    from models.asking.selection import run_campaign
    from models.core.links import make_token
    from models.people.customers import Customer
    from models.people.signals import record_signals
    from tests.asking.fixtures import activate, make_campaign

    campaign = await activate(await make_campaign(world, routing={"strategy": "fixed",
                                                                  "fixed": "capterra"}))
    await record_signals(SYSTEM, world["product"].id, [
        {"source": "b", "event_id": f"r-{e}", "customer_external_id": e, "kind": "renewed",
         "occurred_at": dt.datetime.now(dt.UTC)} for e in ("us1", "us2")])
    await run_campaign(campaign.id)
    await AskTouch.update({AskTouch.scheduled_at: dt.datetime.now(dt.UTC)}, force=True)
    touch = (await AskTouch.select(AskTouch.id).where(AskTouch.ask.customer.external_id == "us1"))[0]
    await send_touch({"job_try": 1}, touch["id"])
    await Customer.update({Customer.company: "Initech"}).where(Customer.external_id == "fr1")
    await imported(client, world, [
        review("t-1", "getapp", 5, askToken=make_token("click", touch["id"])),  # same pool as capterra
        review("e-1", "g2", 4, reviewerEmail="US2@client.example"),
        review("n-1", "g2", 4, reviewerName="Fr1 ", reviewerCompany="INITECH"),
        review("o-1", "g2", 4, reviewerName="GB1"),
    ])
    rows = {r["external_id"]: r for r in await Review.select(
        Review.external_id, Review.customer.external_id.as_alias("who"), Review.ask,
        Review.match_confidence, Review.match_reason)}
    assert rows["t-1"]["who"] == "us1" and rows["t-1"]["match_reason"] == "tracked-link token"
    assert rows["e-1"]["who"] == "us2" and rows["e-1"]["match_confidence"] == 0.95
    assert rows["e-1"]["ask"] is None  # us2's ask went to Capterra's pool, not G2's
    assert rows["n-1"]["who"] == "fr1" and "name and company" in rows["n-1"]["match_reason"]
    assert rows["o-1"]["who"] is None and "not linked" in rows["o-1"]["match_reason"]
    asked = (await Ask.select(Ask.status).where(Ask.customer.external_id == "us1"))[0]
    assert asked["status"] == "reviewed"
    follow_ups = await AskTouch.select(AskTouch.status).where(
        (AskTouch.ask.customer.external_id == "us1") & (AskTouch.seq == 1))
    assert follow_ups == [{"status": "cancelled"}]
    assert [(r.reviewed, r.sent) for r in await funnel("campaign")] == [(1, 1)]


async def test_signed_webhook_accepts_refuses_and_ignores_replays(http, world, make_token):
    from models.access.tokens import ApiToken, create_token

    issued = (await create_token(SYSTEM, "connector", ["reviews:write"], world["product"].id)).value
    body = json.dumps({"reviews": [{"platform": "g2", "externalId": "w-1", "rating": 5,
                                    "reviewedOn": TODAY, "pros": "Love the reporting."}]}).encode()

    async def post(payload=body, *, secret=issued.signing_secret, at=None, prefix=issued.token.prefix):
        signature = sign(secret, int(at or time.time()), payload)
        return await http.post("/webhooks/reviews", content=payload, headers={
            "X-Plaudit-Token": prefix, "X-Plaudit-Signature": signature,
            "Content-Type": "application/json"})

    first = await post()
    assert first.status_code == 200 and first.json()["createdCount"] == 1
    review_id = (await Review.select(Review.id).first())["id"]
    assert first.json()["results"] == [{"index": 0, "externalId": "w-1", "status": "CREATED",
                                        "reviewId": gid("Review", review_id)}]
    replay = await post()
    assert replay.status_code == 200 and replay.json() == {
        "results": [{"index": 0, "externalId": "w-1", "status": "DUPLICATE",
                     "reviewId": gid("Review", review_id)}],
        "createdCount": 0, "duplicateCount": 1, "skipped": [], "userErrors": []}
    # The product as GraphQL names it; an id of another type is a clear 400.
    named = json.dumps({"productId": gid("Product", world["product"].id),
                        "reviews": [{"platform": "g2", "externalId": "w-2", "rating": 4,
                                     "reviewedOn": TODAY}]}).encode()
    assert (await post(named)).json()["createdCount"] == 1
    wrong = json.dumps({"productId": gid("Review", 1), "reviews": []}).encode()
    refused = await post(wrong)
    assert refused.status_code == 400 and "Product" in refused.json()["error"]
    invalid = json.dumps({"reviews": [{"platform": "g2", "externalId": "w-3", "rating": 9,
                                       "reviewedOn": TODAY}]}).encode()
    rejected = await post(invalid)
    assert rejected.status_code == 422
    assert [(e["field"], e["code"]) for e in rejected.json()["userErrors"]] == [
        (["reviews", "0", "rating"], "INVALID_RATING")]
    assert (await post(secret="0" * 64)).status_code == 401
    stale = await post(at=time.time() - 3600)
    assert stale.status_code == 401 and "replay" in stale.json()["error"]
    tampered = await http.post("/webhooks/reviews", content=body.replace(b"5", b"1"), headers={
        "X-Plaudit-Token": issued.token.prefix,
        "X-Plaudit-Signature": sign(issued.signing_secret, int(time.time()), body)})
    assert tampered.status_code == 401
    await ApiToken.update({ApiToken.revoked_at: dt.datetime.now(dt.UTC)}).where(
        ApiToken.id == issued.token.id)
    assert (await post()).status_code == 401
    assert await Review.count() == 2


async def test_ratings_by_month_and_themes_over_time(client, world):
    from models.catalogue.platforms import PlatformProfile

    last_month = (dt.date.today().replace(day=1) - dt.timedelta(days=1)).isoformat()
    await imported(client, world, [
        review("c-1", "capterra", 5, reviewedOn=last_month, pros="Support is fantastic."),
        review("c-2", "capterra", 3, pros="Le support client est réactif.", cons="Trop cher."),
        review("c-3", "capterra", 4, pros="Great support and easy to use."),
    ])
    profile = (await PlatformProfile.select(PlatformProfile.id).where(
        PlatformProfile.platform.key == "capterra"))[0]["id"]
    months = await client.data('query($id: ID!) { ratingsByMonth(profileId: $id) { month average '
                               'reviews } }', {"id": gid("PlatformProfile", profile)})
    assert [(m["average"], m["reviews"]) for m in months["ratingsByMonth"]] == [(5.0, 1), (3.5, 2)]
    themes = await client.data('query($p: ID!) { reviewThemes(productId: $p) { month kind theme '
                               'reviews } }', {"p": gid("Product", world["product"].id)})
    this_month = [t for t in themes["reviewThemes"] if t["month"] == dt.date.today().replace(
        day=1).isoformat()]
    praise = {t["theme"]: t["reviews"] for t in this_month if t["kind"] == "PRAISE"}
    asks = {t["theme"]: t["reviews"] for t in this_month if t["kind"] == "ASK"}
    assert praise.get("customer support") == 2 and asks.get("price") == 1


async def test_a_token_from_another_product_links_nothing(client, world, other_product, smtp_sink):
    from jobs.asking.asks import send_touch
    from models.asking.selection import run_campaign
    from models.core.links import make_token
    from models.people.signals import record_signals
    from tests.asking.fixtures import activate, make_campaign

    campaign = await activate(await make_campaign(world, routing={"strategy": "fixed", "fixed": "g2"}))
    await record_signals(SYSTEM, world["product"].id, [{
        "source": "b", "event_id": "r-us1", "customer_external_id": "us1", "kind": "renewed",
        "occurred_at": dt.datetime.now(dt.UTC)}])
    await run_campaign(campaign.id)
    await AskTouch.update({AskTouch.scheduled_at: dt.datetime.now(dt.UTC)}, force=True)
    touch = (await AskTouch.select(AskTouch.id))[0]["id"]
    await send_touch({"job_try": 1}, touch)
    from models.catalogue.platforms import PlatformProfile, ReviewPlatform

    g2 = (await ReviewPlatform.select(ReviewPlatform.id).where(ReviewPlatform.key == "g2"))[0]["id"]
    await PlatformProfile.insert(PlatformProfile(product=other_product.id, platform=g2,
                                                 profile_url="https://g2.example/o",
                                                 review_url="https://g2.example/o/w"))
    await client.data(IMPORT, {"p": gid("Product", other_product.id), "skip": False, "r": [
        review("x-1", "g2", 5, askToken=make_token("click", touch))]})
    row = (await Review.select(Review.customer, Review.ask))[0]
    assert row == {"customer": None, "ask": None}
    assert (await Ask.select(Ask.status))[0]["status"] == "sent"


async def test_a_nul_character_in_a_file_or_feed_is_a_clear_error(world):
    """PostgreSQL text cannot hold U+0000; CSV files and webhooks do not pass the GraphQL check."""
    from models.reviews.intake import import_reviews
    from tests.quotes.fixtures import review_item

    result = await import_reviews(SYSTEM, world["product"].id,
                                  [review_item("nul-1", "us1@client.example", pros="Great\x00 tool.")])
    assert [(e.code, e.field[-1]) for e in result.errors] == [("INVALID_TEXT", "pros")]
    assert await Review.count() == 0
