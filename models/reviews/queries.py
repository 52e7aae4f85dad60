"""Reading reviews back: the inbox list, themes over time, ratings by month."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from models.core.actors import Actor
from models.core.pagination import Page, PageRequest, Row, keyset_page
from models.reviews.reviews import Review

LANES = ("praise", "outreach", "improve")


@dataclass
class ReviewFilter:
    product_id: int | None = None
    platform_key: str | None = None
    lane: str | None = None
    since: dt.date | None = None
    min_rating: float | None = None
    max_rating: float | None = None
    customer_id: int | None = None


async def reviews_by_id(ids: list[int]) -> dict[int, Row]:
    """Reviews as the list shows them, by id, for nested lookups (the caller checked the product)."""
    from models.core.actors import SYSTEM

    page = await list_reviews(SYSTEM, ReviewFilter(), PageRequest.only(list(ids)))
    return {row.id: row for row in page.rows}


async def list_reviews(actor: Actor, flt: ReviewFilter, page: PageRequest) -> Page:
    query = Review.select(*Review.all_columns(), Review.profile.platform.key.as_alias("platform_key"),
                          Review.profile.product.as_alias("product_id")).output(load_json=True)
    if actor.product_id is not None:
        query = query.where(Review.profile.product == actor.product_id)
    if flt.product_id is not None:
        query = query.where(Review.profile.product == flt.product_id)
    if flt.platform_key is not None:
        query = query.where(Review.profile.platform.key == flt.platform_key)
    if flt.lane is not None:
        query = query.where(Review.lane == flt.lane)
    if flt.since is not None:
        query = query.where(Review.reviewed_on >= flt.since)
    if flt.min_rating is not None:
        query = query.where(Review.rating >= flt.min_rating)
    if flt.max_rating is not None:
        query = query.where(Review.rating <= flt.max_rating)
    if flt.customer_id is not None:
        query = query.where(Review.customer == flt.customer_id)
    return await keyset_page(query, Review.id, page)


@dataclass
class ThemeCount:
    month: dt.date
    kind: str  # praise | ask
    theme: str
    reviews: int


async def theme_counts(product_id: int, lane: str | None, since: dt.date | None,
                       until: dt.date | None) -> list[ThemeCount]:
    """How many reviews mention each theme, per month, as praise (pros) or ask (cons)."""
    rows = await Review.raw(
        """SELECT date_trunc('month', r.reviewed_on)::date AS month, t.kind, t.theme,
                  count(DISTINCT r.id) AS reviews
           FROM review r JOIN platform_profile p ON p.id = r.profile,
           LATERAL (SELECT 'praise' AS kind, jsonb_array_elements_text(coalesce(r.themes->'praise', '[]'))
                    AS theme UNION ALL
                    SELECT 'ask', jsonb_array_elements_text(coalesce(r.themes->'ask', '[]'))) t
           WHERE p.product = {} AND ({}::text IS NULL OR r.lane = {}::text)
             AND r.reviewed_on >= coalesce({}::date, '-infinity')
             AND r.reviewed_on <= coalesce({}::date, 'infinity')
           GROUP BY 1, 2, 3 ORDER BY 1, 2, 4 DESC, 3""", product_id, lane, lane, since, until)
    return [ThemeCount(**r) for r in rows]


@dataclass
class MonthRating:
    month: dt.date
    average: float
    reviews: int


async def ratings_by_month(profile_id: int) -> list[MonthRating]:
    rows = await Review.raw(
        "SELECT date_trunc('month', reviewed_on)::date AS month, round(avg(rating)::numeric, 2)::float "
        "AS average, count(*) AS reviews FROM review WHERE profile = {} GROUP BY 1 ORDER BY 1", profile_id)
    return [MonthRating(**r) for r in rows]
