"""Suppression from outside: a partner's mail system reports a bounce, a complaint or a request
not to be mailed, and the address stops receiving asks at once.

An address, not a customer row, is what bounces or complains: every customer with it (within the
actor's product, or in every product for an unlimited actor) is suppressed, with the status and
`suppressed_at` set together, and their open asks close. Suppressing is idempotent; a customer
already suppressed keeps its first reason. Lifting a suppression is allowed for a bounce (the
mailbox works again); a complaint or a request came from the person, and only they undo it — by
the unsubscribe page's opposite, a new consent, never a partner's call.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from models.access.audit import record_audit
from models.asking.asks import cancel_open_asks
from models.core.actors import Actor
from models.core.results import Outcome, UserError
from models.people.customers import EMAIL_RE, Customer

REASONS = {  # reason -> (the customer's email status, the status their open asks close with)
    "bounce": ("bounced", "bounced"),
    "complaint": ("complained", "cancelled"),
    "request": ("unsubscribed", "unsubscribed"),
}
LIFTABLE = ("bounced",)


@dataclass
class SuppressionResult:
    customer_ids: list[int] = field(default_factory=list)
    asks_closed: int = 0


def _target(actor: Actor, product_id: int | None, email: str) -> tuple[str, int | None, list[UserError]]:
    address = (email or "").strip().lower()
    errors = []
    if not EMAIL_RE.match(address) or len(address) > 254:
        errors.append(UserError("INVALID_EMAIL", "Not an email address.", ("email",)))
    if actor.product_id is not None:
        if product_id not in (None, actor.product_id):
            errors.append(UserError("PRODUCT_FORBIDDEN", "This token is limited to another product.",
                                    ("productId",)))
        product_id = actor.product_id
    return address, product_id, errors


async def suppress_address(actor: Actor, email: str, reason: str,
                           product_id: int | None = None) -> Outcome[SuppressionResult]:
    if reason not in REASONS:
        return Outcome.fail("UNKNOWN_REASON", f"Use one of {', '.join(REASONS)}.", "reason")
    address, product_id, errors = _target(actor, product_id, email)
    if errors:
        return Outcome(errors=errors)
    status, ask_status = REASONS[reason]
    result = SuppressionResult()
    async with Customer._meta.db.transaction():
        where = "lower(email) = {} AND email_status = 'ok'"
        args: list = [status, dt.datetime.now(dt.UTC), address]
        if product_id is not None:
            where += " AND product = {}"
            args.append(product_id)
        rows = await Customer.raw(
            "UPDATE customer SET email_status = {}, suppressed_at = {}, updated_at = now() "
            f"WHERE {where} RETURNING id", *args)
        result.customer_ids = sorted(r["id"] for r in rows)
        for customer_id in result.customer_ids:
            result.asks_closed += await cancel_open_asks(customer_id=customer_id, reason=status,
                                                         status=ask_status)
        if result.customer_ids:
            await record_audit(actor, "customer.suppress", "customer",
                               ",".join(map(str, result.customer_ids))[:40],
                               {"reason": reason, "customers": len(result.customer_ids),
                                "asks_closed": result.asks_closed})
    return Outcome(result)


async def lift_suppression(actor: Actor, email: str,
                           product_id: int | None = None) -> Outcome[SuppressionResult]:
    address, product_id, errors = _target(actor, product_id, email)
    if errors:
        return Outcome(errors=errors)
    async with Customer._meta.db.transaction():
        sql = "SELECT id, email_status FROM customer WHERE lower(email) = {} AND email_status <> 'ok'"
        args: list = [address]
        if product_id is not None:
            sql += " AND product = {}"
            args.append(product_id)
        rows = await Customer.raw(sql, *args)
        personal = sorted({r["email_status"] for r in rows} - set(LIFTABLE))
        if personal:
            return Outcome.fail("PERSON_DECIDED", f"The address is {' and '.join(personal)}: the "
                                "person decided, and only they can undo it.", "email")
        ids = sorted(r["id"] for r in rows)
        if ids:
            await Customer.update({Customer.email_status: "ok", Customer.suppressed_at: None}).where(
                Customer.id.is_in(ids))
            await record_audit(actor, "customer.unsuppress", "customer", ",".join(map(str, ids))[:40],
                               {"customers": len(ids)})
    return Outcome(SuppressionResult(customer_ids=ids))
