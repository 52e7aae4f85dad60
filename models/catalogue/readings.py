"""Rating readings: what a platform shows for a profile on a day — its average and its review
count — recorded by whoever reads it (a partner's scraper, an admin, the demo). The average is
given as the platform shows it, on its own scale, and kept out of 5 like every rating Plaudit
stores (8.7 on TrustRadius' 10 is 4.35). The public showcase shows the newest reading; the
history shows the trend."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from models.access.audit import record_audit
from models.catalogue.platforms import PlatformProfile, RatingSnapshot
from models.core.actors import Actor
from models.core.pagination import MAX_PAGE_SIZE, Page, Row, check_page_size
from models.core.results import Outcome, UserError

MAX_REVIEW_COUNT = 10_000_000
EARLIEST = dt.date(2000, 1, 1)


@dataclass
class ReadingFilter:
    since: dt.date | None = None
    until: dt.date | None = None


async def _profile(actor: Actor, profile_id: int) -> dict | None:
    rows = await PlatformProfile.raw(
        "SELECT p.id, p.product, pl.rating_scale FROM platform_profile p "
        "JOIN review_platform pl ON pl.id = p.platform WHERE p.id = {}", profile_id)
    if not rows or not actor.may_touch_product(rows[0]["product"]):
        return None
    return rows[0]


def check_reading(taken_on: dt.date, average: float, review_count: int, scale: int,
                  today: dt.date) -> list[UserError]:
    errors = []
    if not EARLIEST <= taken_on <= today + dt.timedelta(days=1):
        errors.append(UserError("INVALID_DATE", f"A reading is dated between {EARLIEST} and today.",
                                ("takenOn",)))
    if not 0 <= average <= scale:
        errors.append(UserError("INVALID_RATING", f"This platform rates out of {scale}: the average "
                                f"is between 0 and {scale}.", ("average",)))
    if not 0 <= review_count <= MAX_REVIEW_COUNT:
        errors.append(UserError("INVALID_COUNT", "The review count is a whole number, not negative.",
                                ("reviewCount",)))
    return errors


async def record_rating_reading(actor: Actor, profile_id: int, taken_on: dt.date, average: float,
                                review_count: int) -> Outcome[RatingSnapshot]:
    """One reading per profile and day; a later reading of the same day replaces it."""
    profile = await _profile(actor, profile_id)
    if profile is None:
        return Outcome.fail("NOT_FOUND", "No such platform profile.", "profileId")
    errors = check_reading(taken_on, average, review_count, profile["rating_scale"], dt.date.today())
    if errors:
        return Outcome(errors=errors)
    out_of_5 = round(min(5.0, average * 5 / profile["rating_scale"]), 4)
    async with RatingSnapshot._meta.db.transaction():
        rows = await RatingSnapshot.raw(
            "INSERT INTO rating_snapshot (profile, taken_on, average, review_count) "
            "VALUES ({}, {}, {}, {}) ON CONFLICT (profile, taken_on) DO UPDATE "
            "SET average = EXCLUDED.average, review_count = EXCLUDED.review_count RETURNING id",
            profile_id, taken_on, out_of_5, review_count)
        await record_audit(actor, "rating.record", "rating_snapshot", rows[0]["id"],
                           {"profile": profile_id, "taken_on": taken_on.isoformat(),
                            "average": average, "scale": profile["rating_scale"],
                            "review_count": review_count})
    return Outcome(RatingSnapshot(id=rows[0]["id"], profile=profile_id, taken_on=taken_on,
                                  average=out_of_5, review_count=review_count))


async def list_readings(actor: Actor, profile_id: int, flt: ReadingFilter, first: int | None,
                        after_id: int | None) -> Page | None:
    """A profile's readings, oldest first (by date, then id: a keyset on both), or None when the
    profile is unknown or outside the actor's product."""
    if await _profile(actor, profile_id) is None:
        return None
    size = check_page_size(first if first is not None else MAX_PAGE_SIZE)
    where, args = ["profile = {}"], [profile_id]
    if flt.since is not None:
        where.append("taken_on >= {}")
        args.append(flt.since)
    if flt.until is not None:
        where.append("taken_on <= {}")
        args.append(flt.until)
    if after_id is not None:
        where.append("(taken_on, id) > (SELECT taken_on, id FROM rating_snapshot WHERE id = {})")
        args.append(after_id)
    rows = await RatingSnapshot.raw(
        "SELECT id, profile, taken_on, average, review_count FROM rating_snapshot "
        f"WHERE {' AND '.join(where)} ORDER BY taken_on, id LIMIT {{}}", *args, size + 1)
    return Page(rows=[Row(r) for r in rows[:size]], has_next=len(rows) > size,
                has_previous=after_id is not None)
