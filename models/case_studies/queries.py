"""Reading case studies: the editors' list (every status, with the answers), the customer's page
view, and the public list — published stories only, with nothing personal beyond what the
customer approved."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from models.case_studies.tables import CaseStudy
from models.core.actors import Actor
from models.core.pagination import Page, PageRequest, raw_keyset_page
from models.core.urls import is_safe_url

LIST_SQL = ("SELECT s.id, s.product, s.customer, s.locale, s.status, s.questions, s.answers, s.title, "
            "s.sections, s.company, s.attribution_name, s.attribution_title, s.logo_url, s.backlink_url, "
            "s.content_digest, s.approved_digest, s.feedback, s.selection, s.invited_at, s.decided_at, "
            "s.answered_at, s.drafted_at, s.approved_at, s.published_at, s.withdrawn_at, s.updated_at "
            "FROM case_study s")


@dataclass(frozen=True)
class CaseStudyFilter:
    product_id: int | None = None
    statuses: tuple[str, ...] | None = None


async def list_case_studies(actor: Actor, flt: CaseStudyFilter, page: PageRequest) -> Page:
    where, args = [], []
    for product in (actor.product_id, flt.product_id):
        if product is not None:
            where.append("s.product = {}")
            args.append(product)
    if flt.statuses:
        where.append("s.status = ANY({}::varchar[])")
        args.append(list(flt.statuses))
    if page.ids is not None:
        where.append("s.id = ANY({}::int[])")
        args.append(list(page.ids))
    return await raw_keyset_page(CaseStudy, LIST_SQL, where, args, "s.id", page)


def loaded(value):
    return json.loads(value) if isinstance(value, str) else value


@dataclass
class Section:
    heading: str
    body: str
    quote: str | None  # the customer's answer, verbatim


def sections_of(row) -> list[Section]:
    answers = loaded(row["answers"]) or {}
    return [Section(s.get("heading") or "", s.get("body") or "",
                    answers.get(str(s["answer"])) if s.get("answer") is not None else None)
            for s in loaded(row["sections"]) or []]


@dataclass
class PageView:
    id: int
    status: str
    locale: str
    product: str
    first_name: str
    questions: list[str]
    answers: dict[str, str]
    title: str
    sections: list[Section]
    company: str
    attribution: str
    logo_url: str
    backlink_url: str
    digest: str
    feedback: str


async def page_view(case_study_id: int) -> PageView | None:
    select = LIST_SQL.replace("FROM case_study s", ", p.name AS product_name, c.first_name FROM case_study s")
    rows = await CaseStudy.raw(f"{select} JOIN product p ON p.id = s.product "
                               "JOIN customer c ON c.id = s.customer WHERE s.id = {}", case_study_id)
    if not rows:
        return None
    r = rows[0]
    attribution = ", ".join(x for x in (r["attribution_name"], r["attribution_title"], r["company"]) if x)
    return PageView(r["id"], r["status"], r["locale"], r["product_name"], r["first_name"],
                    list(loaded(r["questions"])), dict(loaded(r["answers"]) or {}), r["title"],
                    sections_of(r), r["company"], attribution, r["logo_url"], r["backlink_url"],
                    r["content_digest"], r["feedback"])


@dataclass
class PublicStory:
    id: int
    title: str
    company: str
    attribution_name: str
    attribution_title: str
    logo_url: str | None
    backlink_url: str | None
    published_at: object
    sections: list[Section] = field(default_factory=list)


async def published_stories(actor: Actor, product_id: int | None, limit: int) -> list[PublicStory] | None:
    """The product's published case studies, newest first (None outside the token's product)."""
    from models.quotes.showcase import product_for

    pid = product_for(actor, product_id)
    if pid is None:
        return None
    rows = await CaseStudy.raw(
        "SELECT id, title, company, attribution_name, attribution_title, logo_url, backlink_url, "
        "published_at, sections, answers FROM case_study WHERE product = {} AND status = 'published' "
        "ORDER BY published_at DESC, id DESC LIMIT {}", pid, limit)
    return [PublicStory(r["id"], r["title"], r["company"], r["attribution_name"], r["attribution_title"],
                        r["logo_url"] if is_safe_url(r["logo_url"]) else None,
                        r["backlink_url"] if is_safe_url(r["backlink_url"]) else None, r["published_at"],
                        sections_of(r)) for r in rows]
