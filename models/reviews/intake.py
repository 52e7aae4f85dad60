"""Reviews in: validate, store idempotently, attribute to customer and ask, route by rating.

One entry point for every channel (GraphQL batch, CSV file, signed webhook): a
batch is all or nothing unless the caller asks to skip bad items, and then gets a
report of what was skipped. Re-importing a review (same platform, same external
id) is a DUPLICATE and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from models.access.audit import record_audit
from models.core.actors import Actor
from models.core.batches import BatchResult, ItemResult, batch_target
from models.core.results import UserError
from models.core.urls import url_problem
from models.reviews.reviews import Review, normalise_rating

# The Review table's column lengths, and a bound on its free text: one review, not a book.
TEXT_LIMITS = {"external_id": 200, "reviewer_name": 200, "reviewer_title": 200,
               "reviewer_company": 200, "reviewer_email": 254, "url": 500, "title": 500,
               "platform_key": 40, "language": 40, "ask_token": 200}
MAX_TEXT = 20_000


@dataclass
class ReviewImport(BatchResult):
    skipped: list[UserError] = field(default_factory=list)


def _where(index: int, line: int | None, name: str) -> tuple[str, ...]:
    return ("reviews", str(index), name) if line is None else ("line", str(line), name)


def _check(item: dict, index: int, line: int | None, profiles: dict, today: dt.date) -> list[UserError]:
    errors = []
    at = lambda name: _where(index, line, name)  # noqa: E731
    prefix = f"line {line}: " if line is not None else ""
    platform = profiles.get(item.get("platform_key"))
    if platform is None:
        errors.append(UserError("UNKNOWN_PLATFORM", f"{prefix}this product has no profile on "
                                f"{item.get('platform_key')!r}.", at("platform")))
        return errors
    if not (item.get("external_id") or "").strip():
        errors.append(UserError("REQUIRED", f"{prefix}the review's id is required.", at("externalId")))
    scale = item.get("original_scale") or platform["rating_scale"]
    rating = item.get("original_rating")
    if rating is None or not 0 <= rating <= scale:
        errors.append(UserError("INVALID_RATING", f"{prefix}rating {rating} is not on the 0–{scale} scale.",
                                at("rating")))
    for name, value in (item.get("sub_ratings") or {}).items():
        if value is not None and not 0 <= value <= scale:
            errors.append(UserError("INVALID_RATING", f"{prefix}{name} {value} is not on 0–{scale}.",
                                    at(name)))
    for name, value in item.items():
        # PostgreSQL text cannot hold U+0000; a file or feed may carry one.
        if isinstance(value, str) and "\x00" in value:
            errors.append(UserError("INVALID_TEXT", f"{prefix}{name} contains a NUL character.", at(name)))
        elif isinstance(value, str) and len(value) > TEXT_LIMITS.get(name, MAX_TEXT):
            errors.append(UserError("TOO_LONG", f"{prefix}{name} is longer than "
                                    f"{TEXT_LIMITS.get(name, MAX_TEXT)} characters.", at(name)))
    if problem := url_problem(item.get("url")):
        errors.append(UserError("INVALID_URL", f"{prefix}url: {problem}", at("url")))
    reviewed_on = item.get("reviewed_on")
    if reviewed_on is None:
        errors.append(UserError("REQUIRED", f"{prefix}the review date is required.", at("reviewedOn")))
    elif reviewed_on > today + dt.timedelta(days=1):
        errors.append(UserError("IN_FUTURE", f"{prefix}the review date is in the future.", at("reviewedOn")))
    return errors


async def _profiles(product_id: int) -> dict[str, dict]:
    rows = await Review.raw(
        "SELECT p.id, pl.key, pl.name, pl.rating_scale, pl.review_pool FROM platform_profile p "
        "JOIN review_platform pl ON pl.id = p.platform WHERE p.product = {}", product_id)
    return {r["key"]: r for r in rows}


async def import_reviews(actor: Actor, product_id: int | None, items: list[dict], *,
                         skip_invalid: bool = False, source: str = "graphql",
                         lines: list[int] | None = None) -> ReviewImport:
    """Store new reviews and act on them. `lines` (CSV) makes errors name file line numbers."""
    from models.catalogue.products import Product

    result = ReviewImport()
    product_id, result.errors = batch_target(actor, product_id, len(items), "reviews")
    if result.errors:
        return result
    product = await Product.objects().get(Product.id == product_id)
    if product is None:
        result.errors.append(UserError("NOT_FOUND", "No such product.", ("productId",)))
        return result
    profiles = await _profiles(product_id)
    today, seen, good = dt.date.today(), {}, []
    for index, item in enumerate(items):
        line = lines[index] if lines else None
        problems = _check(item, index, line, profiles, today)
        key = (item.get("platform_key"), (item.get("external_id") or "").strip())
        if not problems and key in seen:
            prefix = f"line {line}: " if line else ""
            problems.append(UserError("DUPLICATE_IN_BATCH", f"{prefix}also given at {seen[key]}.",
                                      _where(index, line, "externalId")))
        seen.setdefault(key, f"line {line}" if line else f"index {index}")
        if problems:
            (result.skipped if skip_invalid else result.errors).extend(problems)
        else:
            good.append((index, item))
    if result.errors:
        return result
    async with Review._meta.db.transaction():
        created = await _insert(good, profiles, source)
        for index, item in good:
            platform = profiles[item["platform_key"]]
            review_id = created.get((platform["id"], item["external_id"].strip()))
            status = "CREATED" if review_id else "DUPLICATE"
            if review_id is None:
                review_id = await _existing_id(platform["id"], item["external_id"].strip())
            result.items.append(ItemResult(index, item["external_id"], status, review_id))
        new = [(i, item, created[(profiles[item["platform_key"]]["id"], item["external_id"].strip())])
               for i, item in good if (profiles[item["platform_key"]]["id"],
                                       item["external_id"].strip()) in created]
        from models.reviews.lanes import act_on_reviews

        await act_on_reviews(product, profiles, new)
        await record_audit(actor, "reviews.import", "review", "", {
            "product": product_id, "source": source, "created": result.count("CREATED"),
            "duplicates": result.count("DUPLICATE"), "skipped": len(result.skipped)})
    return result


async def _insert(good: list[tuple[int, dict]], profiles: dict, source: str) -> dict:
    rows = []
    for _, item in good:
        platform = profiles[item["platform_key"]]
        scale = item.get("original_scale") or platform["rating_scale"]
        rows.append({
            "profile": platform["id"], "external_id": item["external_id"].strip(),
            "rating": normalise_rating(item["original_rating"], scale),
            "original_rating": item["original_rating"], "original_scale": scale,
            "sub_ratings": {k: v for k, v in (item.get("sub_ratings") or {}).items() if v is not None},
            **{k: (item.get(k) or "") for k in ("title", "pros", "cons", "body", "reviewer_name",
                                                 "reviewer_title", "reviewer_company", "url")},
            "language": (item.get("language") or "")[:5], "reviewed_on": item["reviewed_on"].isoformat(),
            "incentivized": bool(item.get("incentivized")), "insider": bool(item.get("insider")),
            "source": source,
        })
    if not rows:
        return {}
    cols = ("profile, external_id, rating, original_rating, original_scale, sub_ratings, title, pros, "
            "cons, body, reviewer_name, reviewer_title, reviewer_company, url, language, reviewed_on, "
            "incentivized, insider, source")
    records = await Review.raw(
        f"INSERT INTO review ({cols}) SELECT {cols} FROM jsonb_populate_recordset(NULL::review, {{}}::jsonb) "
        "ON CONFLICT (profile, external_id) DO NOTHING RETURNING id, profile, external_id", json.dumps(rows))
    return {(r["profile"], r["external_id"]): r["id"] for r in records}


async def _existing_id(profile_id: int, external_id: str) -> int:
    rows = await Review.select(Review.id).where((Review.profile == profile_id)
                                                & (Review.external_id == external_id))
    return rows[0]["id"]


def _date(value) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def item_from_mapping(data: dict) -> dict:
    """A review as the webhook's JSON (camelCase) gives it, in the importer's vocabulary."""
    def text(*names: str) -> str:
        return next((str(data[n]) for n in names if data.get(n) is not None), "")

    rating = data.get("rating", data.get("originalRating"))
    return {
        "platform_key": text("platform", "platformKey"), "external_id": text("externalId", "id"),
        "original_rating": float(rating) if isinstance(rating, (int, float)) else None,
        "original_scale": data.get("scale") if isinstance(data.get("scale"), int) else None,
        "sub_ratings": {k: float(v) for k, v in (data.get("subRatings") or {}).items()
                        if isinstance(v, (int, float))},
        "title": text("title"), "pros": text("pros"), "cons": text("cons"), "body": text("body"),
        "reviewer_name": text("reviewerName"), "reviewer_title": text("reviewerTitle"),
        "reviewer_company": text("reviewerCompany"), "reviewer_email": text("reviewerEmail"),
        "reviewed_on": _date(data.get("reviewedOn")), "language": text("language"), "url": text("url"),
        "incentivized": bool(data.get("incentivized")), "insider": bool(data.get("insider")),
        "ask_token": text("askToken"),
    }


CHUNK = 250


@dataclass
class FileImport:
    platform_key: str
    created: int = 0
    duplicates: int = 0
    problems: list[str] = field(default_factory=list)  # "line N: field: message"
    imported: bool = False


async def import_file(actor: Actor, product_id: int, data: bytes, platform_key: str | None = None, *,
                      skip_invalid: bool = False, default_platform: str | None = None,
                      progress=None) -> FileImport:
    """A platform's CSV export, all or nothing (unless skip_invalid), with line-numbered problems.

    `platform_key` names the export format (detected from the header when omitted);
    `default_platform` fills rows of the generic format that name no platform.
    `progress(done, total)` is called after each chunk (the CLI draws a bar with it).
    """
    from models.reviews.files import parse_reviews_csv

    parsed = parse_reviews_csv(data, platform_key)
    for _, item in parsed.items:
        if not item["platform_key"] and default_platform:
            item["platform_key"] = default_platform
    report = FileImport(platform_key=parsed.platform_key)
    report.problems = [f"line {e.line}: {e.field or 'row'}: {e.message}" for e in parsed.errors]
    if parsed.errors and not skip_invalid:
        return report
    total = len(parsed.items)
    try:
        async with Review._meta.db.transaction():  # every chunk, or none
            for start in range(0, total, CHUNK):
                chunk = parsed.items[start:start + CHUNK]
                result = await import_reviews(actor, product_id, [item for _, item in chunk],
                                              skip_invalid=skip_invalid, source="csv",
                                              lines=[line for line, _ in chunk])
                report.problems += [e.message for e in result.errors + result.skipped]
                if result.errors:
                    raise _RollBack
                report.created += result.count("CREATED")
                report.duplicates += result.count("DUPLICATE")
                if progress:
                    progress(min(start + CHUNK, total), total)
    except _RollBack:
        report.created = report.duplicates = 0
        return report
    report.imported = True
    return report


class _RollBack(Exception):
    """Leaves the import transaction, undoing every chunk already written."""
