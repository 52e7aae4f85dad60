"""Erase on request: a customer's personal data removed everywhere, anonymised aggregates kept.

What goes: the customer's email, names, title, company, social handles and external id; the
free text of their signals; the messages we sent them (subject and bodies); the text and the
reviewer's identity of their reviews (the rating, date, platform, lane and themes stay); their
quotes (deleted: off every showcase at once); their tasks; improvement summaries quoting them.
What stays, anonymised: that a customer of this plan and country existed, their asks and touches
as counts (the funnel), their reviews' ratings and themes (rating history, theme trends).

The address is kept only as an HMAC digest (keyed with PLAUDIT_SECRET_KEY) in `erased_address`:
`upsertCustomers` refuses it from then on, so a CRM sync cannot bring the person back.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.access.audit import record_audit
from models.core.actors import Actor
from models.core.results import Outcome
from models.events.events import record_event
from models.people.customers import Customer
from models.people.erased import address_digest


@dataclass
class Erasure:
    customer_id: int
    signals: int
    touches: int
    reviews: int
    quotes: int
    tasks: int


AUDIT_SCRUB = """
WITH person AS (SELECT {}::integer AS id, lower({}::text) AS email),
targets AS (
    SELECT 'customer' AS t, id::text AS i FROM person
    UNION ALL SELECT 'signal', s.id::text FROM signal s, person WHERE s.customer = person.id
    UNION ALL SELECT 'ask', a.id::text FROM ask a, person WHERE a.customer = person.id
    UNION ALL SELECT 'ask_touch', t.id::text FROM ask_touch t JOIN ask a ON a.id = t.ask, person
        WHERE a.customer = person.id
    UNION ALL SELECT 'review', r.id::text FROM review r, person WHERE r.customer = person.id
    UNION ALL SELECT 'quote', q.id::text FROM quote q, person WHERE q.customer = person.id
        OR q.review IN (SELECT id FROM review WHERE customer = person.id)
    UNION ALL SELECT 'task', k.id::text FROM task k, person WHERE k.customer = person.id
)
UPDATE audit_event e SET detail = jsonb_build_object('erased', true)
FROM person
WHERE e.detail <> jsonb_build_object() AND e.detail <> jsonb_build_object('erased', true)
  AND ((e.target_table, e.target_id) IN (SELECT t, i FROM targets)
       OR (person.email <> '' AND strpos(lower(e.detail::text), person.email) > 0))
"""


async def erase_customer(actor: Actor, customer_id: int) -> Outcome[Erasure]:
    customer = await Customer.objects().get(Customer.id == customer_id)
    if customer is None or not actor.may_touch_product(customer.product):
        return Outcome.fail("NOT_FOUND", "No such customer.", "id")
    if customer.email_status == "erased":
        return Outcome.fail("ALREADY_ERASED", "This customer was already erased.", "id")
    cid = customer.id
    async with Customer._meta.db.transaction():
        # The audit trail first, while the person's rows can still be found: every event about
        # them or their rows (admin edits keep the values they set), and any event whose details
        # carry their address (an admin creation, say) — the events stay, their details go.
        await Customer.raw(AUDIT_SCRUB, cid, customer.email)
        await Customer.raw("INSERT INTO erased_address (digest) VALUES ({}) ON CONFLICT DO NOTHING",
                           address_digest(customer.email))
        # ('{}' as a parameter: Piccolo's query strings have no escape for literal braces.)
        signals = await _count("UPDATE signal SET note = '', payload = {}::jsonb WHERE customer = {} "
                               "RETURNING id", "{}", cid)
        touches = await _count(
            "UPDATE ask_touch SET subject = '', body_text = '', body_html = '', "
            "failure_reason = CASE WHEN failure_reason = '' THEN '' ELSE 'erased' END "
            "WHERE ask IN (SELECT id FROM ask WHERE customer = {}) RETURNING id", cid)
        await Customer.raw("UPDATE ask SET routing_reason = '' WHERE customer = {}", cid)
        quotes = await _count("DELETE FROM quote WHERE customer = {} OR review IN "
                              "(SELECT id FROM review WHERE customer = {}) RETURNING id", cid, cid)
        await Customer.raw("UPDATE improvement SET summary = '' WHERE review IN "
                           "(SELECT id FROM review WHERE customer = {})", cid)
        # Shout-outs stay counted for the team; the customer's words and the owner go.
        await Customer.raw("UPDATE shout_out SET words = '', written = '', owner = '' WHERE review IN "
                           "(SELECT id FROM review WHERE customer = {})", cid)
        # Their case studies hold their words: gone, published or not (the showcase hears of it).
        await Customer.raw("DELETE FROM case_study WHERE customer = {}", cid)
        tasks = await _count("DELETE FROM task WHERE customer = {} OR review IN "
                             "(SELECT id FROM review WHERE customer = {}) RETURNING id", cid, cid)
        reviews = await _count(
            "UPDATE review SET reviewer_name = '', reviewer_title = '', reviewer_company = '', "
            "title = '', pros = '', cons = '', body = '', url = '', match_reason = 'erased' "
            "WHERE customer = {} RETURNING id", cid)
        await Customer.raw(
            "UPDATE customer SET email = {}, external_id = {}, first_name = '', last_name = '', "
            "title = '', company = '', social_handles = {}::jsonb, account_owner = '', "
            "email_status = 'erased', suppressed_at = coalesce(suppressed_at, now()), "
            "updated_at = now() WHERE id = {}",
            f"erased-{cid}@erased.invalid", f"erased-{cid}", "{}", cid)
        await record_event("customer.erased", customer.product, {"customer": cid})
        await record_audit(actor, "customer.erase", "customer", cid,
                           {"signals": signals, "touches": touches, "reviews": reviews,
                            "quotes": quotes, "tasks": tasks})
    return Outcome(Erasure(cid, signals, touches, reviews, quotes, tasks))


async def _count(sql: str, *args) -> int:
    return len(await Customer.raw(sql, *args))


async def erase_customer_by_address(actor: Actor, product_slug: str, email: str) -> Outcome[Erasure]:
    """The same, for a request that names the person by address (as people do)."""
    from models.catalogue.products import Product

    rows = await Customer.select(Customer.id).where(
        (Customer.email == (email or "").strip().lower())
        & Customer.product.is_in(Product.select(Product.id).where(Product.slug == product_slug)))
    if not rows:
        return Outcome.fail("NOT_FOUND", "No customer with that address in that product.", "email")
    return await erase_customer(actor, rows[0]["id"])
