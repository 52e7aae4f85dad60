"""A campaign's settings as typed GraphQL objects (the domain stores them as JSON documents).

Output types read the stored documents (defaults filled in, as the domain applies them); input
types turn back into the same documents, which models/asking/campaign_rules.py validates. The
audience has no field for sentiment: review gating cannot even be written through the API.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

import strawberry

from api.people.customers import LocaleEnum
from models.asking.campaign_rules import DEFAULT_FOLLOW_UP, DEFAULT_PACING


@strawberry.enum(description="A campaign's lifecycle: DRAFT → ACTIVE ⇄ PAUSED → FINISHED.")
class CampaignStatus(Enum):
    DRAFT = "draft"
    ACTIVE = "active"
    PAUSED = "paused"
    FINISHED = "finished"


@strawberry.enum(description="SIGNAL: each matching signal starts an ask; ONE_OFF: one run.")
class TriggerKind(Enum):
    SIGNAL = "signal"
    ONE_OFF = "one_off"


@strawberry.enum(description="Moments worth asking at; never sentiment (NPS, praise).")
class TriggerSignal(Enum):
    RENEWED = "renewed"
    UPGRADED = "upgraded"
    TICKET_RESOLVED = "ticket_resolved"
    TENURE_MILESTONE = "tenure_milestone"


@strawberry.enum
class Region(Enum):
    NA = "NA"
    LATAM = "LATAM"
    EU = "EU"
    UK = "UK"
    APAC = "APAC"
    MEA = "MEA"


@strawberry.enum(description="EVERYONE; SHARE: a seeded random share; EVERY_NTH: one in n.")
class SamplingRule(Enum):
    EVERYONE = "everyone"
    SHARE = "share"
    EVERY_NTH = "every_nth"


@strawberry.enum(description="FIXED: one platform; WEIGHTED: rotation by weight; NEED: where "
                             "reviews are most needed (fewest, oldest, furthest from target).")
class RoutingStrategy(Enum):
    FIXED = "fixed"
    WEIGHTED = "weighted"
    NEED = "need"


@strawberry.enum
class Weekday(Enum):
    MONDAY = 0
    TUESDAY = 1
    WEDNESDAY = 2
    THURSDAY = 3
    FRIDAY = 4
    SATURDAY = 5
    SUNDAY = 6


def _enums(enum: type[Enum], values: list[Any] | None) -> list:
    known = {e.value for e in enum}
    return [enum(v) for v in values or [] if v in known]


@strawberry.type(description="Who may be asked: plain facts and timing only.")
class CampaignAudience:
    plans: list[str]
    countries: list[str] = strawberry.field(description="ISO 3166 alpha-2 codes.")
    regions: list[Region]
    locales: list[LocaleEnum]
    min_tenure_days: int | None
    max_tenure_days: int | None

    @classmethod
    def of(cls, stored: dict | None) -> CampaignAudience:
        stored = stored or {}
        return cls(plans=list(stored.get("plans") or []), countries=list(stored.get("countries") or []),
                   regions=_enums(Region, stored.get("regions")),
                   locales=_enums(LocaleEnum, stored.get("locales")),
                   min_tenure_days=stored.get("min_tenure_days"),
                   max_tenure_days=stored.get("max_tenure_days"))


@strawberry.input(description="Empty lists and nulls mean no restriction.")
class CampaignAudienceInput:
    plans: list[str] | None = None
    countries: list[str] | None = None
    regions: list[Region] | None = None
    locales: list[LocaleEnum] | None = None
    min_tenure_days: int | None = None
    max_tenure_days: int | None = None

    def stored(self) -> dict:
        out: dict[str, Any] = {}
        for name in ("plans", "countries", "min_tenure_days", "max_tenure_days"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        for name in ("regions", "locales"):
            if getattr(self, name) is not None:
                out[name] = [e.value for e in getattr(self, name)]
        return out


@strawberry.type
class CampaignSampling:
    rule: SamplingRule
    share: float | None = strawberry.field(description="SHARE: the share asked, in (0, 1].")
    n: int | None = strawberry.field(description="EVERY_NTH: one customer in n.")
    seed: int | None = strawberry.field(description="SHARE: a fixed seed, to replay draws.")

    @classmethod
    def of(cls, stored: dict | None) -> CampaignSampling:
        stored = stored or {}
        rule = stored.get("rule", "everyone")
        return cls(rule=SamplingRule(rule) if rule in SamplingRule._value2member_map_
                   else SamplingRule.EVERYONE, share=stored.get("share"), n=stored.get("n"),
                   seed=stored.get("seed"))


@strawberry.input
class CampaignSamplingInput:
    rule: SamplingRule
    share: float | None = None
    n: int | None = None
    seed: int | None = None

    def stored(self) -> dict:
        out: dict[str, Any] = {"rule": self.rule.value}
        for name in ("share", "n", "seed"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        return out


@strawberry.type(description="The message of one locale (linted: one link, a reason, thanks).")
class MessageTemplate:
    locale: LocaleEnum
    subject: str
    body: str = strawberry.field(description="Plain text with {{ first_name }}, {{ review_link }}…")


@strawberry.input
class MessageTemplateInput:
    locale: LocaleEnum
    subject: str
    body: str


def templates_of(stored: dict | None) -> list[MessageTemplate]:
    known = LocaleEnum._value2member_map_
    return [MessageTemplate(locale=LocaleEnum(locale), subject=t.get("subject", ""),
                            body=t.get("body", ""))
            for locale, t in sorted((stored or {}).items()) if locale in known and isinstance(t, dict)]


def stored_templates(templates: list[MessageTemplateInput]) -> dict:
    return {t.locale.value: {"subject": t.subject, "body": t.body} for t in templates}


@strawberry.type
class PlatformWeight:
    platform: str = strawberry.field(description="A platform key, e.g. g2.")
    weight: float


@strawberry.input
class PlatformWeightInput:
    platform: str
    weight: float


@strawberry.type
class CampaignRouting:
    strategy: RoutingStrategy
    platforms: list[str] = strawberry.field(description="Platform keys to choose from; empty: all.")
    fixed: str | None = strawberry.field(description="FIXED: the platform key.")
    weights: list[PlatformWeight] = strawberry.field(description="WEIGHTED: the rotation.")

    @classmethod
    def of(cls, stored: dict | None) -> CampaignRouting:
        stored = stored or {}
        strategy = stored.get("strategy", "need")
        return cls(strategy=RoutingStrategy(strategy) if strategy in RoutingStrategy._value2member_map_
                   else RoutingStrategy.NEED, platforms=list(stored.get("platforms") or []),
                   fixed=stored.get("fixed") or None,
                   weights=[PlatformWeight(platform=k, weight=float(w))
                            for k, w in sorted((stored.get("weights") or {}).items())])


@strawberry.input
class CampaignRoutingInput:
    strategy: RoutingStrategy
    platforms: list[str] | None = None
    fixed: str | None = None
    weights: list[PlatformWeightInput] | None = None

    def stored(self) -> dict:
        out: dict[str, Any] = {"strategy": self.strategy.value}
        if self.platforms is not None:
            out["platforms"] = self.platforms
        if self.fixed is not None:
            out["fixed"] = self.fixed
        if self.weights is not None:
            out["weights"] = {w.platform: w.weight for w in self.weights}
        return out


@strawberry.type(description="Sends happen inside the recipient's business hours, in their time zone.")
class CampaignPacing:
    max_per_hour: int
    max_per_day: int
    business_hours_start: int = strawberry.field(description="Hour of day, 0–23, inclusive.")
    business_hours_end: int = strawberry.field(description="Hour of day, 1–24, exclusive.")
    business_days: list[Weekday]
    jitter_minutes: int = strawberry.field(description="Random spread of send times, 0–59.")

    @classmethod
    def of(cls, stored: dict | None) -> CampaignPacing:
        merged = DEFAULT_PACING | (stored or {})
        start, end = merged["business_hours"]
        return cls(max_per_hour=merged["max_per_hour"], max_per_day=merged["max_per_day"],
                   business_hours_start=start, business_hours_end=end,
                   business_days=_enums(Weekday, merged["business_days"]),
                   jitter_minutes=merged["jitter_minutes"])


@strawberry.input(description="Fields left out keep their defaults (50/hour, 300/day, 9–17, "
                              "Monday–Friday, 20 minutes).")
class CampaignPacingInput:
    max_per_hour: int | None = None
    max_per_day: int | None = None
    business_hours_start: int | None = None
    business_hours_end: int | None = None
    business_days: list[Weekday] | None = None
    jitter_minutes: int | None = None

    def stored(self) -> dict:
        out: dict[str, Any] = {}
        for name in ("max_per_hour", "max_per_day", "jitter_minutes"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        if self.business_hours_start is not None or self.business_hours_end is not None:
            default_start, default_end = DEFAULT_PACING["business_hours"]
            out["business_hours"] = [
                default_start if self.business_hours_start is None else self.business_hours_start,
                default_end if self.business_hours_end is None else self.business_hours_end]
        if self.business_days is not None:
            out["business_days"] = [d.value for d in self.business_days]
        return out


@strawberry.type
class CampaignFollowUp:
    count: int = strawberry.field(description="Follow-ups after the first send (0–3).")
    after_days: int
    templates: list[MessageTemplate] = strawberry.field(
        description="The follow-up's own short message per locale; empty: Plaudit's default "
                    "reminder (\"A reminder: your review of … on …\").")

    @classmethod
    def of(cls, stored: dict | None) -> CampaignFollowUp:
        merged = DEFAULT_FOLLOW_UP | (stored or {})
        return cls(count=merged["count"], after_days=merged["after_days"],
                   templates=templates_of(merged.get("templates")))


@strawberry.input
class CampaignFollowUpInput:
    count: int
    after_days: int
    templates: list[MessageTemplateInput] | None = strawberry.field(
        default=None, description="One per locale; linted like the first message, and the subject "
                                  "says it is a reminder.")

    def stored(self) -> dict:
        stored = {"count": self.count, "after_days": self.after_days}
        if self.templates:
            stored["templates"] = stored_templates(self.templates)
        return stored


@strawberry.type(description="Identical for everyone who reviews, whatever the rating; disclosed.")
class CampaignIncentive:
    description: str


@strawberry.input
class CampaignIncentiveInput:
    description: str


@strawberry.type(description="The draw of one selection run, enough to replay it.")
class SelectionSampling:
    rule: SamplingRule
    share: float | None
    n: int | None
    seed: int | None
    start: int | None = strawberry.field(description="The sampling position the run started at.")

    @classmethod
    def of(cls, stored: dict | None) -> SelectionSampling:
        base = CampaignSampling.of(stored)
        return cls(rule=base.rule, share=base.share, n=base.n, seed=base.seed,
                   start=(stored or {}).get("start"))


@strawberry.type(description="The audience rules a selection run applied (never sentiment).")
class SelectionRules:
    audience: CampaignAudience
    cooldown_days: int | None

    @classmethod
    def of(cls, stored: dict | None) -> SelectionRules:
        stored = stored or {}
        return cls(audience=CampaignAudience.of(stored.get("audience")),
                   cooldown_days=stored.get("cooldown_days"))


@strawberry.type(description="How many candidates a run skipped for one reason.")
class SkipCount:
    reason: str = strawberry.field(description="e.g. suppressed, insider, cooldown, no_platform, "
                                               "no_send_slot.")
    count: int


def skips_of(stored: dict | None) -> list[SkipCount]:
    return [SkipCount(reason=k, count=int(v)) for k, v in sorted((stored or {}).items())
            if isinstance(v, int)]
