"""Campaigns over GraphQL: settings, lifecycle, lint, preview, selection audits, funnel."""

from __future__ import annotations

import datetime as dt
from enum import Enum

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from api.graphql.errors import map_errors, user_error_type
from api.graphql.nodes import Node, node_kind
from api.graphql.nodes import page_rows as _rows
from api.graphql.permissions import needs
from api.graphql.relay import Connection, decode_id, global_id, paginate
from models.asking import campaigns as domain
from models.asking.funnel import funnel
from models.asking.previews import preview_campaign, request_test_send
from models.core.pagination import PageRequest


@node_kind("campaigns:read",
           lambda actor, ids: _rows(domain.list_campaigns(actor, None, PageRequest.only(ids))))
@strawberry.type(name="Campaign")
class CampaignType(Node):
    name: str
    status: str
    trigger_kind: str
    trigger_signal: str | None
    audience: JSON
    sampling: JSON
    channel: str
    templates: JSON
    routing: JSON
    pacing: JSON
    follow_up: JSON
    cooldown_days: int
    incentive: JSON | None
    activated_at: dt.datetime | None
    created_at: dt.datetime

    @strawberry.field
    def product_id(self) -> strawberry.ID:
        return global_id("Product", self.product)  # type: ignore[attr-defined,return-value]

    @strawberry.field
    def sender_id(self) -> strawberry.ID | None:
        return global_id("Sender", self.sender)  # type: ignore[attr-defined,return-value]


@strawberry.type(name="LintFinding")
class LintFindingType:
    locale: str
    rule: str
    severity: str
    message: str
    field: str


@strawberry.type(name="CampaignPreview")
class CampaignPreviewType:
    locale: str
    platform: str | None
    routing_reason: str
    subject: str
    text: str
    html: str
    findings: list[LintFindingType]


@node_kind("campaigns:read",
           lambda actor, ids: _rows(domain.list_selection_runs(actor, None, PageRequest.only(ids))))
@strawberry.type(name="SelectionRun", description="The audit of one selection run.")
class SelectionRunType(Node):
    started_at: dt.datetime
    trigger: str
    candidates: int
    eligible: int
    selected: int
    planned: int
    skipped: JSON
    sampling: JSON
    rules: JSON


@strawberry.enum
class FunnelGrouping(Enum):
    CAMPAIGN = "campaign"
    CHANNEL = "channel"
    PLATFORM = "platform"
    TRIGGER = "trigger"


@strawberry.type(name="FunnelRow")
class FunnelRowType:
    key: str
    selected: int
    sent: int
    clicked: int
    reviewed: int
    bounced: int
    unsubscribed: int


@strawberry.input
class CampaignInput:
    product_id: strawberry.ID | None = None
    name: str | None = None
    trigger_kind: str | None = strawberry.field(default=None, description="signal | one_off")
    trigger_signal: str | None = strawberry.field(
        default=None, description="renewed | upgraded | ticket_resolved | tenure_milestone")
    audience: JSON | None = strawberry.field(
        default=None, description="{plans, countries, regions, locales, min_tenure_days, "
                                  "max_tenure_days}; never sentiment.")
    sampling: JSON | None = strawberry.field(
        default=None, description='{"rule": "everyone" | "share" (+share, seed) | "every_nth" (+n)}')
    channel: str | None = strawberry.field(default=None,
                                           description="email | call | social_dm | in_app")
    sender_id: strawberry.ID | None = None
    templates: JSON | None = strawberry.field(
        default=None, description='{"en": {"subject": "…", "body": "…"}, "fr": {…}}')
    routing: JSON | None = strawberry.field(
        default=None, description='{"strategy": "fixed" | "weighted" | "need", "platforms", '
                                  '"fixed", "weights"}')
    pacing: JSON | None = strawberry.field(
        default=None, description="{max_per_hour, max_per_day, business_hours, business_days, "
                                  "jitter_minutes}")
    follow_up: JSON | None = strawberry.field(default=None, description="{count, after_days}")
    cooldown_days: int | None = None
    incentive: JSON | None = strawberry.field(
        default=None, description='{"description": "…"}; identical for everyone, disclosed.')


_CONFIG_CODES = ["REQUIRED", "NOT_FOUND", "PRODUCT_FORBIDDEN", "NOT_EDITABLE", "NAME_REQUIRED",
                 "INVALID_TRIGGER", "SENTIMENT_TRIGGER", "SENTIMENT_RULE", "UNKNOWN_AUDIENCE_RULE",
                 "INVALID_AUDIENCE_RULE", "INVALID_SAMPLING", "INVALID_ROUTING", "INVALID_PACING",
                 "INVALID_FOLLOW_UP", "RATING_INCENTIVE", "INVALID_INCENTIVE", "INVALID_TEMPLATE",
                 "INVALID_CHANNEL", "INVALID_COOLDOWN"]
SaveCampaignError = user_error_type("SaveCampaign", _CONFIG_CODES)
CampaignTransitionError = user_error_type("CampaignTransition", [
    "NOT_FOUND", "INVALID_TRANSITION", "LINT_ERRORS", "SENDER_REQUIRED", "ROUTING_PROBLEM"])
PreviewCampaignError = user_error_type("PreviewCampaign", ["NOT_FOUND", "NO_TEMPLATE",
                                                           "RENDER_FAILED"])


TestSendCampaignError = user_error_type("TestSendCampaign", ["NOT_FOUND", "SENDER_REQUIRED",
                                                             "NO_TEMPLATE"])


@strawberry.type
class TestSendCampaignPayload:
    queued: bool
    user_errors: list[TestSendCampaignError]  # type: ignore[valid-type]


@strawberry.type
class SaveCampaignPayload:
    campaign: CampaignType | None
    user_errors: list[SaveCampaignError]  # type: ignore[valid-type]


@strawberry.type
class CampaignTransitionPayload:
    campaign: CampaignType | None
    user_errors: list[CampaignTransitionError]  # type: ignore[valid-type]


@strawberry.type
class PreviewCampaignPayload:
    preview: CampaignPreviewType | None
    user_errors: list[PreviewCampaignError]  # type: ignore[valid-type]


def _fields(data: CampaignInput) -> dict:
    fields = {k: getattr(data, k) for k in (
        "name", "trigger_kind", "trigger_signal", "audience", "sampling", "channel", "templates",
        "routing", "pacing", "follow_up", "cooldown_days", "incentive")}
    fields["product"] = decode_id(data.product_id, "productId", "Product")
    fields["sender"] = decode_id(data.sender_id, "senderId", "Sender")
    return fields


def _findings(per_locale: dict[str, list]) -> list[LintFindingType]:
    return [LintFindingType(locale=loc, rule=f.rule, severity=f.severity, message=f.message,
                            field=f.field) for loc, found in per_locale.items() for f in found]


async def _transition(info: Info, id: strawberry.ID, action: str) -> CampaignTransitionPayload:
    outcome = await domain.transition(info.context.actor, decode_id(id, "id", "Campaign"), action)
    if outcome.ok and info.context.queue is not None:
        # The run queued by activate/resume, at once: hand_over(None) is the sweeper's resend,
        # which only takes messages past their grace period (a 30–60 s wait).
        await info.context.queue.hand_over_pending()
    return CampaignTransitionPayload(campaign=outcome.value,
                                     user_errors=map_errors(CampaignTransitionError, outcome.errors))


@strawberry.type
class CampaignQueries:
    @strawberry.field(permission_classes=[needs("campaigns:read")])
    async def campaigns(self, info: Info, first: int | None = None, after: str | None = None,
                        last: int | None = None, before: str | None = None,
                        status: str | None = None) -> Connection[CampaignType]:
        page = await paginate(lambda page: domain.list_campaigns(info.context.actor, status, page),
                              first, after, last, before)
        return Connection.from_page(page)

    @strawberry.field(permission_classes=[needs("campaigns:read")],
                      description="Message-rule findings per locale (errors block activation).")
    async def campaign_lint(self, info: Info, id: strawberry.ID) -> list[LintFindingType]:
        campaign = await domain.get_campaign(info.context.actor, decode_id(id, "id", "Campaign"))
        return _findings(await domain.lint_campaign(campaign)) if campaign else []

    @strawberry.field(permission_classes=[needs("campaigns:read")])
    async def campaign_preview(self, info: Info, id: strawberry.ID,
                               customer_id: strawberry.ID | None = None,
                               locale: str | None = None) -> PreviewCampaignPayload:
        outcome = await preview_campaign(info.context.actor, decode_id(id, "id", "Campaign"),
                                         decode_id(customer_id, "customerId", "Customer"), locale)
        preview = outcome.value
        return PreviewCampaignPayload(
            preview=CampaignPreviewType(
                locale=preview.locale, platform=preview.platform,
                routing_reason=preview.routing_reason, subject=preview.message.subject,
                text=preview.message.text, html=preview.message.html,
                findings=_findings({preview.locale: preview.findings})) if preview else None,
            user_errors=map_errors(PreviewCampaignError, outcome.errors))

    @strawberry.field(permission_classes=[needs("campaigns:read")])
    async def selection_runs(self, info: Info, campaign_id: strawberry.ID, first: int | None = None,
                             after: str | None = None, last: int | None = None,
                             before: str | None = None) -> Connection[SelectionRunType]:
        cid = decode_id(campaign_id, "campaignId", "Campaign")
        page = await paginate(lambda page: domain.list_selection_runs(info.context.actor, cid, page),
                              first, after, last, before)
        return Connection.from_page(page)

    @strawberry.field(permission_classes=[needs("campaigns:read")],
                      description="selected → sent → clicked → reviewed, plus bounced, unsubscribed.")
    async def campaign_funnel(self, info: Info, group_by: FunnelGrouping,
                              campaign_id: strawberry.ID | None = None) -> list[FunnelRowType]:
        rows = await funnel(group_by.value, product_id=info.context.actor.product_id,
                            campaign_id=decode_id(campaign_id, "campaignId", "Campaign"))
        return [FunnelRowType(**vars(r)) for r in rows]


@strawberry.type
class CampaignMutations:
    @strawberry.mutation(permission_classes=[needs("campaigns:write")])
    async def create_campaign(self, info: Info, input: CampaignInput) -> SaveCampaignPayload:
        outcome = await domain.save_campaign(info.context.actor, None, _fields(input))
        return SaveCampaignPayload(campaign=outcome.value,
                                   user_errors=map_errors(SaveCampaignError, outcome.errors))

    @strawberry.mutation(permission_classes=[needs("campaigns:write")])
    async def update_campaign(self, info: Info, id: strawberry.ID,
                              input: CampaignInput) -> SaveCampaignPayload:
        campaign_id = decode_id(id, "id", "Campaign")
        outcome = await domain.save_campaign(info.context.actor, campaign_id, _fields(input))
        return SaveCampaignPayload(campaign=outcome.value,
                                   user_errors=map_errors(SaveCampaignError, outcome.errors))

    @strawberry.mutation(permission_classes=[needs("campaigns:write")])
    async def activate_campaign(self, info: Info, id: strawberry.ID) -> CampaignTransitionPayload:
        return await _transition(info, id, "activate")

    @strawberry.mutation(permission_classes=[needs("campaigns:write")])
    async def pause_campaign(self, info: Info, id: strawberry.ID) -> CampaignTransitionPayload:
        return await _transition(info, id, "pause")

    @strawberry.mutation(permission_classes=[needs("campaigns:write")])
    async def resume_campaign(self, info: Info, id: strawberry.ID) -> CampaignTransitionPayload:
        return await _transition(info, id, "resume")

    @strawberry.mutation(permission_classes=[needs("campaigns:write")],
                         description="Send the message to the campaign's own sender, marked [Test].")
    async def test_send_campaign(self, info: Info, id: strawberry.ID,
                                 locale: str | None = None) -> TestSendCampaignPayload:
        outcome = await request_test_send(info.context.actor, decode_id(id, "id", "Campaign"), locale)
        if outcome.ok and info.context.queue is not None:
            await info.context.queue.hand_over([outcome.value])
        return TestSendCampaignPayload(queued=outcome.ok,
                                       user_errors=map_errors(TestSendCampaignError, outcome.errors))

    @strawberry.mutation(permission_classes=[needs("campaigns:write")])
    async def finish_campaign(self, info: Info, id: strawberry.ID) -> CampaignTransitionPayload:
        return await _transition(info, id, "finish")
