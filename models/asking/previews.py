"""What a campaign's message looks like for one customer, and a test send to the sender."""

from __future__ import annotations

from dataclasses import dataclass

from models.asking.campaigns import lint_campaign
from models.asking.messages import MessageDraft, RenderedMessage, render_message
from models.asking.routing import CustomerFacts, Router
from models.asking.selection import routing_options, routing_policy
from models.asking.tables import Campaign
from models.catalogue.products import Product
from models.core.results import Outcome
from models.people.customers import Customer
from models.people.senders import Sender

SAMPLE_LINK = "https://example.invalid/r/preview-link"


@dataclass
class Preview:
    locale: str
    platform: str | None
    routing_reason: str
    message: RenderedMessage
    findings: list


async def preview_campaign(actor, campaign_id: int, customer_id: int | None,
                           locale: str | None) -> Outcome[Preview]:
    campaign = await Campaign.objects().get(Campaign.id == campaign_id).output(load_json=True)
    if campaign is None or not actor.may_touch_product(campaign.product):
        return Outcome.fail("NOT_FOUND", "No such campaign.", "id")
    customer = None
    if customer_id is not None:
        customer = await Customer.objects().get((Customer.id == customer_id)
                                                & (Customer.product == campaign.product))
        if customer is None:
            return Outcome.fail("NOT_FOUND", "No such customer in this campaign's product.",
                                "customerId")
    templates = campaign.templates or {}
    locale = locale or (customer.locale if customer else None) or next(iter(templates), "en")
    if locale not in templates:
        return Outcome.fail("NO_TEMPLATE", f"The campaign has no {locale} template.", "locale")
    router = Router(await routing_options(campaign.product), routing_policy(campaign.routing),
                    has_incentive=bool(campaign.incentive), seed=0)
    decision = router.route(CustomerFacts(customer.id if customer else 0,
                                          customer.country if customer else ""))
    sender = await Sender.objects().get(Sender.id == campaign.sender) if campaign.sender else None
    product = await Product.objects().get(Product.id == campaign.product)
    values = {
        "first_name": customer.first_name if customer else "Alex",
        "last_name": customer.last_name if customer else "Martin",
        "company": customer.company if customer else "Example Inc.",
        "product": product.name,
        "platform": {o.profile_id: o.platform_name for o in router.options}.get(
            decision.profile_id, "(no platform)"),
        "sender_name": sender.name if sender else "", "sender_title": sender.title if sender else "",
        "review_link": SAMPLE_LINK,
    }
    template = templates[locale]
    try:
        message = render_message(MessageDraft(template["subject"], template["body"], locale,
                                              values["sender_name"], values["sender_title"]), values)
    except ValueError as exc:
        return Outcome.fail("RENDER_FAILED", str(exc), "templates", locale)
    findings = (await lint_campaign(campaign)).get(locale, [])
    return Outcome(Preview(locale, values["platform"], decision.reason, message, findings))


async def request_test_send(actor, campaign_id: int, locale: str | None) -> Outcome[int]:
    """Queue a test send of the campaign's message to its own sender (through the outbox)."""
    from models.access.audit import record_audit
    from models.core.outbox import add_to_outbox

    campaign = await Campaign.objects().get(Campaign.id == campaign_id).output(load_json=True)
    if campaign is None or not actor.may_touch_product(campaign.product):
        return Outcome.fail("NOT_FOUND", "No such campaign.", "id")
    if campaign.sender is None:
        return Outcome.fail("SENDER_REQUIRED", "The campaign has no sender to send the test to.",
                            "id")
    locale = locale or next(iter(campaign.templates or {}), None)
    if locale not in (campaign.templates or {}):
        return Outcome.fail("NO_TEMPLATE", f"The campaign has no {locale} template.", "locale")
    async with Campaign._meta.db.transaction():
        outbox_id = await add_to_outbox("test_send", {"campaign_id": campaign_id, "locale": locale})
        await record_audit(actor, "campaign.test_send", "campaign", campaign_id, {"locale": locale})
    return Outcome(outbox_id)


async def compose_test_message(campaign_id: int, locale: str):
    """The message as a customer would get it, addressed to the sender, marked as a test."""
    from email.message import EmailMessage

    from models.core.actors import SYSTEM
    from models.core.mail_addresses import mailbox

    outcome = await preview_campaign(SYSTEM, campaign_id, None, locale)
    if not outcome.ok:
        raise ValueError("; ".join(e.message for e in outcome.errors))
    campaign = await Campaign.objects().get(Campaign.id == campaign_id)
    sender = await Sender.objects().get(Sender.id == campaign.sender)
    message = EmailMessage()
    message["Subject"] = f"[Test] {outcome.value.message.subject}"
    message["From"] = mailbox(sender.name, sender.email)
    message["To"] = mailbox(sender.name, sender.email)
    message.set_content(outcome.value.message.text)
    message.add_alternative(outcome.value.message.html, subtype="html")
    return message
