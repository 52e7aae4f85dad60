"""Reviews: imported or entered, normalised to 5 stars, matched to customers and asks."""

from __future__ import annotations

from piccolo.columns import (
    JSONB,
    Boolean,
    Date,
    DoublePrecision,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from models.asking.tables import Ask
from models.catalogue.platforms import PlatformProfile
from models.catalogue.products import Product
from models.people.customers import Customer


def normalise_rating(original: float, scale: int) -> float:
    """A rating on the platform's scale, expressed out of 5 (kept to 2 decimals)."""
    if scale <= 0 or not 0 <= original <= scale:
        raise ValueError(f"rating {original} is not on a 0–{scale} scale")
    return round(original * 5 / scale, 2)


class Review(Table, tablename="review"):
    profile = ForeignKey(references=PlatformProfile, on_delete=OnDelete.restrict, null=False)
    external_id = Varchar(length=200)
    rating = DoublePrecision(help_text="Normalised to 5 stars")
    original_rating = DoublePrecision()
    original_scale = Integer()
    sub_ratings = JSONB(default={})
    title = Text(default="")
    pros = Text(default="")
    cons = Text(default="")
    body = Text(default="")
    reviewer_name = Varchar(length=200, default="")
    reviewer_title = Varchar(length=200, default="")
    reviewer_company = Varchar(length=200, default="")
    reviewed_on = Date()
    language = Varchar(length=5, default="en")
    url = Varchar(length=500, default="")
    incentivized = Boolean(default=False)
    insider = Boolean(default=False)
    customer = ForeignKey(references=Customer, on_delete=OnDelete.set_null, null=True)
    ask = ForeignKey(references=Ask, on_delete=OnDelete.set_null, null=True)
    created_at = Timestamptz(default=TimestamptzNow())
    lane = Varchar(length=10, default="praise", help_text="praise, outreach or improve")
    match_confidence = DoublePrecision(default=0.0)
    match_reason = Text(default="")
    themes = JSONB(default={})
    source = Varchar(length=10, default="graphql")


class Improvement(Table, tablename="improvement"):
    """What a 1–2 star review teaches: kept for the product team, tagged with its themes."""

    review = ForeignKey(references="Review", on_delete=OnDelete.cascade, null=False, unique=True)
    product = ForeignKey(references=Product, on_delete=OnDelete.cascade, null=False)
    themes = JSONB(default=[])
    summary = Text(default="")
    status = Varchar(length=10, default="open")
    created_at = Timestamptz(default=TimestamptzNow())
