"""Stripe's webhook events, checked as Stripe specifies and mapped to signals.

Signature: the `Stripe-Signature` header (`t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">`),
keyed by the endpoint's signing secret (`whsec_…`), checked with Stripe's own library within
a 5-minute tolerance.

Mapping (docs/integrations.md):
- `invoice.paid` / `invoice.payment_succeeded` with `billing_reason: subscription_cycle` and an
  amount paid → RENEWED. Both events of one invoice give one signal (keyed by the invoice).
- `customer.subscription.updated` whose `previous_attributes` show the items (or plan) changed
  to a higher monthly price → UPGRADED (prices normalised to a month; tiered prices, which
  have no unit amount, are not compared).
- anything else is acknowledged and ignored.
The customer is the one whose external id is the Stripe customer id (`cus_…`), else the one
with the invoice's `customer_email`.
"""

from __future__ import annotations

from typing import Any

import stripe

from models.integrations.mapping import Mapped, from_unix, ignored, text

TOLERANCE_SECONDS = 300
RENEWAL_EVENTS = ("invoice.paid", "invoice.payment_succeeded")
# Months per interval, to compare prices billed on different intervals.
MONTHS = {"day": 1 / 30, "week": 12 / 52, "month": 1, "year": 12}


class BadSignature(Exception):
    def __init__(self, message: str, stale: bool = False) -> None:
        super().__init__(message)
        self.stale = stale


def verify(body: bytes, header: str | None, secret: str) -> None:
    """Raises BadSignature unless `header` signs `body` with `secret`, recently."""
    try:
        stripe.WebhookSignature.verify_header(body, header, secret, TOLERANCE_SECONDS)
    except stripe.SignatureVerificationError as exc:
        raise BadSignature(str(exc).split(".")[0] + ".",
                           stale="tolerance" in str(exc).lower()) from exc
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadSignature("The body is not UTF-8 text.") from exc


def _monthly(items: Any) -> float | None:
    """The monthly price of a subscription's items (None when one cannot be priced)."""
    if isinstance(items, dict):
        items = items.get("data")
    if not isinstance(items, list) or not items or len(items) > 100:
        return None
    total = 0.0
    for item in items:
        price = item.get("price") or item.get("plan") if isinstance(item, dict) else None
        if not isinstance(price, dict):
            return None
        amount = price.get("unit_amount", price.get("amount"))
        recurring = price.get("recurring") or {"interval": price.get("interval"),
                                               "interval_count": price.get("interval_count")}
        interval, count = recurring.get("interval"), recurring.get("interval_count") or 1
        quantity = item.get("quantity", 1)
        if (not isinstance(amount, int) or isinstance(amount, bool) or interval not in MONTHS
                or not isinstance(count, int) or count < 1 or not isinstance(quantity, int)):
            return None
        total += amount * quantity / (MONTHS[interval] * count)
    return total


def _previous_items(previous: dict) -> Any:
    if "items" in previous:
        return previous["items"]
    if "plan" in previous:  # older API versions: the single plan
        return [{"plan": previous["plan"], "quantity": previous.get("quantity", 1)}]
    return None


def map_event(event: dict) -> Mapped:
    event_id, event_type = text(event.get("id"), 120) or "", text(event.get("type"), 120) or ""
    data = event.get("data") if isinstance(event.get("data"), dict) else {}
    obj = data.get("object") if isinstance(data.get("object"), dict) else {}
    created = from_unix(event.get("created"))
    if event_type in RENEWAL_EVENTS:
        if obj.get("billing_reason") != "subscription_cycle":
            return ignored(event_id, event_type, f"not a renewal (billing_reason "
                                                 f"{text(obj.get('billing_reason'), 40)!r})")
        paid = obj.get("amount_paid")
        if not isinstance(paid, int) or paid <= 0:
            return ignored(event_id, event_type, "nothing was paid")
        transitions = obj.get("status_transitions") if isinstance(obj.get("status_transitions"), dict) else {}
        invoice = text(obj.get("id"), 100) or event_id
        return Mapped(event_id, event_type, kind="renewed", signal_key=f"invoice:{invoice}",
                      occurred_at=from_unix(transitions.get("paid_at")) or created,
                      external_id=text(obj.get("customer"), 120), email=text(obj.get("customer_email"), 254),
                      note=f"Stripe invoice {invoice}")
    if event_type == "customer.subscription.updated":
        previous = data.get("previous_attributes")
        previous = previous if isinstance(previous, dict) else {}
        before_items = _previous_items(previous)
        if before_items is None:
            return ignored(event_id, event_type, "the plan did not change")
        before, after = _monthly(before_items), _monthly(obj.get("items"))
        if before is None or after is None:
            return ignored(event_id, event_type, "the prices cannot be compared (tiered or missing)")
        if after <= before:
            return ignored(event_id, event_type, "not a higher-priced plan")
        return Mapped(event_id, event_type, kind="upgraded", signal_key=f"event:{event_id}",
                      occurred_at=created, external_id=text(obj.get("customer"), 120),
                      note=f"Stripe subscription {text(obj.get('id'), 100)}: "
                           f"{before / 100:.2f} -> {after / 100:.2f} a month")
    return ignored(event_id, event_type, "event type not used")
