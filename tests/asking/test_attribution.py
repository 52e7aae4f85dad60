"""Attribution that works with real exports: the tracked redirect adds the platform's tracking
(UTM for G2, a reference for Trustpilot, configurable per profile), a platform export carrying it
back attributes the review to its ask even when the reviewer's name and email say nothing, and a
per-campaign report says how each review was attributed."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

from jobs.asking.asks import send_touch
from models.asking.attribution import tracked_url
from models.asking.selection import run_campaign
from models.asking.tables import Ask, AskTouch
from models.catalogue.platforms import PlatformProfile
from models.core.actors import SYSTEM
from models.core.links import make_token
from models.people.signals import record_signals
from models.reviews.intake import import_file
from models.reviews.reviews import Review
from tests.asking.fixtures import activate, make_campaign
from tests.ids import gid

BROWSER = {"User-Agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) Safari/605.1.15"}
G2_HEADER = ("Review ID,Review Date,Reviewer,Job Title,Company,Star Rating,Title,What do you like best?,"
             "What do you dislike?,Review URL,UTM Content\n")


def test_tracking_per_platform_keeps_the_urls_own_parameters():
    g2 = urlsplit(tracked_url("https://g2.example/acme/review?lang=en", "g2", None, "12.tok", 3))
    assert parse_qs(g2.query) == {"lang": ["en"], "utm_source": ["plaudit"], "utm_medium": ["review_ask"],
                                  "utm_campaign": ["plaudit-3"], "utm_content": ["12.tok"]}
    trustpilot = tracked_url("https://tp.example/evaluate/acme", "trustpilot", None, "12.tok", 3)
    assert trustpilot == "https://tp.example/evaluate/acme?referenceId=12.tok"
    assert tracked_url("https://c.example/w", "capterra", {"mode": "none"}, "12.tok", 3) == "https://c.example/w"
    own = tracked_url("https://c.example/w?ref=old", "capterra", {"mode": "reference", "parameter": "ref"},
                      "12.tok", 3)
    assert own == "https://c.example/w?ref=12.tok"


async def clicked_ask(world, http, platform: str) -> tuple[int, str]:
    campaign = await activate(await make_campaign(world, routing={"strategy": "fixed", "fixed": platform}))
    await record_signals(SYSTEM, world["product"].id, [{
        "source": "billing", "event_id": "a-us1", "customer_external_id": "us1", "kind": "renewed",
        "occurred_at": dt.datetime.now(dt.UTC)}])
    await run_campaign(campaign.id)
    await AskTouch.update({AskTouch.scheduled_at: dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)},
                          force=True)
    touch = (await AskTouch.select(AskTouch.id, AskTouch.ask).where(AskTouch.seq == 0))[0]
    assert await send_touch({"job_try": 1}, touch["id"]) == "sent"
    token = make_token("click", touch["id"])
    response = await http.get(f"/r/{token}", headers=BROWSER)
    assert response.status_code == 302
    return campaign.id, response.headers["location"]


async def test_a_g2_export_carrying_the_utm_attributes_the_review_to_its_ask(world, smtp_sink, http, gql,
                                                                              make_token):
    campaign_id, location = await clicked_ask(world, http, "g2")
    token = parse_qs(urlsplit(location).query)["utm_content"][0]
    # The reviewer used another name and address on G2: only the token links them.
    export = G2_HEADER + (
        f"G2-900,{dt.date.today():%m/%d/%Y},A. Nonymous,CTO,Elsewhere Inc,5,Great,Fast setup.,Nothing.,"
        f"https://g2.example/r/900,{token}\n"
        f"G2-901,{dt.date.today():%m/%d/%Y},Someone Else,CEO,Other Co,4,Good,Nice.,Price.,"
        f"https://g2.example/r/901,\n")
    report = await import_file(SYSTEM, world["product"].id, export.encode())
    assert report.imported and report.problems == [], report.problems
    review = await Review.objects().get(Review.external_id == "G2-900")
    ask = await Ask.objects().get(Ask.campaign == campaign_id)
    assert review.ask == ask.id and review.match_reason.startswith("tracked-link token")
    assert ask.status == "reviewed"
    client = gql.as_token(await make_token("campaigns:read"))
    attribution = (await client.data("query($id: ID!) { campaignAttribution(campaignId: $id) { byToken "
                                     "byEmail byNameAndCompany other unattributed } }",
                                     {"id": gid("Campaign", campaign_id)}))["campaignAttribution"]
    assert attribution == {"byToken": 1, "byEmail": 0, "byNameAndCompany": 0, "other": 0, "unattributed": 1}


async def test_a_profiles_tracking_is_configurable_and_checked(world, smtp_sink, http, gql, make_token):
    profile = await PlatformProfile.objects().where(PlatformProfile.platform.key == "capterra").first()
    client = gql.as_token(await make_token("products:write", "products:read"))
    update = """mutation($id: ID!, $t: ProfileTrackingInput!) { updatePlatformProfile(id: $id,
        input: {tracking: $t}) { profile { tracking { mode parameter } } userErrors { code field } } }"""
    bad = await client.data(update, {"id": gid("PlatformProfile", profile.id),
                                     "t": {"mode": "REFERENCE", "parameter": "1 bad"}})
    assert bad["updatePlatformProfile"]["userErrors"] == [{"code": "INVALID_TRACKING",
                                                           "field": ["tracking", "parameter"]}]
    good = await client.data(update, {"id": gid("PlatformProfile", profile.id),
                                      "t": {"mode": "REFERENCE", "parameter": "ref"}})
    assert good["updatePlatformProfile"]["profile"]["tracking"] == {"mode": "REFERENCE", "parameter": "ref"}
    _, location = await clicked_ask(world, http, "capterra")
    assert list(parse_qs(urlsplit(location).query)) == ["ref"]
