"""Consent: the reviewer decides, per placement, where their words may appear.

The request mail shows the exact quote, the attribution as it will read and the placements
asked; its link opens a small page (no account: the link's HMAC token is the credential) where
the reviewer grants or declines each placement, allows their photo or not, and can later revoke
everything. Revocation takes the quote off every placement in the same transaction — the
showcase caches hear of it when that transaction commits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import urlsplit

import settings
from models.access.audit import record_audit
from models.catalogue.products import Product
from models.core.actors import Actor
from models.core.links import consent_url
from models.core.mail_addresses import mailbox
from models.core.outbox import add_to_outbox
from models.core.results import Outcome, UserError
from models.people.customers import Customer
from models.quotes.rules import (
    attribution_line,
    check_placements,
    fully_approved,
    is_notable,
    locked_quote,
    publish_granted,
    unpublish_all,
)
from models.quotes.tables import PLACEMENTS, Quote, QuoteConsent

REVIEWER = Actor(kind="system", name="reviewer")
PLACEMENT_LABELS = {
    "en": {"home_page": "our home page", "product_page": "our product pages", "email": "our emails",
           "ad": "our advertising", "social": "our social media posts"},
    "fr": {"home_page": "notre page d'accueil", "product_page": "nos pages produit",
           "email": "nos e-mails", "ad": "nos publicités", "social": "nos réseaux sociaux"},
}
UNMAILABLE = ("unsubscribed", "bounced", "complained", "erased")


def labels(locale: str) -> dict[str, str]:
    return PLACEMENT_LABELS.get((locale or "en")[:2], PLACEMENT_LABELS["en"])


async def add_consent_request(actor: Actor, quote: Quote, placements: list[str]) -> Outcome[Quote]:
    """Ask the reviewer for `placements` (inside the caller's transaction, quote row locked)."""
    if not quote.consent_email:
        return Outcome.fail("NO_EMAIL", "This review is not linked to a customer with an email "
                            "address: link it to the customer first, or capture their praise.", "id")
    if quote.customer is not None:
        status = await Customer.select(Customer.email_status).where(Customer.id == quote.customer)
        if status and status[0]["email_status"] in UNMAILABLE:
            return Outcome.fail("SUPPRESSED", f"The reviewer's address is {status[0]['email_status']}: "
                                "we do not write to it.", "id")
    existing = {r["placement"]: r["state"] for r in await QuoteConsent.select(
        QuoteConsent.placement, QuoteConsent.state).where(QuoteConsent.quote == quote.id)}
    refused = [p for p in placements if existing.get(p) in ("declined", "revoked")]
    if refused:
        return Outcome.fail("ALREADY_DECLINED", f"The reviewer said no to {', '.join(refused)}; "
                            "we do not ask again.", "placements")
    new = [p for p in placements if p not in existing]
    if not new and all(existing.get(p) == "granted" for p in placements):
        return Outcome.fail("ALREADY_GRANTED", "The reviewer already granted these placements.",
                            "placements")
    if new:
        await QuoteConsent.insert(*[QuoteConsent(quote=quote.id, placement=p) for p in new])
    now = dt.datetime.now(dt.UTC)
    quote.consent_requested_at, quote.consent_requested_by, quote.updated_at = now, actor.name, now
    columns = [Quote.consent_requested_at, Quote.consent_requested_by, Quote.updated_at]
    if quote.status == "candidate":
        quote.status = "consent_requested"
        columns.append(Quote.status)
    await quote.save(columns)
    await add_to_outbox("send_consent_request", {"quote_id": quote.id})
    await record_audit(actor, "quote.request_consent", "quote", quote.id, {"placements": placements})
    return Outcome(quote)


async def request_consent(actor: Actor, quote_id: int, placements) -> Outcome[Quote]:
    chosen, errors = check_placements(placements)
    if errors:
        return Outcome(errors=errors)
    async with Quote._meta.db.transaction():
        quote = await locked_quote(actor, quote_id)
        if quote is None:
            return Outcome.fail("NOT_FOUND", "No such quote.", "id")
        if quote.status == "rejected":
            return Outcome.fail("WRONG_STATUS", "This quote was rejected.", "id")
        outcome = await add_consent_request(actor, quote, chosen)
        if not outcome.ok:
            # Nothing was written before the refusal; the transaction ends cleanly.
            return outcome
    return outcome


# --- the reviewer's page ---------------------------------------------------------------------


@dataclass
class ConsentView:
    quote_id: int
    product: str
    text: str
    attribution: str
    photo_url: str
    photo_permitted: bool
    locale: str
    states: dict[str, str]  # placement -> requested / granted / declined / revoked
    closed: bool  # rejected or withdrawn by us: nothing left to decide


async def consent_view(quote_id: int) -> ConsentView | None:
    quote = await Quote.objects().get(Quote.id == quote_id)
    if quote is None:
        return None
    product = await Product.select(Product.name).where(Product.id == quote.product).first()
    rows = await QuoteConsent.select(QuoteConsent.placement, QuoteConsent.state).where(
        QuoteConsent.quote == quote.id)
    given = {r["placement"]: r["state"] for r in rows}
    states = {p: given[p] for p in PLACEMENTS if p in given}
    attribution = attribution_line(quote.attribution_name, quote.attribution_title,
                                   quote.attribution_company)
    return ConsentView(quote.id, product["name"], quote.text, attribution, quote.photo_url,
                       quote.photo_permitted, quote.consent_locale, states,
                       closed=quote.status == "rejected" and "revoked" not in states.values())


async def _settle(quote: Quote) -> None:
    """After the reviewer decided: publish what an editor already approved, or close the quote
    when nothing is left that the reviewer allows."""
    rows = await QuoteConsent.select(QuoteConsent.state, QuoteConsent.published).where(
        QuoteConsent.quote == quote.id)
    states = [r["state"] for r in rows]
    if states and not any(s in ("requested", "granted") for s in states):
        await unpublish_all(quote.id)
        now = dt.datetime.now(dt.UTC)
        why = ("The reviewer revoked their consent." if "revoked" in states
               else "The reviewer declined every placement.")
        await Quote.update({Quote.status: "rejected", Quote.rejected_at: now,
                            Quote.rejected_by: REVIEWER.name, Quote.rejection_reason: why,
                            Quote.publish_when_consented: False, Quote.updated_at: now}).where(
            Quote.id == quote.id)
        return
    if quote.publish_when_consented and fully_approved(quote, await is_notable(quote)):
        await publish_granted(REVIEWER, quote)
    elif quote.status == "published" and not any(r["published"] for r in rows):
        await Quote.update({Quote.status: "approved", Quote.updated_at: dt.datetime.now(dt.UTC)}).where(
            Quote.id == quote.id)


async def decide_consent(quote_id: int, decisions: dict[str, bool],
                         photo_permitted: bool = False) -> Outcome[ConsentView]:
    """The reviewer's answer for each placement they were asked about."""
    async with Quote._meta.db.transaction():
        quote = await locked_quote(REVIEWER, quote_id)
        if quote is None:
            return Outcome.fail("NOT_FOUND", "This link is not valid.")
        if quote.status == "rejected":
            return Outcome.fail("CLOSED", "This quote is no longer in use: there is nothing to decide.")
        pending = {r["placement"] for r in await QuoteConsent.select(QuoteConsent.placement).where(
            (QuoteConsent.quote == quote.id) & (QuoteConsent.state == "requested"))}
        unknown = [p for p in decisions if p not in pending]
        if unknown:
            return Outcome(errors=[UserError("NOT_ASKED", f"We did not ask about {p}, or you "
                                             "already answered.", (p,)) for p in unknown])
        if not decisions:
            return Outcome.fail("NOTHING_DECIDED", "Choose yes or no for each place.")
        now = dt.datetime.now(dt.UTC)
        for placement, granted in decisions.items():
            await QuoteConsent.update({QuoteConsent.state: "granted" if granted else "declined",
                                       QuoteConsent.decided_at: now}).where(
                (QuoteConsent.quote == quote.id) & (QuoteConsent.placement == placement))
        await Quote.update({Quote.photo_permitted: bool(photo_permitted and quote.photo_url),
                            Quote.updated_at: now}).where(Quote.id == quote.id)
        await record_audit(REVIEWER, "quote.consent", "quote", quote.id,
                           {"decisions": decisions, "photo": bool(photo_permitted)})
        await _settle(quote)
    return Outcome(await consent_view(quote_id))


async def revoke_consent(quote_id: int, placements=None) -> Outcome[ConsentView]:
    """Withdraw consent (every placement, or the ones named): off the showcase at once."""
    async with Quote._meta.db.transaction():
        quote = await locked_quote(REVIEWER, quote_id)
        if quote is None:
            return Outcome.fail("NOT_FOUND", "This link is not valid.")
        chosen = list(placements) if placements else list(PLACEMENTS)
        rows = await QuoteConsent.raw(
            "UPDATE quote_consent SET state = 'revoked', decided_at = now(), published = false, "
            "published_at = NULL WHERE quote = {} AND state IN ('granted', 'requested') "
            "AND placement = ANY({}::varchar[]) RETURNING placement", quote.id, chosen)
        if not rows:
            return Outcome.fail("NOTHING_TO_REVOKE", "There is no consent left to withdraw.")
        if not placements:
            await Quote.update({Quote.photo_permitted: False}).where(Quote.id == quote.id)
        await record_audit(REVIEWER, "quote.revoke_consent", "quote", quote.id,
                           {"placements": [r["placement"] for r in rows]})
        await _settle(quote)
    return Outcome(await consent_view(quote_id))


# --- the request mail (sent by the worker, at most once per request) --------------------------


async def claim_consent_mail(quote_id: int) -> bool:
    """True for the one run that should send this request's mail; a rerun gets False."""
    rows = await Quote.raw(
        "UPDATE quote SET consent_mailed_at = now() WHERE id = {} AND status <> 'rejected' "
        "AND consent_requested_at IS NOT NULL "
        "AND EXISTS (SELECT 1 FROM quote_consent c WHERE c.quote = quote.id AND c.state = 'requested') "
        "AND (consent_mailed_at IS NULL OR consent_mailed_at < consent_requested_at) RETURNING id",
        quote_id)
    return bool(rows)


async def release_consent_mail(quote_id: int) -> None:
    """The send failed: let the retry claim it again."""
    await Quote.update({Quote.consent_mailed_at: None}).where(Quote.id == quote_id)


MAIL = {
    "en": ("May we quote you?",
           "Hello {name},\n\nThank you for your kind words about {product}. We would love to share "
           "them, exactly as written:\n\n    “{text}”\n    — {attribution}\n\nWe would show them on "
           "{places}. You decide for each place, and you can change your mind at any time, on this "
           "page:\n\n{link}\n\nIf you prefer not to, simply ignore this message: nothing is "
           "published without your yes.\n"),
    "fr": ("Pouvons-nous vous citer ?",
           "Bonjour {name},\n\nMerci pour vos mots sur {product}. Nous aimerions les partager, "
           "tels que vous les avez écrits :\n\n    « {text} »\n    — {attribution}\n\nIls "
           "apparaîtraient sur {places}. Vous décidez pour chaque emplacement, et pouvez changer "
           "d'avis à tout moment, sur cette page :\n\n{link}\n\nSi vous préférez ne pas être cité, "
           "ignorez simplement ce message : rien n'est publié sans votre accord.\n"),
}


async def compose_consent_mail(quote_id: int) -> EmailMessage:
    view = await consent_view(quote_id)
    quote = await Quote.objects().get(Quote.id == quote_id)
    asked = [p for p, s in view.states.items() if s == "requested"]
    locale = "fr" if (view.locale or "").startswith("fr") else "en"
    names = labels(locale)
    subject, body = MAIL[locale]
    sender = await _sender_for(quote)
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = mailbox(view.attribution.split(",")[0], quote.consent_email)
    host = urlsplit(settings.SETTINGS.public_base_url).hostname or "plaudit.localhost"
    message["Message-ID"] = make_msgid(f"consent.{quote.id}", domain=host)
    message.set_content(body.format(
        name=quote.attribution_name.split(" ")[0] or "", product=view.product, text=view.text,
        attribution=view.attribution, places=", ".join(names[p] for p in asked) or "—",
        link=consent_url(quote.id)))
    return message


async def _sender_for(quote: Quote):
    rows = await Quote.raw(
        """SELECT s.name, s.email FROM review r JOIN ask a ON a.id = r.ask
           JOIN campaign c ON c.id = a.campaign JOIN sender s ON s.id = c.sender
           WHERE r.id = {}""", quote.review) if quote.review else []
    if rows:
        return mailbox(rows[0]["name"], rows[0]["email"])
    return settings.SETTINGS.mail_from
