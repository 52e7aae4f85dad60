"""Quotes: verbatim excerpts of praise, their curation trail, and the rules of their lifecycle.

    candidate → consent_requested → (the reviewer grants or declines, per placement)
              → approved → published → retired (kept for reuse) — or rejected

Approval and the consent request may come in either order: an editor may approve a candidate
first (the consent request then goes out with the approval), or ask for consent first and
approve what was granted. Nothing reaches a placement without both an approval — two, by two
different people, for a notable customer — and the reviewer's consent for that placement.
Every step records who and when, on the quote and in the audit trail. The consent side (the
request mail, the reviewer's page, revocation) is in models/quotes/consent.py.
"""

from __future__ import annotations

import re

from models.access.audit import record_audit
from models.core.actors import Actor
from models.core.results import Outcome, UserError
from models.core.urls import url_problem
from models.people.customers import Customer
from models.quotes.rules import (
    _now,
    _touch,
    check_excerpt,
    check_placements,
    fully_approved,
    is_notable,
    locked_quote,
    publish_granted,
    unpublish_all,
)
from models.quotes.tables import DEFAULT_PLACEMENTS, Quote, QuoteConsent
from models.reviews.reviews import Review
from models.team.shout_outs import Source, record_shout_outs

# --- text rules ---------------------------------------------------------------------------------


# --- candidates ---------------------------------------------------------------------------------


async def disclosures_for_review(review_id: int) -> tuple[str, bool]:
    """(incentive disclosure, insider) for a quote cut from this review."""
    rows = await Review.raw(
        """SELECT r.incentivized, r.insider, coalesce(cu.is_insider, false) AS customer_insider,
                  c.incentive ->> 'description' AS incentive, pl.incentive_disclosure
           FROM review r JOIN platform_profile pp ON pp.id = r.profile
           JOIN review_platform pl ON pl.id = pp.platform
           LEFT JOIN customer cu ON cu.id = r.customer
           LEFT JOIN ask a ON a.id = r.ask LEFT JOIN campaign c ON c.id = a.campaign
           WHERE r.id = {}""", review_id)
    if not rows:
        return "", False
    row = rows[0]
    incentive = ""
    if row["incentive"] or row["incentivized"]:
        what = f" ({row['incentive']})" if row["incentive"] else ""
        incentive = (row["incentive_disclosure"]
                     or f"The reviewer received an incentive{what} for writing a review, "
                        "whatever their rating.")
    return incentive, bool(row["insider"] or row["customer_insider"])


async def candidates_from_review(review_id: int, sentences: list[str]) -> None:
    """Quote candidates for a newly stored praise review (inside the import transaction)."""
    if not sentences:
        return
    review = await Review.objects().get(Review.id == review_id)
    product = (await Review.raw("SELECT pp.product FROM platform_profile pp WHERE pp.id = {}",
                                review.profile))[0]["product"]
    customer = (await Customer.objects().get(Customer.id == review.customer)
                if review.customer else None)
    incentive, insider = await disclosures_for_review(review_id)
    await Quote.insert(*[Quote(
        product=product, source="review", review=review_id, customer=review.customer,
        text=sentence, original_text=sentence, attribution_name=review.reviewer_name,
        attribution_title=review.reviewer_title, attribution_company=review.reviewer_company,
        incentive_disclosure=incentive, insider=insider,
        consent_email=customer.email if customer else "",
        consent_locale=(customer.locale if customer else review.language) or "en",
    ) for sentence in sentences])


async def capture_praise(actor: Actor, customer_id: int, text: str) -> Outcome[Quote]:
    """Praise said to us ("Can I quote you?") becomes a candidate. It never starts a review ask:
    asking only the happy customers for public reviews would be review gating."""
    customer = await Customer.objects().get(Customer.id == customer_id)
    if customer is None or not actor.may_touch_product(customer.product):
        return Outcome.fail("NOT_FOUND", "No such customer.", "customerId")
    text = (text or "").strip()
    errors = check_excerpt(text, text)
    if errors:
        return Outcome(errors=errors)
    quote = Quote(product=customer.product, source="praise", customer=customer.id, text=text,
                  original_text=text,
                  attribution_name=f"{customer.first_name} {customer.last_name}".strip(),
                  attribution_title=customer.title, attribution_company=customer.company,
                  insider=customer.is_insider, consent_email=customer.email,
                  consent_locale=customer.locale or "en")
    async with Quote._meta.db.transaction():
        await quote.save()
        await record_audit(actor, "quote.capture_praise", "quote", quote.id, {"customer": customer.id})
        # Praise that names a team member is a shout-out too (the TerryBerry tip).
        await record_shout_outs(Source(customer.product, "praise", quote.id, {"praise": text}, None,
                                       customer.id, customer.account_owner, "", None))
    return Outcome(quote)


# --- the lifecycle ------------------------------------------------------------------------------


class Refused(Exception):
    """Rolls a lifecycle transaction back; carries the user errors out of it."""

    def __init__(self, errors: list[UserError]):
        super().__init__(errors)
        self.errors = errors


def refusals_roll_back(step):
    """A step that raises Refused deep inside returns its errors, its transaction rolled back."""
    import functools

    @functools.wraps(step)
    async def run(*args, **kwargs) -> Outcome:
        try:
            return await step(*args, **kwargs)
        except Refused as refused:
            return Outcome(errors=refused.errors)

    return run


@refusals_roll_back
async def approve_quote(actor: Actor, quote_id: int, placements=None) -> Outcome[Quote]:
    """Approve a candidate. A notable customer's quote needs a second approval by someone else.
    Without consent asked yet, the request goes out now for `placements` (default: home page and
    product page), and the quote is published on each placement as the reviewer grants it."""
    from models.quotes.consent import add_consent_request

    async with Quote._meta.db.transaction():
        quote = await locked_quote(actor, quote_id)
        if quote is None:
            return Outcome.fail("NOT_FOUND", "No such quote.", "id")
        if quote.status not in ("candidate", "consent_requested"):
            return Outcome.fail("WRONG_STATUS", f"Only a candidate can be approved; this quote is "
                                f"{quote.status.replace('_', ' ')}.", "id")
        notable = await is_notable(quote)
        if quote.approved_by and quote.approved_by == actor.name:
            return Outcome.fail("SECOND_APPROVER_REQUIRED", "This quote is by a notable customer: "
                                "someone other than its first approver must approve it.", "id")
        if quote.approved_by:
            await _touch(quote, second_approved_by=actor.name, second_approved_at=_now())
        else:
            await _touch(quote, approved_by=actor.name, approved_at=_now())
        done = fully_approved(quote, notable)
        if done:
            await _touch(quote, status="approved", publish_when_consented=True)
        await record_audit(actor, "quote.approve", "quote", quote.id,
                           {"second": bool(quote.second_approved_by), "complete": done})
        asked = await QuoteConsent.count().where(QuoteConsent.quote == quote.id)
        if not asked:
            chosen, errors = check_placements(placements or DEFAULT_PLACEMENTS)
            if errors:
                raise Refused(errors)
            outcome = await add_consent_request(actor, quote, chosen)
            if not outcome.ok:
                raise Refused(outcome.errors)
        elif done:
            await publish_granted(actor, quote)
    return Outcome(quote)


async def publish_quote(actor: Actor, quote_id: int, placements) -> Outcome[Quote]:
    """Publish an approved (or retired) quote on placements the reviewer granted."""
    chosen, errors = check_placements(placements)
    if errors:
        return Outcome(errors=errors)
    async with Quote._meta.db.transaction():
        quote = await locked_quote(actor, quote_id)
        if quote is None:
            return Outcome.fail("NOT_FOUND", "No such quote.", "id")
        if quote.status not in ("approved", "published", "retired"):
            return Outcome.fail("NOT_APPROVED", "Approve the quote before publishing it.", "id")
        if not fully_approved(quote, await is_notable(quote)):
            return Outcome.fail("SECOND_APPROVER_REQUIRED", "A notable customer's quote needs a "
                                "second approval before it is published.", "id")
        granted = {r["placement"] for r in await QuoteConsent.select(QuoteConsent.placement).where(
            (QuoteConsent.quote == quote.id) & (QuoteConsent.state == "granted"))}
        missing = [p for p in chosen if p not in granted]
        if missing:
            return Outcome.fail("CONSENT_MISSING", f"The reviewer has not granted {', '.join(missing)}: "
                                "request consent for it first.", "placements")
        if quote.status == "retired":
            await _touch(quote, status="approved", retired_at=None, retired_by="")
        await publish_granted(actor, quote, chosen)
    return Outcome(quote)


async def retire_quote(actor: Actor, quote_id: int, replaced_by: int | None = None) -> Outcome[Quote]:
    """Take the quote off every placement; it is kept, and may be published again later."""
    async with Quote._meta.db.transaction():
        quote = await locked_quote(actor, quote_id)
        if quote is None:
            return Outcome.fail("NOT_FOUND", "No such quote.", "id")
        if quote.status not in ("approved", "published"):
            return Outcome.fail("WRONG_STATUS", f"Only an approved or published quote can be retired; "
                                f"this one is {quote.status.replace('_', ' ')}.", "id")
        await unpublish_all(quote.id)
        await _touch(quote, status="retired", retired_at=_now(), retired_by=actor.name,
                     publish_when_consented=False, replaced_by=replaced_by)
        await record_audit(actor, "quote.retire", "quote", quote.id, {"replaced_by": replaced_by})
    return Outcome(quote)


@refusals_roll_back
async def replace_quote(actor: Actor, quote_id: int, replacement_id: int) -> Outcome[Quote]:
    """Publish `replacement_id` where `quote_id` is live, at its position, and retire the old one."""
    if quote_id == replacement_id:
        return Outcome.fail("SAME_QUOTE", "A quote cannot replace itself.", "replacementId")
    async with Quote._meta.db.transaction():
        old = await locked_quote(actor, quote_id)
        new = await locked_quote(actor, replacement_id)
        if old is None:
            return Outcome.fail("NOT_FOUND", "No such quote.", "id")
        if new is None or new.product != old.product:
            return Outcome.fail("NOT_FOUND", "No such replacement quote for this product.",
                                "replacementId")
        live = [r["placement"] for r in await QuoteConsent.select(QuoteConsent.placement).where(
            (QuoteConsent.quote == old.id) & (QuoteConsent.published == True))]  # noqa: E712
        if not live:
            return Outcome.fail("NOT_LIVE", "The quote to replace is not published anywhere.", "id")
        published = await publish_quote(actor, new.id, live)
        if not published.ok:
            raise Refused([UserError(e.code, e.message, ("replacementId",)) for e in published.errors])
        await _touch(new, position=old.position)
        retired = await retire_quote(actor, old.id, replaced_by=new.id)
        if not retired.ok:
            raise Refused(retired.errors)
    return Outcome(new)


async def reject_quote(actor: Actor, quote_id: int, reason: str = "") -> Outcome[Quote]:
    async with Quote._meta.db.transaction():
        quote = await locked_quote(actor, quote_id)
        if quote is None:
            return Outcome.fail("NOT_FOUND", "No such quote.", "id")
        if quote.status in ("published", "rejected"):
            return Outcome.fail("WRONG_STATUS", "Retire a published quote instead; a rejected one "
                                "stays rejected." if quote.status == "published"
                                else "This quote is already rejected.", "id")
        await unpublish_all(quote.id)
        await _touch(quote, status="rejected", rejected_at=_now(), rejected_by=actor.name,
                     rejection_reason=(reason or "").strip()[:500], publish_when_consented=False)
        await record_audit(actor, "quote.reject", "quote", quote.id, {"reason": reason})
    return Outcome(quote)


async def move_quote(actor: Actor, quote_id: int, position: int) -> Outcome[Quote]:
    if not -10_000 <= position <= 10_000:
        return Outcome.fail("INVALID_POSITION", "Use a position between -10000 and 10000.", "position")
    async with Quote._meta.db.transaction():
        quote = await locked_quote(actor, quote_id)
        if quote is None:
            return Outcome.fail("NOT_FOUND", "No such quote.", "id")
        await _touch(quote, position=position)
        await record_audit(actor, "quote.move", "quote", quote.id, {"position": position})
    return Outcome(quote)


async def edit_quote(actor: Actor, quote_id: int, text: str | None = None,
                     photo_url: str | None = None) -> Outcome[Quote]:
    """Trim the words (verbatim, ellipsis only) or set a photo — before consent is asked: the
    reviewer consents to exactly what they were shown."""
    async with Quote._meta.db.transaction():
        quote = await locked_quote(actor, quote_id)
        if quote is None:
            return Outcome.fail("NOT_FOUND", "No such quote.", "id")
        if quote.status != "candidate" or quote.consent_requested_at is not None:
            return Outcome.fail("CONSENT_ALREADY_ASKED", "The reviewer was shown this quote as it is; "
                                "it can no longer be edited.", "id")
        changes = {}
        if text is not None:
            errors = check_excerpt(quote.original_text or quote.text, text)
            if errors:
                return Outcome(errors=errors)
            changes["text"] = text.strip()
        if photo_url is not None:
            if problem := url_problem(photo_url, https_only=True):
                return Outcome.fail("INVALID_URL", problem, "photoUrl")
            changes["photo_url"] = photo_url
        if changes:
            await _touch(quote, **changes)
            await record_audit(actor, "quote.edit", "quote", quote.id, changes)
    return Outcome(quote)


QUOTES_PER_REVIEW = 3


SENTENCE = re.compile(r"(?<=[.!?…])\s+")


def quote_sentences(*texts: str) -> list[str]:
    """Whole sentences, verbatim, that can stand alone as a quote (never edited)."""
    found = []
    for text in texts:
        for sentence in SENTENCE.split((text or "").strip()):
            sentence = sentence.strip()
            if 30 <= len(sentence) <= 280 and sentence not in found:
                found.append(sentence)
    return found[:QUOTES_PER_REVIEW]
