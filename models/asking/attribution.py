"""Attribution that works with real exports: the review link names the ask in a way the
platform carries back, and imported reviews are matched on it first.

The tracked redirect (/r/<token>) leads to the profile's stored review URL with, per profile
(`platform_profile.tracking`, defaults per platform):
- `utm` — `utm_source=plaudit&utm_medium=review_ask&utm_campaign=plaudit-<campaign>&utm_content=<token>`:
  G2 attributes campaign reviews by UTM parameters on its review-form URL;
- `reference` — `<parameter>=<token>` (Trustpilot's invitation links carry a reference, which its
  export returns as "Reference Id");
- `none` — the bare URL.
The token is the ask's tracked-link token; an export column carrying it (models/reviews/
file_formats.py maps G2's and Trustpilot's) becomes the review's `ask_token`, which attribution
tries before email and name (models/reviews/lanes.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from models.asking.tables import Campaign
from models.core.actors import Actor

DEFAULTS = {"g2": {"mode": "utm"}, "trustpilot": {"mode": "reference", "parameter": "referenceId"}}
GENERIC = {"mode": "utm"}


def tracking_for(platform_key: str, stored: dict | None) -> dict:
    return (stored or None) or DEFAULTS.get(platform_key, GENERIC)


def tracked_url(review_url: str, platform_key: str, stored: dict | None, token: str,
                campaign_id: int) -> str:
    """The review URL with this ask's tracking added (existing parameters kept, ours set)."""
    tracking = tracking_for(platform_key, stored)
    mode = tracking.get("mode")
    if mode == "utm":
        ours = {"utm_source": "plaudit", "utm_medium": "review_ask",
                "utm_campaign": f"plaudit-{campaign_id}", "utm_content": token}
    elif mode == "reference":
        ours = {tracking.get("parameter") or "reference": token}
    else:
        return review_url
    parts = urlsplit(review_url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in ours]
    return urlunsplit(parts._replace(query=urlencode([*query, *ours.items()])))


# How a review was matched to an ask, from its recorded reason (models/reviews/lanes.py).
METHODS = (("tracked-link token", "token"), ("same email", "email"), ("same name and company", "name"))


@dataclass
class AttributionReport:
    campaign_id: int
    by_method: dict[str, int]  # token / email / name / other -> reviews attributed to this campaign
    unattributed: int  # the product's reviews since the campaign's first ask, linked to no ask


async def attribution_report(actor: Actor, campaign_id: int | None) -> AttributionReport | None:
    query = Campaign.id == (campaign_id or 0)
    if actor.product_id is not None:
        query &= Campaign.product == actor.product_id
    campaign = await Campaign.select(Campaign.id, Campaign.product).where(query).first()
    if campaign is None:
        return None
    rows = await Campaign.raw(
        "SELECT r.match_reason FROM review r JOIN ask a ON a.id = r.ask WHERE a.campaign = {}",
        campaign["id"])
    by_method = dict.fromkeys([m for _, m in METHODS] + ["other"], 0)
    for row in rows:
        method = next((m for prefix, m in METHODS if (row["match_reason"] or "").startswith(prefix)), "other")
        by_method[method] += 1
    unattributed = (await Campaign.raw(
        "SELECT count(*) AS n FROM review r JOIN platform_profile p ON p.id = r.profile "
        "WHERE p.product = {} AND r.ask IS NULL AND r.created_at >= "
        "(SELECT min(created_at) FROM ask WHERE campaign = {})", campaign["product"], campaign["id"]))[0]["n"]
    return AttributionReport(campaign["id"], by_method, unattributed)
