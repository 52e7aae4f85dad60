"""Campaigns: who, when, where and how to ask — creating, editing, linting and their lifecycle."""

from __future__ import annotations

from models.asking.tables import Campaign, SelectionRun
from models.catalogue.products import Product
from models.core.pagination import PageRequest
from models.people.senders import Sender

# --- lifecycle and rules ----------------------------------------------------------------

EDITABLE_IN = ("draft", "paused")
TRANSITIONS = {  # action -> (allowed from, to)
    "activate": (("draft",), "active"),
    "pause": (("active",), "paused"),
    "resume": (("paused",), "active"),
    "finish": (("draft", "active", "paused"), "finished"),
}
CONFIG_FIELDS = ("name", "trigger_kind", "trigger_signal", "audience", "sampling", "channel", "sender",
                 "templates", "routing", "pacing", "follow_up", "cooldown_days", "incentive")


JSON_FIELDS = ("audience", "sampling", "templates", "routing", "pacing", "follow_up", "incentive")


def _config_of(campaign: Campaign) -> dict:
    import json

    # A new row holds its JSON defaults serialised; a loaded one (load_json) holds objects.
    return {f: json.loads(v) if f in JSON_FIELDS and isinstance(v, str) else v
            for f in CONFIG_FIELDS for v in [getattr(campaign, f)]}


async def save_campaign(actor, campaign_id: int | None, data: dict):
    """Create (campaign_id None) or edit a campaign; only drafts and paused ones are editable."""
    import datetime as dt

    from models.access.audit import record_audit
    from models.asking.campaign_rules import check_config
    from models.core.results import Outcome

    changes = {k: v for k, v in data.items() if v is not None}
    async with Campaign._meta.db.transaction():
        if campaign_id is None:
            product_id = changes.get("product") or actor.product_id
            changes["product"] = product_id
            if product_id is None:
                return Outcome.fail("REQUIRED", "Say which product.", "productId")
            if not actor.may_touch_product(product_id):
                return Outcome.fail("PRODUCT_FORBIDDEN", "This token is limited to another product.",
                                    "productId")
            if not await Product.exists().where(Product.id == product_id):
                return Outcome.fail("NOT_FOUND", "No such product.", "productId")
            campaign = Campaign(product=product_id)
        else:
            campaign = await Campaign.objects().get(Campaign.id == campaign_id).output(load_json=True)
            if campaign is None or not actor.may_touch_product(campaign.product):
                return Outcome.fail("NOT_FOUND", "No such campaign.", "id")
            if campaign.status not in EDITABLE_IN:
                hint = "pause it first" if campaign.status == "active" else "copy it into a new one"
                return Outcome.fail("NOT_EDITABLE",
                                    f"A {campaign.status} campaign cannot be edited; {hint}.", "id")
            changes.pop("product", None)
        if campaign_id is None and "trigger_kind" not in changes:
            changes["trigger_kind"] = "signal"
        config = _config_of(campaign) | {k: v for k, v in changes.items() if k in CONFIG_FIELDS}
        if "trigger_kind" in changes and changes["trigger_kind"] == "one_off":
            config["trigger_signal"] = changes.get("trigger_signal")
        errors = check_config(config)
        # The sender is shared, or the campaign's product's own.
        if config.get("sender") is not None and not await Sender.exists().where(
                (Sender.id == config["sender"])
                & (Sender.product.is_null() | (Sender.product == campaign.product))):
            from models.core.results import UserError

            errors.append(UserError("NOT_FOUND", "No such sender.", ("senderId",)))
        if errors:
            return Outcome(errors=errors)
        for key, value in config.items():
            setattr(campaign, key, value)
        campaign.updated_at = dt.datetime.now(dt.UTC)
        await campaign.save()
        await record_audit(actor, "campaign.save", "campaign", campaign.id,
                           {k: v for k, v in changes.items() if k != "templates"})
    return Outcome(campaign)


async def lint_campaign(campaign: Campaign) -> dict[str, list]:
    """Findings per locale template, plus campaign-level findings under "*"."""
    sender = await Sender.objects().get(Sender.id == campaign.sender) if campaign.sender else None
    return lint_with_sender(campaign, sender)


def lint_with_sender(campaign, sender) -> dict[str, list]:
    """lint_campaign with the campaign's sender already read (None: no sender): a reader of many
    campaigns reads their senders in one query."""
    import dataclasses

    from models.asking.campaign_rules import DEFAULT_FOLLOW_UP
    from models.asking.follow_ups import lint_follow_up, template_for
    from models.asking.messages import Finding, Incentive, MessageDraft, lint

    incentive = (Incentive(campaign.incentive.get("description", ""),
                           bool(campaign.incentive.get("conditional_on_rating")))
                 if campaign.incentive else None)
    findings: dict[str, list] = {"*": []}
    if campaign.channel in ("email", "in_app") and not campaign.templates:
        findings["*"].append(Finding("TEMPLATES_REQUIRED", "error",
                                     "Write the message in at least one locale (en, fr).", "body"))
    follow_up = DEFAULT_FOLLOW_UP | (campaign.follow_up or {})
    for locale, template in (campaign.templates or {}).items():
        names = {"sender_name": getattr(sender, "name", "") if sender else "",
                 "sender_title": getattr(sender, "title", "") if sender else ""}
        findings[locale] = lint(MessageDraft(
            subject=template.get("subject", ""), body=template.get("body", ""), locale=locale,
            incentive=incentive, **names))
        if follow_up["count"] and campaign.channel == "email":
            # The follow-up's own message (the campaign's, or the default reminder).
            reminder = template_for(follow_up, locale)
            findings[locale] += [
                dataclasses.replace(f, field=f"followUp.{f.field}") for f in lint_follow_up(MessageDraft(
                    subject=reminder["subject"], body=reminder["body"], locale=locale,
                    incentive=incentive, **names))]
    return findings


async def transition(actor, campaign_id: int, action: str):
    """Move a campaign through draft → active ⇄ paused → finished."""
    import datetime as dt

    from models.access.audit import record_audit
    from models.asking.messages import has_errors
    from models.core.results import Outcome, UserError

    if action not in TRANSITIONS:
        return Outcome.fail("INVALID_TRANSITION", f"Actions: {', '.join(TRANSITIONS)}.", "action")
    allowed_from, target = TRANSITIONS[action]
    async with Campaign._meta.db.transaction():
        campaign = await Campaign.objects().get(Campaign.id == campaign_id).output(load_json=True)
        if campaign is None or not actor.may_touch_product(campaign.product):
            return Outcome.fail("NOT_FOUND", "No such campaign.", "id")
        if campaign.status not in allowed_from:
            return Outcome.fail("INVALID_TRANSITION",
                                f"Cannot {action} a {campaign.status} campaign.", "id")
        if target == "active":
            errors = [UserError("LINT_ERRORS", f"[{loc}] {f.rule}: {f.message}", ("templates", loc))
                      for loc, found in (await lint_campaign(campaign)).items()
                      if has_errors(found) for f in found if f.severity == "error"]
            if campaign.channel == "email" and campaign.sender is None:
                errors.append(UserError("SENDER_REQUIRED", "Email asks are sent by a named person.",
                                        ("senderId",)))
            errors += await _routing_problems(campaign)
            if errors:
                return Outcome(errors=errors)
        now = dt.datetime.now(dt.UTC)
        campaign.status = target
        if action == "activate":
            campaign.activated_at = now
            # Signals from before activation are history, not triggers.
            from models.people.signals import Signal

            latest = await Signal.select(Signal.id).order_by(Signal.id, ascending=False).first()
            campaign.signal_watermark = latest["id"] if latest else 0
        if action == "finish":
            campaign.finished_at = now
            from models.asking.asks import cancel_open_asks

            await cancel_open_asks(campaign_id=campaign.id, reason="campaign finished")
        await campaign.save()
        if action in ("activate", "finish"):
            from models.events.events import record_event

            await record_event(f"campaign.{'activated' if action == 'activate' else 'finished'}",
                               campaign.product, {"campaign": campaign.id}, occurred_at=now)
        await record_audit(actor, f"campaign.{action}", "campaign", campaign.id)
        if action in ("activate", "resume"):
            from models.core.outbox import add_to_outbox

            await add_to_outbox("run_campaign", {"campaign_id": campaign.id})
    return Outcome(campaign)


async def _routing_problems(campaign: Campaign) -> list:
    from models.asking.routing import Router
    from models.asking.selection import routing_options, routing_policy
    from models.core.results import UserError

    options = await routing_options(campaign.product)
    router = Router(options, routing_policy(campaign.routing), has_incentive=bool(campaign.incentive),
                    seed=0)
    problems = [UserError("ROUTING_PROBLEM", p, ("routing",)) for p in router.validate_policy()]
    if not options:
        problems.append(UserError("ROUTING_PROBLEM", "The product has no platform profile yet.",
                                  ("routing",)))
    return problems


async def get_campaign(actor, campaign_id: int) -> Campaign | None:
    campaign = await Campaign.objects().get(Campaign.id == campaign_id).output(load_json=True)
    return campaign if campaign and actor.may_touch_product(campaign.product) else None


async def list_campaigns(actor, status: str | None, page: PageRequest):
    from models.core.pagination import keyset_page

    query = Campaign.select().output(load_json=True)
    if actor.product_id is not None:
        query = query.where(Campaign.product == actor.product_id)
    if status is not None:
        query = query.where(Campaign.status == status)
    return await keyset_page(query, Campaign.id, page)


async def list_selection_runs(actor, campaign_id: int | None, page: PageRequest):
    """A campaign's runs, or (campaign_id None) the runs asked for by id, within the actor's product."""
    from models.core.pagination import empty_page, keyset_page

    query = SelectionRun.select().output(load_json=True)
    if campaign_id is not None:
        if await get_campaign(actor, campaign_id) is None:
            return empty_page()
        query = query.where(SelectionRun.campaign == campaign_id)
    elif actor.product_id is not None:
        query = query.where(SelectionRun.campaign.product == actor.product_id)
    return await keyset_page(query, SelectionRun.id, page)
