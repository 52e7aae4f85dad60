"""What happens to each new review: who wrote it (attribution), which lane its rating puts it
in, and the work that follows — every reviewer thanked; 4–5★ quote candidates; 3★ outreach
by the account's owner; 1–2★ an improvement record and a reply task. Thresholds are per product.
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from dataclasses import dataclass

from models.asking.tables import Ask, Task
from models.core.links import read_token
from models.events.events import record_event
from models.quotes.quotes import candidates_from_review
from models.reviews.reviews import Improvement, Review
from models.team.shout_outs import Source, record_shout_outs

ASK_WINDOW_DAYS = 90
MATCH_THRESHOLD = 0.7


@dataclass
class Match:
    customer_id: int | None = None
    ask_id: int | None = None
    confidence: float = 0.0
    reason: str = "no match: no token, email, or name and company in this product's customers"
    owner: str = ""


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    return " ".join(text.lower().split())


def lane_for(rating: float, praise_min: float, outreach_min: float) -> str:
    if rating >= praise_min:
        return "praise"
    return "outreach" if rating >= outreach_min else "improve"


async def _customers(product_id: int, items: list[dict]) -> tuple[dict, dict, dict]:
    emails = sorted({(i.get("reviewer_email") or "").strip().lower() for i in items} - {""})
    rows = await Review.raw(
        "SELECT id, email, first_name, last_name, company, account_owner FROM customer "
        "WHERE product = {} AND email_status != 'erased' AND (email = ANY({}::text[]) OR "
        "lower(trim(first_name || ' ' || last_name)) = ANY({}::text[]))", product_id, emails,
        sorted({(i.get("reviewer_name") or "").strip().lower() for i in items} - {""}))
    by_email = {r["email"]: r for r in rows}
    by_name: dict[str, list] = {}
    for r in rows:
        by_name.setdefault(_fold(f"{r['first_name']} {r['last_name']}"), []).append(r)
    by_id = {r["id"]: r for r in rows}
    return by_email, by_name, by_id


async def _from_token(token: str, product_id: int, pool: str) -> Match | None:
    """The ask behind a tracked-link token — only one of this product, to the same review pool,
    still open: a token cannot mark another product's ask reviewed."""
    touch_id = read_token("click", token) if token else None
    if touch_id is None:
        return None
    rows = await Ask.raw(
        "SELECT a.id, a.customer, c.account_owner FROM ask_touch t JOIN ask a ON a.id = t.ask "
        "JOIN customer c ON c.id = a.customer JOIN campaign k ON k.id = a.campaign "
        "JOIN platform_profile p ON p.id = a.profile JOIN review_platform pl ON pl.id = p.platform "
        "WHERE t.id = {} AND k.product = {} AND pl.review_pool = {} AND c.email_status <> 'erased' "
        "AND a.status IN ('planned', 'sent', 'clicked')", touch_id, product_id, pool)
    if not rows:
        return None
    return Match(rows[0]["customer"], rows[0]["id"], 1.0, "tracked-link token", rows[0]["account_owner"])


def _by_identity(item: dict, by_email: dict, by_name: dict) -> Match:
    email = (item.get("reviewer_email") or "").strip().lower()
    if email and email in by_email:
        row = by_email[email]
        return Match(row["id"], None, 0.95, "same email", row["account_owner"])
    candidates = by_name.get(_fold(item.get("reviewer_name") or ""), [])
    company = _fold(item.get("reviewer_company") or "")
    with_company = [c for c in candidates if company and _fold(c["company"]) == company]
    if len(with_company) == 1:
        return Match(with_company[0]["id"], None, 0.8, "same name and company",
                     with_company[0]["account_owner"])
    if len(candidates) == 1:
        # A name alone is too weak to link: reported for a human to confirm.
        return Match(None, None, 0.5, f"same name only (customer #{candidates[0]['id']}), not linked")
    return Match()


async def _ask_for(customer_id: int, pool: str, reviewed_on: dt.date) -> tuple[int | None, str]:
    rows = await Ask.raw(
        "SELECT a.id FROM ask a JOIN platform_profile p ON p.id = a.profile "
        "JOIN review_platform pl ON pl.id = p.platform WHERE a.customer = {} AND pl.review_pool = {} "
        "AND a.status IN ('sent', 'clicked', 'planned') AND a.planned_at::date <= {}::date + 1 "
        "AND a.planned_at::date >= {}::date - {}::int ORDER BY a.planned_at DESC LIMIT 1",
        customer_id, pool, reviewed_on, reviewed_on, ASK_WINDOW_DAYS)
    if not rows:
        return None, ""
    return rows[0]["id"], f"; ask #{rows[0]['id']} to the same review pool within {ASK_WINDOW_DAYS} days"


async def act_on_reviews(product, profiles: dict, new: list[tuple[int, dict, int]]) -> None:
    """Attribute, route and follow up each newly stored review (inside the import transaction)."""
    from models.reviews.themes import detect_language, themes_in

    if not new:
        return
    by_email, by_name, _ = await _customers(product.id, [item for _, item, _ in new])
    praise, tasks, mentions = [], [], []
    for _, item, review_id in new:
        platform = profiles[item["platform_key"]]
        match = (await _from_token(item.get("ask_token") or "", product.id, platform["review_pool"])
                 or _by_identity(item, by_email, by_name))
        if match.confidence < MATCH_THRESHOLD:
            match.customer_id = match.ask_id = None
        if match.customer_id and match.ask_id is None:
            match.ask_id, why = await _ask_for(match.customer_id, platform["review_pool"],
                                               item["reviewed_on"])
            match.reason += why
        rating = (await Review.select(Review.rating).where(Review.id == review_id))[0]["rating"]
        lane = lane_for(rating, product.praise_min_rating, product.outreach_min_rating)
        # Detected on the whole review: a short "Trop cher." alone is too little to tell.
        language = (item.get("language") or "")[:2] or detect_language(
            " ".join(item.get(k) or "" for k in ("title", "pros", "cons", "body")))
        themes = {"praise": themes_in(" ".join([item.get("pros") or "", item.get("body") or ""
                                                 if lane == "praise" else ""]), language),
                  "ask": themes_in(" ".join([item.get("cons") or "", item.get("body") or ""
                                             if lane == "improve" else ""]), language)}
        await Review.update({Review.customer: match.customer_id, Review.ask: match.ask_id,
                             Review.lane: lane, Review.match_confidence: match.confidence,
                             Review.match_reason: match.reason, Review.themes: json.dumps(themes)}).where(
            Review.id == review_id)
        await record_event("review.received", product.id, {
            "review": review_id, "lane": lane, "platform": item["platform_key"],
            "customer": match.customer_id, "ask": match.ask_id})
        if match.ask_id:
            await Ask.raw("UPDATE ask SET status = 'reviewed', reviewed_at = now(), updated_at = now() "
                          "WHERE id = {}", match.ask_id)
            await record_event("ask.reviewed", product.id, {
                "ask": match.ask_id, "review": review_id, "customer": match.customer_id})
            await Ask.raw("UPDATE ask_touch SET status = 'cancelled', failure_reason = 'reviewed' "
                          "WHERE ask = {} AND status = 'scheduled'", match.ask_id)
        mentions.append(Source(product.id, "review", review_id, {
            k: item.get(k) or "" for k in ("title", "pros", "cons", "body")}, lane, match.customer_id,
            match.owner, platform["name"], rating))
        who = item.get("reviewer_name") or "the reviewer"
        where = platform["name"]
        base = {"customer": match.customer_id, "review": review_id, "link": item.get("url") or ""}
        tasks.append(base | {"kind": "thank_you", "title": f"Thank {who} for their {where} review",
                             "assignee": match.owner})
        if lane == "praise":
            from models.quotes.quotes import quote_sentences

            praise.append((review_id, quote_sentences(item.get("pros") or "", item.get("body") or "")))
        elif lane == "outreach":
            tasks.append(base | {"kind": "outreach", "assignee": match.owner,
                                 "title": f"Reach out to {who} ({rating:g}★ on {where})",
                                 "body": "3-star reviewers are the easiest to win over: listen to "
                                         f"what they miss. Cons: {item.get('cons') or '—'}"})
        else:
            await Improvement.insert(Improvement(
                review=review_id, product=product.id, themes=themes["ask"],
                summary=(item.get("cons") or item.get("body") or item.get("title") or "")[:2000]))
            tasks.append(base | {"kind": "reply", "assignee": match.owner,
                                 "title": f"Reply to {who}'s {rating:g}★ review on {where}",
                                 "body": "Answer publicly, factually and kindly; say what changes."})
    # Team members the reviews name: a shout-out each (models/team/shout_outs.py).
    for source in mentions:
        await record_shout_outs(source)
    # Links are stored first: a candidate's disclosures read its review's ask and customer.
    for review_id, sentences in praise:
        await candidates_from_review(review_id, sentences)
    await Task.insert(*[Task(**t) for t in tasks])
    # The profile's rating snapshots stay the platform's own published figures (recorded from
    # the platform, shown in the showcase): an average of the reviews we happened to import
    # would misstate them.
