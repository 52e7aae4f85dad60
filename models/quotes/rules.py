"""Rules over one quote that both curation (quotes.py) and consent (consent.py) apply: the
verbatim check, attribution, row locks, approval state, placements, publishing and unpublishing."""

from __future__ import annotations

import datetime as dt
import re

from models.access.audit import record_audit
from models.core.actors import Actor
from models.core.results import UserError
from models.people.customers import Customer
from models.quotes.tables import MAX_QUOTE_LENGTH, PLACEMENTS, Quote, QuoteConsent


def is_verbatim_excerpt(original: str, text: str) -> bool:
    """True when `text` is `original` with parts left out, each cut marked by an ellipsis:
    the fragments between ellipses appear in the original, in order, word for word."""
    fragments = [f.strip() for f in re.split(r"…|\.\.\.|\[…\]|\[\.\.\.\]", text)]
    if not any(fragments):
        return False
    cursor = 0
    for fragment in fragments:
        if not fragment:
            continue
        found = original.find(fragment, cursor)
        if found < 0:
            return False
        cursor = found + len(fragment)
    return True


def attribution_line(name: str, title: str, company: str) -> str:
    """How a quote is attributed — on the consent page, in mail and on its card."""
    return ", ".join(part for part in (name, title, company) if part)


def check_excerpt(original: str, text: str) -> list[UserError]:
    text = (text or "").strip()
    if not text:
        return [UserError("TEXT_REQUIRED", "A quote needs words.", ("text",))]
    if len(text) > MAX_QUOTE_LENGTH:
        return [UserError("TOO_LONG", f"Keep a quote under {MAX_QUOTE_LENGTH} characters.", ("text",))]
    if not is_verbatim_excerpt(original, text):
        return [UserError("NOT_VERBATIM", "A quote keeps the reviewer's exact words: you may only "
                          "leave parts out, marking each cut with an ellipsis (…).", ("text",))]
    return []


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def locked_quote(actor: Actor, quote_id: int) -> Quote | None:
    """The quote, row-locked for the rest of the transaction, if the actor may see it."""
    rows = await Quote.raw("SELECT id FROM quote WHERE id = {} FOR UPDATE", quote_id)
    if not rows:
        return None
    quote = await Quote.objects().get(Quote.id == quote_id)
    return quote if actor.may_touch_product(quote.product) else None


async def is_notable(quote: Quote) -> bool:
    if quote.customer is None:
        return False
    rows = await Customer.select(Customer.is_notable).where(Customer.id == quote.customer)
    return bool(rows and rows[0]["is_notable"])


def fully_approved(quote: Quote, notable: bool) -> bool:
    return bool(quote.approved_by) and (not notable or bool(quote.second_approved_by))


def check_placements(placements) -> tuple[list[str], list[UserError]]:
    chosen = list(dict.fromkeys(p.strip() for p in placements or () if p.strip()))
    unknown = [p for p in chosen if p not in PLACEMENTS]
    if unknown:
        return [], [UserError("UNKNOWN_PLACEMENT", f"Unknown placement {', '.join(unknown)}; use "
                              f"{', '.join(PLACEMENTS)}.", ("placements",))]
    if not chosen:
        return [], [UserError("PLACEMENTS_REQUIRED", "Name at least one placement.", ("placements",))]
    return chosen, []


async def _touch(quote: Quote, **values) -> None:
    for name, value in values.items():
        setattr(quote, name, value)
    quote.updated_at = _now()
    await quote.save([getattr(Quote, n) for n in (*values, "updated_at")])


async def publish_granted(actor: Actor, quote: Quote, placements=None) -> list[str]:
    """Put the quote live on every granted placement (of `placements`, if given)."""
    rows = await QuoteConsent.raw(
        "UPDATE quote_consent SET published = true, published_at = now() WHERE quote = {} "
        "AND state = 'granted' AND NOT published AND placement = ANY({}::varchar[]) RETURNING placement",
        quote.id, list(placements or PLACEMENTS))
    live = [r["placement"] for r in rows]
    if live and quote.status != "published":
        await _touch(quote, status="published", published_by=actor.name, published_at=_now())
    if live:
        await record_audit(actor, "quote.publish", "quote", quote.id, {"placements": live})
    return live


async def unpublish_all(quote_id: int) -> None:
    await QuoteConsent.update({QuoteConsent.published: False, QuoteConsent.published_at: None}).where(
        (QuoteConsent.quote == quote_id) & (QuoteConsent.published == True))  # noqa: E712
