"""Who is invited to a case study: the same fair selection as review asks.

Asking only the customers who praised you to tell their story would be the same gating as
asking only them for reviews. So an invitation run takes an audience of plain facts (plan,
country, region, locale, tenure — sentiment is refused, models/asking/campaign_rules.py), a
sampling rule (everyone, a random share, every n-th; models/asking/selection.py's Sampler) and
a limit; it skips whoever must not be written to (suppressed, insiders, someone invited to a
case study in the last COOLDOWN_DAYS or with one open) and records the run — candidates,
eligible, selected, invited, skips by reason, the sampling seed — on each invitation and in the
audit trail. Each invitation mails the customer through the outbox.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass, field

from models.access.audit import record_audit
from models.asking.campaign_rules import SAMPLING_RULES, check_audience
from models.asking.selection import Sampler, in_audience
from models.case_studies.questions import locale_of, questions_for
from models.case_studies.tables import CaseStudy
from models.catalogue.products import Product
from models.core.actors import Actor
from models.core.outbox import add_to_outbox
from models.core.results import Outcome, UserError

COOLDOWN_DAYS = 365
MAX_INVITES = 200
SKIPS = ("suppressed", "insider", "cooldown", "open")


@dataclass
class InvitationRun:
    candidates: int = 0
    eligible: int = 0
    selected: int = 0
    invited: list[int] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)
    sampling: dict = field(default_factory=dict)


def check_sampling(sampling: dict) -> list[UserError]:
    rule = (sampling or {}).get("rule", "everyone")
    if rule not in SAMPLING_RULES:
        return [UserError("INVALID_SAMPLING", f"The rule is one of {', '.join(SAMPLING_RULES)}.",
                          ("sampling", "rule"))]
    if rule == "share" and not (isinstance(sampling.get("share"), int | float)
                                and 0 < sampling["share"] <= 1):
        return [UserError("INVALID_SAMPLING", "A share is above 0 and at most 1.", ("sampling", "share"))]
    if rule == "every_nth" and not (isinstance(sampling.get("n"), int) and 1 <= sampling["n"] <= 10_000):
        return [UserError("INVALID_SAMPLING", "n is a whole number from 1 to 10000.", ("sampling", "n"))]
    return []


FACTS_SQL = """
SELECT c.id, c.plan, c.country, c.locale, c.customer_since, c.is_insider, c.email_status,
       EXISTS (SELECT 1 FROM customer o WHERE lower(o.email) = lower(c.email) AND o.email_status <> 'ok')
           AS suppressed,
       EXISTS (SELECT 1 FROM case_study s WHERE s.customer = c.id
               AND s.status NOT IN ('declined', 'withdrawn')) AS open,
       EXISTS (SELECT 1 FROM case_study s WHERE s.customer = c.id
               AND s.invited_at > now() - make_interval(days => {})) AS cooled
FROM customer c WHERE c.product = {} ORDER BY c.id
"""


async def invite(actor: Actor, product_id: int, audience: dict, sampling: dict, limit: int,
                 today: dt.date | None = None) -> Outcome[InvitationRun]:
    """Select fairly and invite up to `limit` customers of the product to a case study."""
    if not actor.may_touch_product(product_id) or not await Product.exists().where(Product.id == product_id):
        return Outcome.fail("NOT_FOUND", "No such product.", "productId")
    errors = check_audience(audience) + check_sampling(sampling)
    if not 1 <= limit <= MAX_INVITES:
        errors.append(UserError("INVALID_LIMIT", f"Invite between 1 and {MAX_INVITES} at a time.",
                                ("limit",)))
    if errors:
        return Outcome(errors=errors)
    today = today or dt.date.today()
    run = InvitationRun()
    async with CaseStudy._meta.db.transaction():
        rows = await CaseStudy.raw(FACTS_SQL, COOLDOWN_DAYS, product_id)
        run.candidates = len(rows)
        eligible = [r for r in rows if in_audience(r, audience, today)]
        run.eligible = len(eligible)
        sampler = Sampler(sampling, 0)
        run.sampling = sampler.record
        by_id = {r["id"]: r for r in eligible}
        chosen = sampler([r["id"] for r in eligible])
        run.selected = len(chosen)
        questions: dict[str, list[str]] = {}
        for cid in chosen:
            facts = by_id[cid]
            reason = ("suppressed" if facts["email_status"] != "ok" or facts["suppressed"] else
                      "insider" if facts["is_insider"] else "open" if facts["open"] else
                      "cooldown" if facts["cooled"] else None)
            if reason:
                run.skipped[reason] += 1
                continue
            if len(run.invited) >= limit:
                run.skipped["over_limit"] += 1
                continue
            locale = locale_of(facts["locale"])
            if locale not in questions:
                questions[locale] = await questions_for(product_id, locale)
            record = {"sampling": run.sampling, "audience": audience, "by": actor.name}
            rows = await CaseStudy.raw(
                "INSERT INTO case_study (product, customer, locale, questions, selection) "
                "VALUES ({}, {}, {}, {}::jsonb, {}::jsonb) RETURNING id", product_id, cid, locale,
                json.dumps(questions[locale]), json.dumps(record))
            run.invited.append(rows[0]["id"])
            await add_to_outbox("send_case_study_mail", {"case_study_id": rows[0]["id"], "kind": "invite"})
        await record_audit(actor, "case_study.invite", "product", product_id, {
            "candidates": run.candidates, "eligible": run.eligible, "selected": run.selected,
            "invited": len(run.invited), "skipped": dict(run.skipped), "sampling": run.sampling,
            "audience": audience})
    return Outcome(run)
