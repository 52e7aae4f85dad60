"""Receiving a provider's webhook: which integration signed it, what it means, which customer,
and the signal — once per provider event.

The request names only the provider (`/integrations/stripe`): the integration is the enabled one
of that provider whose secret verifies the signature (at most MAX_INTEGRATIONS are tried), which
also names the product. A verified event is logged once per provider event id: a retry answers
DUPLICATE and changes nothing. An event for a customer Plaudit does not know is refused
(UNKNOWN_CUSTOMER, and the provider retries, so it lands once the customer is synced).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from models.access.audit import record_audit
from models.catalogue.products import Product
from models.core.actors import SYSTEM, Actor
from models.core.pagination import Page, PageRequest, keyset_page
from models.core.results import Outcome
from models.integrations import stripe_events, zendesk_events
from models.integrations.mapping import Mapped
from models.integrations.tables import PROVIDERS, Integration, IntegrationEvent
from models.people.customers import Customer
from models.people.signals import record_signals

MAX_INTEGRATIONS = 50
MAX_BODY_BYTES = 512 * 1024  # Stripe's largest events are well under this


@dataclass
class Received:
    status: int  # the HTTP status to answer
    code: str  # SIGNAL_CREATED, DUPLICATE, IGNORED, BAD_SIGNATURE, STALE_TIMESTAMP, …
    message: str
    signal_id: int | None = None
    verified: bool = False  # for the refused-credentials limit


def _refused(code: str, message: str, status: int = 400) -> Received:
    return Received(status, code, message)


async def _integrations(provider: str) -> list[dict]:
    return await Integration.select(Integration.id, Integration.product, Integration.signing_secret).where(
        (Integration.provider == provider) & (Integration.enabled == True)  # noqa: E712
    ).order_by(Integration.id).limit(MAX_INTEGRATIONS)


def _verify(provider: str, body: bytes, headers: dict[str, str], secret: str) -> None:
    if provider == "stripe":
        stripe_events.verify(body, headers.get("stripe-signature"), secret)
    else:
        zendesk_events.verify(body, headers.get("x-zendesk-webhook-signature"),
                              headers.get("x-zendesk-webhook-signature-timestamp"), secret)


async def receive(provider: str, body: bytes, headers: dict[str, str]) -> Received:
    """`headers` with lower-case names."""
    if provider not in PROVIDERS:
        return _refused("UNKNOWN_PROVIDER", "Unknown provider.", 404)
    if len(body) > MAX_BODY_BYTES:
        return _refused("TOO_LARGE", f"The body is larger than {MAX_BODY_BYTES} bytes.", 413)
    candidates = await _integrations(provider)
    if not candidates:
        return _refused("NOT_CONFIGURED", f"No {provider} integration is connected.", 404)
    integration, stale = None, False
    for candidate in candidates:
        try:
            _verify(provider, body, headers, candidate["signing_secret"])
        except (stripe_events.BadSignature, zendesk_events.BadSignature) as exc:
            stale = stale or exc.stale
            continue
        integration = candidate
        break
    if integration is None:
        if stale:
            return _refused("STALE_TIMESTAMP", "The signature is valid but its timestamp is more than "
                            "5 minutes old (a replay, or a clock off).")
        return _refused("BAD_SIGNATURE", "No connected integration's secret verifies this signature.")
    try:
        payload = json.loads(body)
        if not isinstance(payload, dict):
            raise ValueError
    except (ValueError, RecursionError):
        return Received(400, "BAD_PAYLOAD", "The body is not a JSON object.", verified=True)
    mapped = (stripe_events.map_event(payload) if provider == "stripe"
              else zendesk_events.map_event(payload))
    answer = await _apply(integration, provider, mapped)
    answer.verified = True
    return answer


async def _customer(product_id: int, mapped: Mapped) -> dict | None:
    if mapped.external_id:
        found = await Customer.select(Customer.id, Customer.external_id).where(
            (Customer.product == product_id) & (Customer.external_id == mapped.external_id)).first()
        if found:
            return found
    if mapped.email:
        pattern = mapped.email.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        rows = await Customer.select(Customer.id, Customer.external_id).where(
            (Customer.product == product_id) & Customer.email.ilike(pattern))
        if len(rows) == 1:
            return rows[0]
    return None


async def _log(integration_id: int, mapped: Mapped, outcome: str, detail: str,
               signal_id: int | None = None) -> bool:
    """True when this provider event was new (logged now), False for a retry."""
    rows = await IntegrationEvent.raw(
        "INSERT INTO integration_event (integration, provider_event_id, event_type, outcome, detail, signal) "
        "VALUES ({}, {}, {}, {}, {}, {}) ON CONFLICT (integration, provider_event_id) "
        "WHERE outcome <> 'unmatched' DO NOTHING RETURNING id",
        integration_id, mapped.event_id or "(none)", mapped.event_type or "(none)", outcome, detail[:300],
        signal_id)
    await Integration.update({Integration.last_event_at: dt.datetime.now(dt.UTC)}).where(
        Integration.id == integration_id)
    return bool(rows)


async def _apply(integration: dict, provider: str, mapped: Mapped) -> Received:
    product_id, now = integration["product"], dt.datetime.now(dt.UTC)
    async with Integration._meta.db.transaction():
        if await IntegrationEvent.exists().where(
                (IntegrationEvent.integration == integration["id"])
                & (IntegrationEvent.provider_event_id == (mapped.event_id or "(none)"))
                & (IntegrationEvent.outcome != "unmatched")):
            return Received(200, "DUPLICATE", "Already received; nothing changed.")
        if mapped.kind is None:
            await _log(integration["id"], mapped, "ignored", mapped.reason)
            return Received(200, "IGNORED", f"Acknowledged and ignored: {mapped.reason}.")
        customer = await _customer(product_id, mapped)
        if customer is None:
            who = " or ".join(filter(None, [mapped.external_id and f"external id {mapped.external_id!r}",
                                            mapped.email and f"email {mapped.email!r}"])) or "no customer"
            await _log(integration["id"], mapped, "unmatched", f"no customer with {who}")
            return Received(422, "UNKNOWN_CUSTOMER", f"No customer of this product with {who}; sync the "
                            "customer (the provider's retry will then land).")
        result = await record_signals(SYSTEM, product_id, [{
            "source": provider, "event_id": mapped.signal_key, "kind": mapped.kind,
            "customer_external_id": customer["external_id"],
            # A provider's clock ahead of ours is not the partner's mistake: never in the future.
            "occurred_at": min(mapped.occurred_at or now, now), "note": mapped.note[:500]}])
        if result.errors:  # a bug or a bound we did not expect: say what, write nothing
            return Received(422, "INVALID_EVENT", "; ".join(e.message for e in result.errors)[:300])
        item = result.items[0]
        await _log(integration["id"], mapped, "signal", f"{mapped.kind} for customer {customer['id']}",
                   item.id)
        if item.status == "DUPLICATE":
            return Received(200, "DUPLICATE", "This signal was already recorded (another event of the "
                            "same renewal or ticket).", signal_id=item.id)
        return Received(200, "SIGNAL_CREATED", f"Recorded {mapped.kind}.", signal_id=item.id)


# --- connecting -----------------------------------------------------------------------------

async def connect(actor: Actor, product_id: int | None, provider: str, signing_secret: str
                  ) -> Outcome[Integration]:
    product_id = product_id if product_id is not None else actor.product_id
    if product_id is None:
        return Outcome.fail("PRODUCT_REQUIRED", "Name the product (`productId`).", "productId")
    if not actor.may_touch_product(product_id):
        return Outcome.fail("NOT_FOUND", "No such product.", "productId")
    if provider not in PROVIDERS:
        return Outcome.fail("UNKNOWN_PROVIDER", f"Providers: {', '.join(PROVIDERS)}.", "provider")
    secret = (signing_secret or "").strip()
    if not 8 <= len(secret) <= 200 or not secret.isascii() or not secret.isprintable():
        return Outcome.fail("INVALID_SECRET", "The signing secret is 8 to 200 printable ASCII "
                            "characters, as the provider shows it.", "signingSecret")
    async with Integration._meta.db.transaction():
        if not await Product.exists().where(Product.id == product_id):
            return Outcome.fail("NOT_FOUND", "No such product.", "productId")
        if await Integration.count().where(Integration.provider == provider) >= MAX_INTEGRATIONS:
            return Outcome.fail("TOO_MANY", f"At most {MAX_INTEGRATIONS} {provider} integrations.",
                                "provider")
        integration = Integration(product=product_id, provider=provider, signing_secret=secret,
                                  created_by=actor.name[:150])
        await integration.save()
        await record_audit(actor, "integration.connect", "integration", integration.id,
                           {"provider": provider, "product": product_id})
    return Outcome(integration)


async def disconnect(actor: Actor, integration_id: int | None) -> Outcome[int]:
    query = Integration.id == (integration_id or 0)
    if actor.product_id is not None:
        query &= Integration.product == actor.product_id
    async with Integration._meta.db.transaction():
        rows = await Integration.delete().where(query).returning(Integration.id)
        if not rows:
            return Outcome.fail("NOT_FOUND", "No such integration.", "id")
        await record_audit(actor, "integration.disconnect", "integration", rows[0]["id"], {})
    return Outcome(rows[0]["id"])


COLUMNS = [c for c in Integration._meta.columns if c._meta.name != "signing_secret"]


async def list_integrations(actor: Actor, product_id: int | None, page: PageRequest) -> Page:
    query = Integration.select(*COLUMNS)
    if actor.product_id is not None:
        query = query.where(Integration.product == actor.product_id)
    if product_id is not None:
        query = query.where(Integration.product == product_id)
    return await keyset_page(query, Integration.id, page)


async def list_events(actor: Actor, integration_id: int, page: PageRequest) -> Page | None:
    visible = Integration.id == integration_id
    if actor.product_id is not None:
        visible &= Integration.product == actor.product_id
    if not await Integration.exists().where(visible):
        return None
    query = IntegrationEvent.select().where(IntegrationEvent.integration == integration_id)
    return await keyset_page(query, IntegrationEvent.id, page)
