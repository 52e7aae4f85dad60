"""Campaign configuration rules: what a campaign may say about who, when, where and how.

The audience may use timing and plain facts only. Sentiment (NPS, CSAT, praise,
ratings) is refused outright: asking only happy customers is review gating,
forbidden by the FTC and by Google, Trustpilot, G2, Gartner and TrustRadius.
"""

from __future__ import annotations

import re
from typing import Any

from models.core.results import UserError

AUDIENCE_RULES = {
    "plans": list, "countries": list, "regions": list, "locales": list,
    "min_tenure_days": int, "max_tenure_days": int,
}
SENTIMENT_WORDS = re.compile(
    r"nps|csat|praise|rating|sentiment|score|satisf|happy|promoter|detractor|star|review|mood",
    re.IGNORECASE)
TRIGGER_SIGNALS = ("renewed", "upgraded", "ticket_resolved", "tenure_milestone")
SENTIMENT_SIGNALS = ("nps_answer", "praise")
SAMPLING_RULES = ("everyone", "share", "every_nth")
ROUTING_STRATEGIES = ("fixed", "weighted", "need")
REGIONS = ("NA", "LATAM", "EU", "UK", "APAC", "MEA")
DEFAULT_PACING = {"max_per_hour": 50, "max_per_day": 300, "business_hours": [9, 17],
                  "business_days": [0, 1, 2, 3, 4], "jitter_minutes": 20}
DEFAULT_FOLLOW_UP = {"count": 1, "after_days": 5}


def _err(code: str, message: str, *path: str) -> UserError:
    return UserError(code, message, tuple(path))


def check_audience(audience: dict[str, Any]) -> list[UserError]:
    errors = []
    for key, value in (audience or {}).items():
        if SENTIMENT_WORDS.search(key):
            errors.append(_err(
                "SENTIMENT_RULE",
                f"Audience rule '{key}' selects by sentiment. Asking only happy customers is review "
                "gating, forbidden by the FTC and by Google, Trustpilot, G2, Gartner and TrustRadius: "
                "use timing and plain facts (plan, region, locale, tenure).", "audience", key))
        elif key not in AUDIENCE_RULES:
            errors.append(_err("UNKNOWN_AUDIENCE_RULE",
                               f"Unknown audience rule '{key}'. Known: {', '.join(AUDIENCE_RULES)}.",
                               "audience", key))
        elif not isinstance(value, AUDIENCE_RULES[key]) or isinstance(value, bool):
            errors.append(_err("INVALID_AUDIENCE_RULE",
                               f"'{key}' must be a {AUDIENCE_RULES[key].__name__}.", "audience", key))
        elif key == "regions" and set(value) - set(REGIONS):
            errors.append(_err("INVALID_AUDIENCE_RULE", f"Regions are {', '.join(REGIONS)}.",
                               "audience", key))
        elif key == "locales" and set(value) - {"en", "fr"}:
            errors.append(_err("INVALID_AUDIENCE_RULE", "Locales are en and fr.", "audience", key))
    low, high = (audience or {}).get("min_tenure_days"), (audience or {}).get("max_tenure_days")
    if isinstance(low, int) and isinstance(high, int) and low > high:
        errors.append(_err("INVALID_AUDIENCE_RULE", "min_tenure_days is above max_tenure_days.",
                           "audience", "min_tenure_days"))
    return errors


def check_trigger(kind: str, signal: str | None) -> list[UserError]:
    if kind == "one_off":
        return [] if signal is None else [_err("INVALID_TRIGGER", "A one-off campaign has no signal.",
                                               "triggerSignal")]
    if kind != "signal":
        return [_err("INVALID_TRIGGER", "The trigger is a signal or one_off.", "triggerKind")]
    if signal in SENTIMENT_SIGNALS:
        return [_err("SENTIMENT_TRIGGER",
                     f"Triggering on '{signal}' would ask only customers who just said something "
                     "positive (review gating). Praise feeds the quote workflow instead.",
                     "triggerSignal")]
    if signal not in TRIGGER_SIGNALS:
        return [_err("INVALID_TRIGGER", f"Trigger signals: {', '.join(TRIGGER_SIGNALS)}.",
                     "triggerSignal")]
    return []


def check_sampling(sampling: dict[str, Any]) -> list[UserError]:
    rule = (sampling or {}).get("rule", "everyone")
    if rule not in SAMPLING_RULES:
        return [_err("INVALID_SAMPLING", f"Sampling rules: {', '.join(SAMPLING_RULES)}.", "sampling")]
    if rule == "share":
        share = sampling.get("share")
        if not isinstance(share, (int, float)) or not 0 < share <= 1:
            return [_err("INVALID_SAMPLING", "A share is a number in (0, 1].", "sampling", "share")]
    if rule == "every_nth":
        n = sampling.get("n")
        if not isinstance(n, int) or n < 1:
            return [_err("INVALID_SAMPLING", "n is a positive integer.", "sampling", "n")]
    return []


def check_routing(routing: dict[str, Any]) -> list[UserError]:
    strategy = (routing or {}).get("strategy", "need")
    if strategy not in ROUTING_STRATEGIES:
        return [_err("INVALID_ROUTING", f"Strategies: {', '.join(ROUTING_STRATEGIES)}.", "routing")]
    if strategy == "fixed" and not routing.get("fixed"):
        return [_err("INVALID_ROUTING", "A fixed strategy names its platform.", "routing", "fixed")]
    if strategy == "weighted":
        weights = routing.get("weights") or {}
        if not weights or any(not isinstance(w, (int, float)) or w < 0 for w in weights.values()) \
                or not any(weights.values()):
            return [_err("INVALID_ROUTING", "Weighted rotation needs positive weights per platform.",
                         "routing", "weights")]
    return []


def check_pacing(pacing: dict[str, Any]) -> list[UserError]:
    merged = DEFAULT_PACING | (pacing or {})
    errors = []
    for key in ("max_per_hour", "max_per_day"):
        if not isinstance(merged[key], int) or merged[key] < 1:
            errors.append(_err("INVALID_PACING", f"{key} is a positive integer.", "pacing", key))
    start, end = merged["business_hours"]
    if not 0 <= start < end <= 24:
        errors.append(_err("INVALID_PACING", "Business hours are [start, end) within 0–24.",
                           "pacing", "business_hours_start"))
    if not merged["business_days"] or set(merged["business_days"]) - set(range(7)):
        errors.append(_err("INVALID_PACING", "Business days are 0 (Monday) to 6.", "pacing",
                           "business_days"))
    if not 0 <= merged["jitter_minutes"] <= 59:
        errors.append(_err("INVALID_PACING", "Jitter is 0–59 minutes.", "pacing", "jitter_minutes"))
    return errors


def check_follow_up(follow_up: dict[str, Any]) -> list[UserError]:
    merged = DEFAULT_FOLLOW_UP | (follow_up or {})
    if not isinstance(merged["count"], int) or not 0 <= merged["count"] <= 3:
        return [_err("INVALID_FOLLOW_UP", "At most 3 follow-ups: more is pressure.", "followUp",
                     "count")]
    if not isinstance(merged["after_days"], int) or not 1 <= merged["after_days"] <= 60:
        return [_err("INVALID_FOLLOW_UP", "Follow up after 1 to 60 days.", "followUp", "after_days")]
    return check_templates(merged.get("templates") or {}, "followUp", "templates",
                           code="INVALID_FOLLOW_UP")


def check_incentive(incentive: dict[str, Any] | None) -> list[UserError]:
    if not incentive:
        return []
    if incentive.get("conditional_on_rating"):
        return [_err("RATING_INCENTIVE", "An incentive may never depend on the rating (16 CFR 465.4): "
                     "offer the same to everyone who reviews.", "incentive")]
    if not (incentive.get("description") or "").strip():
        return [_err("INVALID_INCENTIVE", "Describe the incentive; it is disclosed.", "incentive")]
    return []


def check_templates(templates: dict[str, Any], *path: str, code: str = "INVALID_TEMPLATE"
                    ) -> list[UserError]:
    """One template per locale (en, fr), each with a subject and a body; `path` leads to them
    (`templates` for the first message, `followUp`, `templates` for the follow-up's)."""
    path = path or ("templates",)
    if not isinstance(templates, dict):
        return [_err(code, "One template per locale.", *path)]
    errors = []
    for locale, template in templates.items():
        if locale not in ("en", "fr"):
            errors.append(_err(code, "Templates exist for en and fr.", *path, locale))
        elif not isinstance(template, dict) or not {"subject", "body"} <= set(template):
            errors.append(_err(code, "A template has a subject and a body.", *path, locale))
    return errors


def check_config(data: dict[str, Any]) -> list[UserError]:
    """Every structural rule over a campaign's settings (lint of the wording is separate)."""
    errors = check_trigger(data.get("trigger_kind", "signal"), data.get("trigger_signal"))
    errors += check_audience(data.get("audience") or {})
    errors += check_sampling(data.get("sampling") or {})
    errors += check_routing(data.get("routing") or {})
    errors += check_pacing(data.get("pacing") or {})
    errors += check_follow_up(data.get("follow_up") or {})
    errors += check_incentive(data.get("incentive"))
    errors += check_templates(data.get("templates") or {})
    if data.get("channel", "email") not in ("email", "call", "social_dm", "in_app"):
        errors.append(_err("INVALID_CHANNEL", "Channels: email, call, social_dm, in_app.", "channel"))
    cooldown = data.get("cooldown_days", 180)
    if not isinstance(cooldown, int) or cooldown < 0:
        errors.append(_err("INVALID_COOLDOWN", "Cool-down is a number of days.", "cooldownDays"))
    if not (data.get("name") or "").strip():
        errors.append(_err("NAME_REQUIRED", "A campaign needs a name.", "name"))
    return errors
