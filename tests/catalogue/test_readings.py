"""Rating readings over GraphQL (issue 12): record what a platform shows, on its own scale, and
read the history; the public showcase shows the newest one."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from models.catalogue.platforms import PlatformProfile, ReviewPlatform
from tests.ids import gid

RECORD = """mutation($p: ID!, $a: Float!, $n: Int!, $d: Date) {
  recordRatingReading(profileId: $p, average: $a, reviewCount: $n, takenOn: $d) {
    reading { id takenOn average reviewCount profileId } userErrors { code field } } }"""
HISTORY = """query($p: ID!, $first: Int, $after: String, $since: Date) {
  ratingReadings(profileId: $p, first: $first, after: $after, since: $since) {
    nodes { takenOn average } pageInfo { hasNextPage endCursor } } }"""


@pytest.fixture
async def profiles(product):
    found = {}
    for key in ("capterra", "trustradius"):
        platform = await ReviewPlatform.select(ReviewPlatform.id).where(ReviewPlatform.key == key).first()
        profile = PlatformProfile(product=product.id, platform=platform["id"],
                                  profile_url=f"https://{key}.example/p", review_url=f"https://{key}.example/w")
        await profile.save()
        found[key] = gid("PlatformProfile", profile.id)
    return found


@pytest.fixture
async def writer(gql, make_token, product):
    return gql.as_token(await make_token("products:read", "products:write", product_id=product.id))


def errors(payload) -> list[str]:
    return [e["code"] for e in payload["recordRatingReading"]["userErrors"]]


async def test_a_reading_is_on_the_platforms_own_scale(writer, profiles):
    ok = await writer.data(RECORD, {"p": profiles["capterra"], "a": 4.6, "n": 212})
    reading = ok["recordRatingReading"]["reading"]
    assert (reading["average"], reading["reviewCount"], reading["takenOn"]) == (
        4.6, 212, dt.date.today().isoformat())
    assert errors(await writer.data(RECORD, {"p": profiles["capterra"], "a": 5.5, "n": 1})) == [
        "INVALID_RATING"]
    assert errors(await writer.data(RECORD, {"p": profiles["trustradius"], "a": 8.7, "n": 30})) == []
    tomorrow = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    assert errors(await writer.data(RECORD, {"p": profiles["capterra"], "a": 4, "n": 1, "d": tomorrow})) == [
        "INVALID_DATE"]
    assert errors(await writer.data(RECORD, {"p": profiles["capterra"], "a": 4, "n": -1})) == [
        "INVALID_COUNT"]
    again = await writer.data(RECORD, {"p": profiles["capterra"], "a": 4.7, "n": 215})
    assert again["recordRatingReading"]["reading"]["id"] == reading["id"]  # the same day: replaced
    latest = await writer.data("{ platformProfiles { nodes { id latestRating { average } } } }")
    assert {n["id"]: n["latestRating"]["average"] for n in latest["platformProfiles"]["nodes"]} == {
        profiles["capterra"]: 4.7, profiles["trustradius"]: 4.35}  # 8.7 out of 10, kept out of 5


async def test_the_showcase_shows_the_newest_reading(writer, profiles, product):
    from models.core.actors import SYSTEM
    from models.quotes.showcase import load_showcase

    await writer.data(RECORD, {"p": profiles["capterra"], "a": 4.6, "n": 200,
                               "d": (dt.date.today() - dt.timedelta(days=30)).isoformat()})
    await writer.data(RECORD, {"p": profiles["capterra"], "a": 4.8, "n": 230})
    showcase = await load_showcase(SYSTEM, product.id, "home_page")
    capterra = next(p for p in showcase.platforms if p.key == "capterra")
    assert (capterra.average_rating, capterra.review_count) == (4.8, 230)


async def test_history_is_by_date_and_pages_on(writer, profiles):
    days = list(range(10))
    random.Random(7).shuffle(days)  # recorded in any order (a backfill)
    for day in days:
        taken = (dt.date.today() - dt.timedelta(days=day)).isoformat()
        await writer.data(RECORD, {"p": profiles["capterra"], "a": 4 + day / 100, "n": day, "d": taken})
    seen, after = [], None
    while True:
        page = (await writer.data(HISTORY, {"p": profiles["capterra"], "first": 3, "after": after}))
        page = page["ratingReadings"]
        seen += [n["takenOn"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == sorted(seen) and len(seen) == 10
    since = (dt.date.today() - dt.timedelta(days=2)).isoformat()
    recent = await writer.data(HISTORY, {"p": profiles["capterra"], "since": since})
    assert len(recent["ratingReadings"]["nodes"]) == 3


async def test_another_products_profile_is_out_of_reach(gql, make_token, profiles, other_product):
    outsider = gql.as_token(await make_token("products:read", "products:write",
                                             product_id=other_product.id))
    refused = await outsider.data(RECORD, {"p": profiles["capterra"], "a": 1.0, "n": 1})
    assert errors(refused) == ["NOT_FOUND"]
    body = await outsider(HISTORY, {"p": profiles["capterra"]})
    assert body["data"] is None and "profileId" in body["errors"][0]["message"]
