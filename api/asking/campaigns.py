"""Campaigns over GraphQL: settings, lifecycle, lint, preview, selection audits, funnel."""

from __future__ import annotations

import datetime as dt
from enum import Enum

import strawberry
from strawberry.types import Info

from api.asking.campaign_rules import (
    CampaignAudience,
    CampaignAudienceInput,
    CampaignFollowUp,
    CampaignFollowUpInput,
    CampaignIncentive,
    CampaignIncentiveInput,
    CampaignPacing,
    CampaignPacingInput,
    CampaignRouting,
    CampaignRoutingInput,
    CampaignSampling,
    CampaignSamplingInput,
    CampaignStatus,
    MessageTemplate,
    MessageTemplateInput,
    SelectionRules,
    SelectionSampling,
    SkipCount,
    TriggerKind,
    TriggerSignal,
    skips_of,
    stored_templates,
    templates_of,
)
from api.asking.enums import Channel
from api.graphql.errors import map_errors, user_error_type
from api.graphql.nodes import Node, node_kind
from api.graphql.nodes import page_rows as _rows
from api.graphql.permissions import needs
from api.graphql.relay import Connection, decode_id, global_id, paginate
from api.people.customers import LocaleEnum
from models.asking import campaigns as domain
from models.asking.funnel import funnel
from models.asking.previews import preview_campaign, request_test_send
from models.core.pagination import PageRequest


@node_kind("campaigns:read",
           lambda actor, ids: _rows(domain.list_campaigns(actor, None, PageRequest.only(ids))))
@strawberry.type(name="Campaign")
class CampaignType(Node):
    name: str
    status: CampaignStatus
    trigger_kind: TriggerKind
    trigger_signal: TriggerSignal | None
    channel: Channel
    cooldown_days: int = strawberry.field(description="Days before the same customer is asked again.")
    activated_at: dt.datetime | None
    finished_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @strawberry.field
    def audience(self) -> CampaignAudience:
        return CampaignAudience.of(self.audience)  # type: ignore[attr-defined]

    @strawberry.field
    def sampling(self) -> CampaignSampling:
        return CampaignSampling.of(self.sampling)  # type: ignore[attr-defined]

    @strawberry.field(description="One message per locale.")
    def templates(self) -> list[MessageTemplate]:
        return templates_of(self.templates)  # type: ignore[attr-defined]

    @strawberry.field
    def routing(self) -> CampaignRouting:
        return CampaignRouting.of(self.routing)  # type: ignore[attr-defined]

    @strawberry.field
    def pacing(self) -> CampaignPacing:
        return CampaignPacing.of(self.pacing)  # type: ignore[attr-defined]

    @strawberry.field
    def follow_up(self) -> CampaignFollowUp:
        return CampaignFollowUp.of(self.follow_up)  # type: ignore[attr-defined]

    @strawberry.field
    def incentive(self) -> CampaignIncentive | None:
        stored = self.incentive  # type: ignore[attr-defined]
        return CampaignIncentive(description=stored.get("description", "")) if stored else None

    @strawberry.field
    def product_id(self) -> strawberry.ID:
        return global_id("Product", self.product)  # type: ignore[attr-defined,return-value]

    @strawberry.field
    def sender_id(self) -> strawberry.ID | None:
        return global_id("Sender", self.sender)  # type: ignore[attr-defined,return-value]


@strawberry.enum(description="ERROR blocks activation; WARNING is advice.")
class LintSeverity(Enum):
    ERROR = "error"
    WARNING = "warning"


@strawberry.type(name="LintFinding")
class LintFindingType:
    locale: LocaleEnum
    rule: str
    severity: LintSeverity
    message: str
    field: str


@strawberry.type(name="CampaignPreview")
class CampaignPreviewType:
    locale: LocaleEnum
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

    @strawberry.field(description="Candidates left out, per reason.")
    def skipped(self) -> list[SkipCount]:
        return skips_of(self.skipped)  # type: ignore[attr-defined]

    @strawberry.field
    def sampling(self) -> SelectionSampling:
        return SelectionSampling.of(self.sampling)  # type: ignore[attr-defined]

    @strawberry.field
    def rules(self) -> SelectionRules:
        return SelectionRules.of(self.rules)  # type: ignore[attr-defined]

    @strawberry.field
    def campaign_id(self) -> strawberry.ID:
        return global_id("Campaign", self.campaign)  # type: ignore[attr-defined,return-value]


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


@strawberry.input(description="Fields left out keep their stored value (their default on create).")
class CampaignInput:
    product_id: strawberry.ID | None = None
    name: str | None = None
    trigger_kind: TriggerKind | None = None
    trigger_signal: TriggerSignal | None = None
    audience: CampaignAudienceInput | None = strawberry.field(
        default=None, description="Plain facts and timing; there is no field for sentiment.")
    sampling: CampaignSamplingInput | None = None
    channel: Channel | None = None
    sender_id: strawberry.ID | None = None
    templates: list[MessageTemplateInput] | None = strawberry.field(
        default=None, description="One per locale; replaces the stored set.")
    routing: CampaignRoutingInput | None = None
    pacing: CampaignPacingInput | None = None
    follow_up: CampaignFollowUpInput | None = None
    cooldown_days: int | None = None
    incentive: CampaignIncentiveInput | None = strawberry.field(
        default=None, description="Identical for everyone, whatever the rating; disclosed.")


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
    fields: dict = {"name": data.name, "cooldown_days": data.cooldown_days}
    for name in ("trigger_kind", "trigger_signal", "channel"):
        value = getattr(data, name)
        fields[name] = None if value is None else value.value
    for name in ("audience", "sampling", "routing", "pacing", "follow_up"):
        value = getattr(data, name)
        fields[name] = None if value is None else value.stored()
    fields["templates"] = None if data.templates is None else stored_templates(data.templates)
    fields["incentive"] = None if data.incentive is None else {"description": data.incentive.description}
    fields["product"] = decode_id(data.product_id, "productId", "Product")
    fields["sender"] = decode_id(data.sender_id, "senderId", "Sender")
    return fields


def _findings(per_locale: dict[str, list]) -> list[LintFindingType]:
    return [LintFindingType(locale=LocaleEnum(loc), rule=f.rule, severity=LintSeverity(f.severity),
                            message=f.message, field=f.field)
            for loc, found in per_locale.items() for f in found]


async def _transition(info: Info, id: strawberry.ID, action: str) -> CampaignTransitionPayload:
    outcome = await domain.transition(info.context.actor, decode_id(id, "id", "Campaign"), action)
    if outcome.ok and info.context.queue is not None:
        # The run queued by activate/resume, at once: hand_over(None) is the sweeper's resend,
        # which only takes messages past their grace period (a 30–60 s wait).
        await info.context.queue.hand_over_pending()
    return CampaignTransitionPayload(campaign=outcome.value,
                                     user_errors=map_errors(CampaignTransitionError, outcome.errors))


@strawberry.type(description="Reviews attributed to a campaign's asks, by how they were matched.")
class CampaignAttribution:
    campaign_id: strawberry.ID
    by_token: int = strawberry.field(description="The ask's token came back: the tracked link's UTM "
                                                 "or reference parameter in the platform's export.")
    by_email: int
    by_name_and_company: int
    other: int
    unattributed: int = strawberry.field(description="The product's reviews imported since the "
                                                     "campaign's first ask that match no ask.")


@strawberry.type
class CampaignQueries:
    @strawberry.field(permission_classes=[needs("campaigns:read")])
    async def campaigns(self, info: Info, first: int | None = None, after: str | None = None,
                        last: int | None = None, before: str | None = None,
                        status: CampaignStatus | None = None) -> Connection[CampaignType]:
        wanted = status.value if status else None
        page = await paginate(lambda page: domain.list_campaigns(info.context.actor, wanted, page),
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
                               locale: LocaleEnum | None = None) -> PreviewCampaignPayload:
        outcome = await preview_campaign(info.context.actor, decode_id(id, "id", "Campaign"),
                                         decode_id(customer_id, "customerId", "Customer"),
                                         locale.value if locale else None)
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
                      description="How this campaign's reviews were attributed to its asks, and how "
                                  "many of the product's reviews since its first ask were not.")
    async def campaign_attribution(self, info: Info,
                                   campaign_id: strawberry.ID) -> CampaignAttribution | None:
        from models.asking.attribution import attribution_report

        report = await attribution_report(info.context.actor,
                                          decode_id(campaign_id, "campaignId", "Campaign"))
        if report is None:
            return None
        return CampaignAttribution(
            campaign_id=global_id("Campaign", report.campaign_id),  # type: ignore[arg-type]
            by_token=report.by_method["token"], by_email=report.by_method["email"],
            by_name_and_company=report.by_method["name"], other=report.by_method["other"],
            unattributed=report.unattributed)

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
                                 locale: LocaleEnum | None = None) -> TestSendCampaignPayload:
        outcome = await request_test_send(info.context.actor, decode_id(id, "id", "Campaign"),
                                          locale.value if locale else None)
        if outcome.ok and info.context.queue is not None:
            await info.context.queue.hand_over([outcome.value])
        return TestSendCampaignPayload(queued=outcome.ok,
                                       user_errors=map_errors(TestSendCampaignError, outcome.errors))

    @strawberry.mutation(permission_classes=[needs("campaigns:write")])
    async def finish_campaign(self, info: Info, id: strawberry.ID) -> CampaignTransitionPayload:
        return await _transition(info, id, "finish")
