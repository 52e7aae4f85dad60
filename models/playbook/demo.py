"""The demo set's share of the rest of the playbook, so `./dev up` shows each part at work: a
team roster (Marie is named in a demo review), listing checks for four profiles, and a case study
taken through the real flow — invited fairly, answered, drafted, approved and published."""

from __future__ import annotations

from models.case_studies import invitations, stories
from models.case_studies.tables import CaseStudy
from models.catalogue.listings import ListingCheck, record_listing_check
from models.catalogue.platforms import PlatformProfile
from models.core.actors import SYSTEM, admin_actor
from models.team.roster import save_member
from models.team.tables import TeamMember

ROSTER = [
    {"name": "Marie Laurent", "aliases": ["Marie"], "role": "Support", "email": "marie@acme.example",
     "locale": "fr"},
    {"name": "Will Carter", "aliases": [], "role": "Onboarding", "email": "will@acme.example"},
]
CHECKS = {"capterra": ["features", "pricing", "support", "screenshots", "categories"],
          "g2": ["features", "pricing", "faq", "video", "screenshots", "categories"],
          "trustpilot": ["features", "categories"],
          "crozdesk": ["features", "pricing", "training", "support", "faq", "video", "screenshots",
                       "categories"]}
ANSWERS = {"answer_0": "We closed the books in two weeks, with spreadsheets passed around by email.",
           "answer_3": "Two days now. The controller says it is the first quiet month-end in years.",
           "answer_4": "Start with reporting: it pays for itself in the first month."}


async def seed_roster(product_id: int) -> None:
    """Before the demo reviews come in, so the one naming Marie becomes a shout-out."""
    if await TeamMember.exists().where(TeamMember.product == product_id):
        return
    for member in ROSTER:
        outcome = await save_member(SYSTEM, None, member, product_id)
        if not outcome.ok:
            raise RuntimeError(f"demo team member refused: {outcome.errors}")


async def seed_listings_and_case_study(product_id: int) -> None:
    profiles = {r["key"]: r["id"] for r in await PlatformProfile.select(
        PlatformProfile.id, PlatformProfile.platform.key.as_alias("key")).where(
        PlatformProfile.product == product_id)}
    if not await ListingCheck.exists().where(ListingCheck.profile.is_in(list(profiles.values()) or [0])):
        for key, present in CHECKS.items():
            await record_listing_check(SYSTEM, profiles[key], present, notes="Checked for the demo.")
    if await CaseStudy.exists().where(CaseStudy.product == product_id):
        return
    editor = admin_actor("demo-editor")
    run = await invitations.invite(editor, product_id, {"min_tenure_days": 90},
                                   {"rule": "share", "share": 0.5, "seed": 7}, 3)
    if not run.ok or not run.value.invited:
        raise RuntimeError(f"demo case-study invitation refused: {run.errors}")
    first = run.value.invited[0]
    for action, form in (("accept", {}), ("submit", ANSWERS)):
        await stories.customer_action(first, action, form)
    row = await CaseStudy.select(CaseStudy.customer.company.as_alias("company"),
                                 CaseStudy.customer.first_name.as_alias("first"),
                                 CaseStudy.customer.last_name.as_alias("last"),
                                 CaseStudy.customer.title.as_alias("title")
                                 ).where(CaseStudy.id == first).first()
    slug = "".join(c for c in row["company"].lower() if c.isalnum()) or "customer"
    draft = stories.Draft(
        title=f"How {row['company']} closes its books in two days", company=row["company"],
        attribution_name=f"{row['first']} {row['last']}", attribution_title=row["title"],
        logo_url="", backlink_url=f"https://{slug}.example",
        sections=[{"heading": "Before", "body": "", "answer": 0},
                  {"heading": "After", "body": "Reporting replaced the spreadsheets within a week.",
                   "answer": 3},
                  {"heading": "Advice", "body": "", "answer": 4}])
    drafted = await stories.save_draft(editor, first, draft)
    if not drafted.ok:
        raise RuntimeError(f"demo case study refused: {drafted.errors}")
    digest = (await CaseStudy.select(CaseStudy.content_digest).where(CaseStudy.id == first).first())
    await stories.customer_action(first, "approve", {"digest": digest["content_digest"]})
    await stories.publish(editor, first)
