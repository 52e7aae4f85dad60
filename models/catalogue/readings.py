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
from models.core.pagination import Page, PageRequest, page_of
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


async def list_readings(actor: Actor, profile_id: int | None, flt: ReadingFilter,
                        page: PageRequest) -> Page | None:
    """A profile's readings, oldest first (by date, then id: a keyset on both), or None when the
    profile is unknown or outside the actor's product. Without a profile: the readings asked
    for by id, within the actor's product."""
    where, args = [], []
    if profile_id is not None:
        if await _profile(actor, profile_id) is None:
            return None
        where.append("r.profile = {}")
        args.append(profile_id)
    elif actor.product_id is not None:
        where.append("p.product = {}")
        args.append(actor.product_id)
    if page.ids is not None:
        where.append("r.id = ANY({}::int[])")
        args.append(list(page.ids))
    if flt.since is not None:
        where.append("r.taken_on >= {}")
        args.append(flt.since)
    if flt.until is not None:
        where.append("r.taken_on <= {}")
        args.append(flt.until)
    select = ("SELECT r.id, r.profile, r.taken_on, r.average, r.review_count FROM rating_snapshot r "
              "JOIN platform_profile p ON p.id = r.profile")
    filtered, base_args = " AND ".join(where) or "TRUE", list(args)

    async def count() -> int:
        rows = await RatingSnapshot.raw(f"SELECT count(*) AS n FROM ({select} WHERE {filtered}) AS listed",
                                        *base_args)
        return rows[0]["n"]

    keyset = "(r.taken_on, r.id) {} (SELECT taken_on, id FROM rating_snapshot WHERE id = {{}})"
    if page.after is not None:
        where.append(keyset.format(">"))
        args.append(page.after)
    if page.before is not None:
        where.append(keyset.format("<"))
        args.append(page.before)
    order = "DESC" if page.backward else "ASC"
    rows = await RatingSnapshot.raw(
        f"{select} WHERE {' AND '.join(where) or 'TRUE'} ORDER BY r.taken_on {order}, r.id {order} "
        "LIMIT {}", *args, page.size + 1)
    return page_of(rows, page, count)
