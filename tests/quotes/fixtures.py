"""Fixtures for quotes: a praise review by a known customer, turned into quote candidates."""

import datetime as dt

import pytest

from models.catalogue.platforms import PlatformProfile
from models.catalogue.readings import record_rating_reading
from models.core.actors import SYSTEM, admin_actor
from models.quotes.tables import Quote
from models.reviews.intake import import_reviews

EDITOR = admin_actor("editor")
OTHER_EDITOR = admin_actor("second-editor")
PRAISE = "The customer support team answers within minutes. Reporting saves us hours every week."


def review_item(external_id: str, email: str, rating: float = 5, pros: str = PRAISE, **extra) -> dict:
    return {"platform_key": "capterra", "external_id": external_id, "original_rating": rating,
            "original_scale": 5, "sub_ratings": {}, "title": "", "pros": pros, "cons": "", "body": "",
            "reviewer_name": "Ana Lopez", "reviewer_title": "CFO", "reviewer_company": "Globex",
            "reviewer_email": email, "reviewed_on": dt.date.today(), "language": "en",
            "url": f"https://capterra.example/reviews/{external_id}", "incentivized": False,
            "insider": False, "ask_token": ""} | extra


async def quotes_from(world, external_id: str, email: str, **extra) -> list[Quote]:
    result = await import_reviews(SYSTEM, world["product"].id, [review_item(external_id, email, **extra)])
    assert not result.errors, result.errors
    return await Quote.objects().order_by(Quote.id).where(Quote.review == int(result.items[0].id))


@pytest.fixture
async def candidate(world):
    """A 5★ Capterra review by customer us1: its first sentence, as a quote candidate."""
    quotes = await quotes_from(world, "cap-1", "us1@client.example")
    return quotes[0]


@pytest.fixture
async def rated(world):
    """The platforms' own figures: Capterra 4.7 from 212 reviews (newest reading), G2 4.5 / 40."""
    profiles = {p["id"]: p for p in await PlatformProfile.select(
        PlatformProfile.id, PlatformProfile.platform.key.as_alias("key"))}
    by_key = {p["key"]: pid for pid, p in profiles.items()}
    today = dt.date.today()
    await record_rating_reading(SYSTEM, by_key["capterra"], today - dt.timedelta(days=30), 4.6, 200)
    await record_rating_reading(SYSTEM, by_key["capterra"], today, 4.7, 212)
    await record_rating_reading(SYSTEM, by_key["g2"], today, 4.5, 40)
    return by_key
