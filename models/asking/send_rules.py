"""The rules a send re-checks: the same as selection's, on the facts as they are now.

An ask is planned hours or days before its mail goes out; meanwhile the customer may be flagged
as an insider, their address suppressed, another campaign may have asked them (cool-down), they
may have reviewed in the routed pool, and the platform's own rules may change (asking
forbidden, incentives refused, its audience regions). A touch that breaks one of them is not
sent: it is cancelled with the reason, and so is its ask (models/asking/sending.py).

Selection's rules and where they live: suppression, insider, cool-down and already-reviewed in
models/asking/selection.py (`_skip_reason`, `_facts`); the platform's rules in
models/asking/routing.py (`_exclusion`) — the region of a country from the same `region_of`.
"""

from __future__ import annotations

import json

from models.asking.routing import region_of

# Appended to the claim's RETURNING (models/asking/sending.py): the facts the rules read, as
# they are at the moment of the claim.
FACTS_SQL = """c.is_insider, c.country, pl.vendor_may_ask, pl.incentives_allowed, pl.audience_regions,
          EXISTS (SELECT 1 FROM ask o JOIN ask_touch ot ON ot.ask = o.id
                  WHERE o.customer = c.id AND o.id <> a.id AND ot.status = 'sent'
                    AND ot.sent_at > now() - make_interval(days => k.cooldown_days)) AS cooled,
          EXISTS (SELECT 1 FROM review r JOIN platform_profile rp ON rp.id = r.profile
                  JOIN review_platform rpl ON rpl.id = rp.platform
                  WHERE r.customer = c.id AND rpl.review_pool = pl.review_pool) AS reviewed_in_pool"""


def _has_incentive(stored) -> bool:
    # Selection's test (bool(campaign.incentive)) on the stored JSON.
    return bool(json.loads(stored) if isinstance(stored, str) else stored)


def send_refusal(facts: dict) -> str | None:
    """Why this touch may not go out now (the reason recorded), or None. `facts` carries the
    claim's row: the customer's address status, the FACTS_SQL columns, and the touch's `seq`."""
    if facts["email_status"] != "ok":
        return "suppressed"
    if facts["is_insider"]:
        return "insider"
    if not facts["vendor_may_ask"]:
        return f"{facts['platform_name']} no longer lets vendors ask for reviews"
    if _has_incentive(facts["incentive"]) and not facts["incentives_allowed"]:
        return f"{facts['platform_name']} no longer allows an incentive"
    region = region_of(facts["country"] or "")
    if region is not None and region not in (facts["audience_regions"] or ()):
        return f"{facts['platform_name']} no longer serves the customer's region ({region})"
    if facts["reviewed_in_pool"]:
        return "already reviewed on this platform's pool"
    if facts["seq"] == 0 and facts["cooled"]:
        return "cooldown: another ask reached this customer meanwhile"
    return None
