"""The guide's bonus checklist, computed from the product's real data.

Ten checks, each with a status (done, partly, todo), the evidence it was judged on and the next
step. Nothing is self-declared: listings and their completeness checks, the active campaigns'
triggers, senders and messages (the message linter's own findings), the tracked clicks, the
quotes live on each placement and the improvement records decide.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from types import SimpleNamespace

from models.asking.campaigns import lint_with_sender
from models.catalogue.listings import listing_report
from models.catalogue.products import Product
from models.core.actors import Actor

DONE, PARTLY, TODO = "done", "partly", "todo"
RIGHT_MOMENTS = {"renewed": "renewal", "upgraded": "upgrade", "ticket_resolved": "resolved ticket",
                 "tenure_milestone": "tenure"}
RECENT_DAYS = 90
CHECKS = (
    ("listed", "Get listed on the main software review sites"),
    ("profiles_complete", "Complete each profile: features, pricing, and more"),
    ("right_moment", "Wait for the right moment to ask"),
    ("named_sender", "Send from a named person, with a photo"),
    ("short_message", "Keep the ask short, engaging and relevant"),
    ("reason", "Give at least one reason to act"),
    ("thanks", "Thank them for being customers"),
    ("easy_process", "Make reviewing easy: one link, tracked"),
    ("reviews_in_use", "Use reviews on product pages and in ads"),
    ("negatives_improve", "Turn negative reviews into improvements"),
)


@dataclass
class Check:
    key: str
    title: str
    status: str
    evidence: list[str] = field(default_factory=list)
    next_step: str | None = None


@dataclass
class Checklist:
    product_id: int
    checks: list[Check]

    @property
    def done(self) -> int:
        return sum(c.status == DONE for c in self.checks)


def _check(key: str, status: str, evidence: list[str], next_step: str | None) -> Check:
    return Check(key, dict(CHECKS)[key], status, evidence, None if status == DONE else next_step)


def _listed(report) -> Check:
    listed, total = len(report.listed), len(report.platforms)
    names = ", ".join(p.name for p in report.listed) or "none"
    missing = [p.name for p in report.platforms if not p.listed and p.free_listing]
    status = DONE if total and listed / total >= 0.75 else PARTLY if listed else TODO
    return _check("listed", status, [f"Listed on {listed} of {total} platforms: {names}."],
                  f"List the product on {', '.join(missing[:3])} (free)." if missing else
                  "List the product on the remaining platforms.")


def _profiles(report) -> Check:
    checked = [p for p in report.listed if p.completeness]
    if not report.listed:
        return _check("profiles_complete", TODO, ["No profile to check yet."], "List the product first.")
    if not checked:
        return _check("profiles_complete", TODO, [f"None of the {len(report.listed)} profiles was checked."],
                      "Record what each profile carries (recordListingCheck).")
    stale = [p.name for p in checked if p.completeness.stale]
    evidence = [f"{p.name}: {p.completeness.score:.0%}" + (f", missing {', '.join(p.completeness.gaps)}"
                                                          if p.completeness.gaps else "") for p in checked]
    complete = all(p.completeness.score >= 0.8 for p in checked)
    status = DONE if complete and len(checked) == len(report.listed) and not stale else PARTLY
    gaps = next((s for s in report.next_steps if s.startswith("On ") or s.startswith("Check the")), None)
    return _check("profiles_complete", status, evidence, gaps)


def _moments(campaigns) -> Check:
    if not campaigns:
        return _check("right_moment", TODO, ["No active campaign."],
                      "Activate a campaign triggered by renewals, upgrades, resolved tickets or tenure.")
    timed = [c for c in campaigns if c.trigger_kind == "signal" and c.trigger_signal in RIGHT_MOMENTS]
    blasts = [c for c in campaigns if c.trigger_kind == "one_off"]
    evidence = [f"{c.name}: {RIGHT_MOMENTS[c.trigger_signal]}" for c in timed] + [
        f"{c.name}: a one-off send to everyone at once" for c in blasts]
    status = DONE if timed and not blasts else PARTLY if timed else TODO
    return _check("right_moment", status, evidence,
                  "Replace one-off blasts with campaigns triggered by renewals, upgrades, resolved tickets "
                  "or tenure." if blasts else "Trigger a campaign on a renewal, an upgrade, a resolved "
                  "ticket or tenure.")


def _senders(campaigns, senders) -> Check:
    email = [c for c in campaigns if c.channel == "email"]
    if not email:
        return _check("named_sender", TODO, ["No active email campaign."], "Activate an email campaign "
                      "sent by a named, senior person with a photo.")
    evidence, good = [], 0
    for c in email:
        s = senders.get(c.sender)
        if s is None:
            evidence.append(f"{c.name}: no sender")
            continue
        has_photo = bool(s["photo_url"])
        good += bool(s["name"].strip()) and has_photo
        evidence.append(f"{c.name}: {s['name']}" + (f", {s['title']}" if s["title"] else "")
                        + ("" if has_photo else " — no photo"))
    status = DONE if good == len(email) else PARTLY if good or any(c.sender for c in email) else TODO
    return _check("named_sender", status, evidence, "Give every sender a name, a title and a photo.")


def _lint_check(key: str, rules: tuple[str, ...], findings: dict[str, list[str]], campaigns, advice: str
                ) -> Check:
    linted = [c for c in campaigns if c.channel in ("email", "in_app")]
    if not linted:
        return _check(key, TODO, ["No active email or in-app campaign to read."], advice)
    failing = {name: found for name, found in ((c.name, [f for f in findings[c.id] if f.rule in rules])
                                                for c in linted) if found}
    evidence = [f"{name}: {found[0].message}" for name, found in failing.items()] or [
        f"The linter finds nothing to fix in {len(linted)} active campaign(s)."]
    status = DONE if not failing else PARTLY if len(failing) < len(linted) else TODO
    return _check(key, status, evidence, advice)


ACTIVE_SQL = ("SELECT id, name, trigger_kind, trigger_signal, channel, sender, templates, incentive, "
              "follow_up FROM campaign WHERE product = {} AND status = 'active' ORDER BY id")
SENDERS_SQL = "SELECT id, name, title, photo_url FROM sender WHERE id = ANY({}::int[])"
CLICKS_SQL = """
SELECT count(*) FILTER (WHERE a.status IN ('sent', 'clicked', 'reviewed')) AS sent,
       count(*) FILTER (WHERE a.status IN ('clicked', 'reviewed')) AS clicked,
       count(*) FILTER (WHERE a.status = 'reviewed') AS reviewed
FROM ask a JOIN campaign c ON c.id = a.campaign
WHERE c.product = {} AND a.planned_at > now() - make_interval(days => {})
"""
LIVE_SQL = """
SELECT c.placement, count(DISTINCT q.id) AS n FROM quote_consent c JOIN quote q ON q.id = c.quote
WHERE q.product = {} AND q.status = 'published' AND c.published AND c.state = 'granted'
GROUP BY c.placement
"""
IMPROVEMENTS_SQL = "SELECT status, count(*) AS n FROM improvement WHERE product = {} GROUP BY status"


def _easy(campaigns, findings, report, clicks) -> Check:
    linted = [c for c in campaigns if c.channel in ("email", "in_app")]
    extra_links = [c.name for c in linted if any(f.rule == "ONE_CTA" for f in findings[c.id])]
    no_url = [p.name for p in report.listed if not p.profile_url]
    evidence = [f"{clicks['sent']} asks sent in {RECENT_DAYS} days, {clicks['clicked']} clicked through "
                f"the tracked link, {clicks['reviewed']} reviewed."]
    evidence += [f"{name}: more than one link" for name in extra_links]
    if not linted:
        return _check("easy_process", TODO, evidence, "Activate a campaign: each ask carries one tracked "
                      "link straight to the review form.")
    status = DONE if not extra_links and not no_url else PARTLY
    return _check("easy_process", status, evidence, "Keep exactly one link in every ask.")


def _in_use(live: Counter) -> Check:
    pages = live["product_page"] + live["home_page"]
    ads = live["ad"] + live["social"]
    evidence = [f"Live quotes — product page {live['product_page']}, home page {live['home_page']}, "
                f"emails {live['email']}, ads {live['ad']}, social {live['social']}."]
    status = DONE if live["product_page"] and ads else PARTLY if pages or ads or live["email"] else TODO
    step = ("Publish quotes on the product pages (the guide's best place for them)."
            if not live["product_page"] else "Ask consent for ads and social posts, and use the quote cards.")
    return _check("reviews_in_use", status, evidence, step)


def _negatives(improvements: Counter) -> Check:
    total = sum(improvements.values())
    handled = improvements["planned"] + improvements["done"] + improvements["wontfix"]
    if not total:
        return _check("negatives_improve", DONE, ["No 1–2★ review yet."], None)
    evidence = [f"{total} improvement records from 1–2★ reviews: {improvements['open']} open, "
                f"{improvements['planned']} planned, {improvements['done']} done, "
                f"{improvements['wontfix']} declined."]
    status = DONE if handled / total >= 0.5 else PARTLY if handled else TODO
    return _check("negatives_improve", status, evidence,
                  "Plan or close the open improvement records (updateImprovement).")


async def playbook_checklist(actor: Actor, product_id: int, today: dt.date | None = None
                             ) -> Checklist | None:
    report = await listing_report(actor, product_id, today)
    if report is None:
        return None
    campaigns = [SimpleNamespace(**r) for r in await Product.raw(ACTIVE_SQL, product_id)]
    for c in campaigns:
        c.templates = _json(c.templates) or {}
        c.incentive = _json(c.incentive)
        c.follow_up = _json(c.follow_up) or {}
    sender_ids = sorted({c.sender for c in campaigns if c.sender})
    senders = {r["id"]: r for r in await Product.raw(SENDERS_SQL, sender_ids)} if sender_ids else {}
    findings = {c.id: [f for found in lint_with_sender(
        c, SimpleNamespace(**senders[c.sender]) if c.sender in senders else None).values() for f in found]
                for c in campaigns}
    clicks = (await Product.raw(CLICKS_SQL, product_id, RECENT_DAYS))[0]
    live = Counter({r["placement"]: r["n"] for r in await Product.raw(LIVE_SQL, product_id)})
    improvements = Counter({r["status"]: r["n"] for r in await Product.raw(IMPROVEMENTS_SQL, product_id)})
    return Checklist(product_id, [
        _listed(report), _profiles(report), _moments(campaigns), _senders(campaigns, senders),
        _lint_check("short_message", ("LENGTH", "SUBJECT_SAYS_WHAT", "ONE_CTA"), findings, campaigns,
                    "Keep each ask under about 90 words, with a subject that says what you ask."),
        _lint_check("reason", ("REASON",), findings, campaigns,
                    "Say why the review matters: “because your review helps other teams choose”."),
        _lint_check("thanks", ("THANKS",), findings, campaigns,
                    "Start and end the ask with a thank-you."),
        _easy(campaigns, findings, report, clicks), _in_use(live), _negatives(improvements)])


def _json(value):
    import json

    return json.loads(value) if isinstance(value, str) else value
