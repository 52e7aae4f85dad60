"""Webhook endpoints: where a product's events are pushed, signed per Standard Webhooks.

An endpoint belongs to one product and names the event types it wants; a token may only
subscribe to the families its scopes read (no more personal data by webhook than by query).
Its secret (`whsec_` + base64 of 32 random bytes) is shown once, at creation or rotation. The
URL follows the URL rule, https only in production, and must resolve to a public address
(models/events/network.py) — checked here and again at every delivery.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from dataclasses import dataclass

from models.access.audit import record_audit
from models.catalogue.products import Product
from models.core.actors import Actor
from models.core.pagination import Page, PageRequest, keyset_page
from models.core.results import Outcome, UserError
from models.core.urls import url_problem
from models.events.deliveries import cancel_pending
from models.events.events import TYPES
from models.events.network import resolve_receiver
from models.events.tables import WebhookEndpoint

MAX_ENDPOINTS_PER_PRODUCT = 20
MAX_DESCRIPTION = 200
SECRET_PREFIX = "whsec_"  # noqa: S105 (the Standard Webhooks marker, not a secret)


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def https_only() -> bool:
    import settings

    return settings.SETTINGS.admin_production


@dataclass
class IssuedEndpoint:
    endpoint: WebhookEndpoint
    secret: str  # shown once


def _visible(actor: Actor):
    query = WebhookEndpoint.product.is_not_null()
    if actor.product_id is not None:
        query = WebhookEndpoint.product == actor.product_id
    return query


async def _check_url(url: str) -> list[UserError]:
    problem = url_problem(url, https_only=https_only(), required=True)
    if problem is None:
        problem = (await resolve_receiver(url)).problem
    return [UserError("INVALID_URL", problem, ("url",))] if problem else []


def _check_types(actor: Actor, types: list[str]) -> list[UserError]:
    if not types:
        return [UserError("EVENT_TYPES_REQUIRED", "Name at least one event type.", ("eventTypes",))]
    if len(set(types)) > 50:
        return [UserError("EVENT_TYPES_REQUIRED", "At most 50 event types.", ("eventTypes",))]
    unknown = sorted(set(types) - set(TYPES))
    if unknown:
        return [UserError("UNKNOWN_EVENT_TYPE", f"Unknown event types: {', '.join(unknown)[:200]}.",
                          ("eventTypes",))]
    unreadable = sorted({TYPES[t] for t in types if not actor.has_scope(TYPES[t])})
    if unreadable:
        return [UserError("FORBIDDEN_EVENT_TYPE", "This token may not subscribe to events it may "
                          f"not read: they need {', '.join(unreadable)}.", ("eventTypes",))]
    return []


def _check_description(description: str) -> list[UserError]:
    if len(description) > MAX_DESCRIPTION:
        return [UserError("INVALID_DESCRIPTION", f"At most {MAX_DESCRIPTION} characters.",
                          ("description",))]
    return []


async def create_endpoint(actor: Actor, product_id: int | None, url: str, event_types: list[str],
                          description: str = "") -> Outcome[IssuedEndpoint]:
    product_id = product_id if product_id is not None else actor.product_id
    if product_id is None:
        return Outcome.fail("PRODUCT_REQUIRED", "Name the product (`productId`).", "productId")
    if not actor.may_touch_product(product_id):
        return Outcome.fail("NOT_FOUND", "No such product.", "productId")
    types = sorted(set(event_types))
    description = (description or "").strip()
    errors = (_check_types(actor, types) + _check_description(description) + await _check_url(url))
    if errors:
        return Outcome(errors=errors)
    secret = new_secret()
    async with WebhookEndpoint._meta.db.transaction():
        if not await Product.exists().where(Product.id == product_id):
            return Outcome.fail("NOT_FOUND", "No such product.", "productId")
        count = await WebhookEndpoint.count().where(WebhookEndpoint.product == product_id)
        if count >= MAX_ENDPOINTS_PER_PRODUCT:
            return Outcome.fail("TOO_MANY_ENDPOINTS", f"A product has at most "
                                f"{MAX_ENDPOINTS_PER_PRODUCT} webhook endpoints.", "productId")
        endpoint = WebhookEndpoint(product=product_id, url=url, description=description,
                                   event_types=types, secret=secret, created_by=actor.name[:150])
        await endpoint.save()
        await record_audit(actor, "webhook.create", "webhook_endpoint", endpoint.id,
                           {"url": url, "event_types": types, "product": product_id})
    return Outcome(IssuedEndpoint(endpoint, secret))


async def _own(actor: Actor, endpoint_id: int | None, lock: bool = False) -> WebhookEndpoint | None:
    if endpoint_id is None:
        return None
    query = WebhookEndpoint.objects().where((WebhookEndpoint.id == endpoint_id) & _visible(actor))
    if lock:
        query = query.lock_rows()
    return await query.first()


async def update_endpoint(actor: Actor, endpoint_id: int | None, *, url: str | None = None,
                          event_types: list[str] | None = None, description: str | None = None,
                          enabled: bool | None = None) -> Outcome[WebhookEndpoint]:
    """Change what was given. Enabling again clears the failure run (and the disabled reason)."""
    errors: list[UserError] = []
    if event_types is not None:
        event_types = sorted(set(event_types))
        errors += _check_types(actor, event_types)
    if description is not None:
        description = description.strip()
        errors += _check_description(description)
    if url is not None:
        errors += await _check_url(url)
    if errors:
        return Outcome(errors=errors)
    async with WebhookEndpoint._meta.db.transaction():
        endpoint = await _own(actor, endpoint_id, lock=True)
        if endpoint is None:
            return Outcome.fail("NOT_FOUND", "No such webhook endpoint.", "id")
        changed = {}
        for name, value in (("url", url), ("event_types", event_types), ("description", description)):
            if value is not None:
                setattr(endpoint, name, value)
                changed[name] = value
        if enabled is not None and enabled != endpoint.enabled:
            endpoint.enabled = enabled
            changed["enabled"] = enabled
            if enabled:
                endpoint.disabled_reason, endpoint.consecutive_failures = "", 0
                endpoint.failing_since = None
            else:
                endpoint.disabled_reason = f"Disabled by {actor.name}."[:300]
        endpoint.updated_at = dt.datetime.now(dt.UTC)
        await endpoint.save()
        if changed.get("enabled") is False:
            await cancel_pending(endpoint.id, "endpoint disabled")
        await record_audit(actor, "webhook.update", "webhook_endpoint", endpoint.id, changed)
    return Outcome(endpoint)


async def rotate_secret(actor: Actor, endpoint_id: int | None) -> Outcome[IssuedEndpoint]:
    """A new secret at once (shown once); later deliveries, retries included, are signed with it."""
    secret = new_secret()
    async with WebhookEndpoint._meta.db.transaction():
        endpoint = await _own(actor, endpoint_id, lock=True)
        if endpoint is None:
            return Outcome.fail("NOT_FOUND", "No such webhook endpoint.", "id")
        endpoint.secret, endpoint.updated_at = secret, dt.datetime.now(dt.UTC)
        await endpoint.save([WebhookEndpoint.secret, WebhookEndpoint.updated_at])
        await record_audit(actor, "webhook.rotate_secret", "webhook_endpoint", endpoint.id, {})
    return Outcome(IssuedEndpoint(endpoint, secret))


async def delete_endpoint(actor: Actor, endpoint_id: int | None) -> Outcome[int]:
    async with WebhookEndpoint._meta.db.transaction():
        endpoint = await _own(actor, endpoint_id, lock=True)
        if endpoint is None:
            return Outcome.fail("NOT_FOUND", "No such webhook endpoint.", "id")
        await WebhookEndpoint.delete().where(WebhookEndpoint.id == endpoint.id)
        await record_audit(actor, "webhook.delete", "webhook_endpoint", endpoint.id,
                           {"url": endpoint.url})
    return Outcome(endpoint.id)


ENDPOINT_COLUMNS = [c for c in WebhookEndpoint._meta.columns if c._meta.name != "secret"]


async def list_endpoints(actor: Actor, product_id: int | None, page: PageRequest) -> Page:
    query = WebhookEndpoint.select(*ENDPOINT_COLUMNS).where(_visible(actor))
    if product_id is not None:
        query = query.where(WebhookEndpoint.product == product_id)
    return await keyset_page(query, WebhookEndpoint.id, page)
