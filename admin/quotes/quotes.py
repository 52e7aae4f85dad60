"""The curation desk in the admin: the queue of quotes beside their reviews, and one form per
lifecycle step (approve, request consent, publish, order, retire, replace, reject, trim) plus the
social card download. Every form calls one domain function; the rules live in models/quotes/quotes.py
and models/quotes/consent.py, and every step is audited there. Generic edits of quotes and consents are
refused: they would skip those rules."""

from __future__ import annotations

import asyncio
import io

from piccolo_admin.endpoints import FileResponse, FormConfig, TableConfig
from piccolo_api.crud.endpoints import OrderBy
from pydantic import BaseModel, Field
from starlette.requests import Request

from admin.access.audit import read_only
from api.quotes.showcase_cache import clear_local_caches
from jobs.outbox import hand_over_now
from models.core.actors import admin_actor
from models.quotes import consent, quotes
from models.quotes.cards import card_for_row, card_row
from models.quotes.desk import QuoteDesk
from models.quotes.tables import DEFAULT_PLACEMENTS, PLACEMENTS, Quote, QuoteConsent

GROUP = "Quotes"
PLACES = f"Comma-separated: {', '.join(PLACEMENTS)}."
USE_FORMS = "Quotes change through the curation forms (Quotes → …): they enforce consent and approval."


def _actor(request: Request):
    user = getattr(request.user, "user", None)
    return admin_actor(getattr(user, "username", "admin"))


def _placements(text: str) -> list[str]:
    return [p.strip() for p in (text or "").replace(";", ",").split(",") if p.strip()]


async def _done(outcome, message) -> str:
    if not outcome.ok:
        raise ValueError("; ".join(e.message for e in outcome.errors))
    clear_local_caches()  # this process's showcase at once; the others hear the NOTIFY
    await hand_over_now()  # a consent request mail, if the step queued one
    return message(outcome.value)


class QuoteForm(BaseModel):
    quote_id: int = Field(gt=0, description="The quote's id (see Quotes → Quote desk).")


class ApproveForm(QuoteForm):
    placements: str = Field(", ".join(DEFAULT_PLACEMENTS),
                            description=f"If consent was not asked yet: where to ask for. {PLACES}")


class PlacementsForm(QuoteForm):
    placements: str = Field(", ".join(DEFAULT_PLACEMENTS), description=PLACES)


class RejectForm(QuoteForm):
    reason: str = Field("", max_length=500)


class OrderForm(QuoteForm):
    position: int = Field(description="Lowest first in the showcase.")


class ReplaceForm(QuoteForm):
    replacement_id: int = Field(gt=0, description="The quote to show in its place.")


class TrimForm(QuoteForm):
    text: str = Field(description="The reviewer's words; mark each cut with … (before consent only).")
    photo_url: str = Field("", description="Optional https:// photo; shown only if the reviewer allows.")


def _status(quote) -> str:
    return quote.status.replace("_", " ")


async def approve_endpoint(request: Request, data: ApproveForm) -> str:
    outcome = await quotes.approve_quote(_actor(request), data.quote_id, _placements(data.placements))

    def said(quote):
        if quote.status in ("approved", "published"):
            return (f"Quote #{quote.id} is approved ({_status(quote)}); it goes live on each "
                    "placement the reviewer grants.")
        return f"Quote #{quote.id}: first approval recorded; a notable customer's quote needs a second."

    return await _done(outcome, said)


async def request_consent_endpoint(request: Request, data: PlacementsForm) -> str:
    outcome = await consent.request_consent(_actor(request), data.quote_id, _placements(data.placements))
    return await _done(outcome, lambda q: f"Consent requested for quote #{q.id}; the mail is on its way.")


async def publish_endpoint(request: Request, data: PlacementsForm) -> str:
    outcome = await quotes.publish_quote(_actor(request), data.quote_id, _placements(data.placements))
    return await _done(outcome, lambda q: f"Quote #{q.id} is live on {data.placements}.")


async def retire_endpoint(request: Request, data: QuoteForm) -> str:
    outcome = await quotes.retire_quote(_actor(request), data.quote_id)
    return await _done(outcome, lambda q: f"Quote #{q.id} is retired (kept for reuse).")


async def replace_endpoint(request: Request, data: ReplaceForm) -> str:
    outcome = await quotes.replace_quote(_actor(request), data.quote_id, data.replacement_id)
    return await _done(outcome, lambda q: f"Quote #{q.id} now shows where #{data.quote_id} did.")


async def reject_endpoint(request: Request, data: RejectForm) -> str:
    outcome = await quotes.reject_quote(_actor(request), data.quote_id, data.reason)
    return await _done(outcome, lambda q: f"Quote #{q.id} is rejected.")


async def order_endpoint(request: Request, data: OrderForm) -> str:
    outcome = await quotes.move_quote(_actor(request), data.quote_id, data.position)
    return await _done(outcome, lambda q: f"Quote #{q.id} is at position {q.position}.")


async def trim_endpoint(request: Request, data: TrimForm) -> str:
    outcome = await quotes.edit_quote(_actor(request), data.quote_id, data.text, data.photo_url or None)
    return await _done(outcome, lambda q: f"Quote #{q.id} now reads: “{q.text}”.")


async def card_endpoint(request: Request, data: QuoteForm) -> FileResponse:
    row = await card_row(data.quote_id)
    if row is None:
        raise ValueError(f"No quote #{data.quote_id}.")
    png = await asyncio.to_thread(card_for_row, row)
    return FileResponse(contents=io.BytesIO(png), file_name=f"quote-{data.quote_id}.png",
                        media_type="image/png")


FORMS = [
    ("Approve quote", ApproveForm, approve_endpoint,
     "Approve a candidate. Asks the reviewer's consent if not asked yet; it goes live as they grant."),
    ("Request quote consent", PlacementsForm, request_consent_endpoint,
     "Mail the reviewer the exact quote and the placements asked."),
    ("Publish quote", PlacementsForm, publish_endpoint,
     "Put an approved (or retired) quote live on placements the reviewer granted."),
    ("Order quote", OrderForm, order_endpoint, "Move a quote in the showcase: lowest position first."),
    ("Retire quote", QuoteForm, retire_endpoint, "Take a quote down everywhere; it is kept for reuse."),
    ("Replace quote", ReplaceForm, replace_endpoint,
     "Show another quote where this one is live, at its position, and retire this one."),
    ("Reject quote", RejectForm, reject_endpoint, "Set a candidate aside for good."),
    ("Trim quote", TrimForm, trim_endpoint,
     "Shorten a candidate with … (verbatim only) or set its photo, before consent is asked."),
    ("Download social card", QuoteForm, card_endpoint, "A 1200×630 PNG of the quote."),
]


def quote_forms() -> list[FormConfig]:
    return [FormConfig(name=name, pydantic_model=model, endpoint=endpoint, form_group=GROUP,
                       description=description) for name, model, endpoint, description in FORMS]


def quote_table_configs() -> list[TableConfig]:
    return [
        TableConfig(QuoteDesk, menu_group=GROUP, order_by=[OrderBy(QuoteDesk.id, ascending=False)],
                    visible_columns=[QuoteDesk.id, QuoteDesk.status, QuoteDesk.text, QuoteDesk.rating,
                                     QuoteDesk.platform, QuoteDesk.review_text, QuoteDesk.consent,
                                     QuoteDesk.awaits_second_approval, QuoteDesk.attribution_name],
                    visible_filters=[QuoteDesk.product, QuoteDesk.status, QuoteDesk.source,
                                     QuoteDesk.platform, QuoteDesk.awaits_second_approval],
                    validators=read_only(USE_FORMS)),
        TableConfig(Quote, menu_group=GROUP, order_by=[OrderBy(Quote.id, ascending=False)],
                    visible_columns=[Quote.id, Quote.product, Quote.status, Quote.text,
                                     Quote.attribution_name, Quote.position, Quote.approved_by,
                                     Quote.second_approved_by, Quote.published_at],
                    visible_filters=[Quote.product, Quote.status, Quote.source],
                    validators=read_only(USE_FORMS)),
        TableConfig(QuoteConsent, menu_group=GROUP, order_by=[OrderBy(QuoteConsent.id, ascending=False)],
                    visible_columns=[QuoteConsent.id, QuoteConsent.quote, QuoteConsent.placement,
                                     QuoteConsent.state, QuoteConsent.decided_at, QuoteConsent.published],
                    visible_filters=[QuoteConsent.placement, QuoteConsent.state, QuoteConsent.published],
                    validators=read_only("Consent is the reviewer's to give, on their consent page.")),
    ]
