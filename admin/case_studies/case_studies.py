"""Case studies in the console: the list in every status with the answers (read-only), and forms
to invite (fair selection), draft from the answers, publish and withdraw. Every rule is the
domain's (models/case_studies/)."""

from __future__ import annotations

import json
from typing import Literal

from piccolo_admin.endpoints import FormConfig, TableConfig
from piccolo_api.crud.endpoints import OrderBy
from pydantic import BaseModel, Field
from starlette.requests import Request

from admin.access.audit import read_only
from admin.catalogue.listings import product_id
from models.case_studies import invitations, stories
from models.case_studies.tables import CaseStudy
from models.core.actors import admin_actor

GROUP = "Case studies"


class InviteForm(BaseModel):
    product_slug: str = Field(max_length=60)
    limit: int = Field(default=5, ge=1, le=invitations.MAX_INVITES)
    plans: str = Field(default="", max_length=500, description="Comma-separated; empty: every plan.")
    locales: str = Field(default="", max_length=20, description="en, fr; empty: both.")
    min_tenure_days: int | None = Field(default=180, ge=0, le=36500)
    sampling: Literal["everyone", "share", "every_nth"] = "share"
    share: float = Field(default=0.2, gt=0, le=1, description="For a random share.")
    n: int = Field(default=10, ge=1, le=10000, description="For every n-th.")


class DraftForm(BaseModel):
    case_study_id: int = Field(gt=0, lt=2**31)
    title: str = Field(max_length=200)
    sections: str = Field(max_length=60000, description='JSON: [{"heading": "…", "body": "…", "answer": 0}] '
                                                        "— answer: the question number to quote.")
    company: str = Field(max_length=200)
    attribution_name: str = Field(default="", max_length=200)
    attribution_title: str = Field(default="", max_length=200)
    logo_url: str = Field(default="", max_length=500)
    backlink_url: str = Field(max_length=500, description="The customer's site.")


class ChangeForm(BaseModel):
    case_study_id: int = Field(gt=0, lt=2**31)
    action: Literal["publish", "withdraw"]


def _actor(request: Request):
    user = getattr(request.user, "user", None)
    return admin_actor(getattr(user, "username", "admin"))


def _split(text: str) -> list[str]:
    return [p.strip() for p in text.split(",") if p.strip()]


def _explain(outcome) -> None:
    if not outcome.ok:
        raise ValueError(" ".join(e.message for e in outcome.errors))


async def invite_endpoint(request: Request, data: InviteForm) -> str:
    audience: dict = {}
    if _split(data.plans):
        audience["plans"] = _split(data.plans)
    if _split(data.locales):
        audience["locales"] = _split(data.locales)
    if data.min_tenure_days is not None:
        audience["min_tenure_days"] = data.min_tenure_days
    sampling = {"rule": data.sampling} | ({"share": data.share} if data.sampling == "share" else {}) | (
        {"n": data.n} if data.sampling == "every_nth" else {})
    outcome = await invitations.invite(_actor(request), await product_id(data.product_slug), audience,
                                       sampling, data.limit)
    _explain(outcome)
    run = outcome.value
    skipped = ", ".join(f"{k} {v}" for k, v in sorted(run.skipped.items())) or "none"
    return (f"Invited {len(run.invited)}: {run.candidates} customers, {run.eligible} in the audience, "
            f"{run.selected} drawn ({data.sampling}); skipped: {skipped}.")


async def draft_endpoint(request: Request, data: DraftForm) -> str:
    try:
        sections = json.loads(data.sections)
    except json.JSONDecodeError as exc:
        raise ValueError(f"Sections are JSON: {exc.msg} at character {exc.pos}.") from None
    if not isinstance(sections, list) or not all(isinstance(s, dict) for s in sections):
        raise ValueError('Sections are a JSON list of {"heading", "body", "answer"} objects.')
    answers = [s.get("answer") for s in sections]
    if any(a is not None and (not isinstance(a, int) or isinstance(a, bool)) for a in answers):
        raise ValueError("A section's answer is a question number (0, 1, …).")
    draft = stories.Draft(
        title=data.title, company=data.company, attribution_name=data.attribution_name,
        attribution_title=data.attribution_title, logo_url=data.logo_url, backlink_url=data.backlink_url,
        sections=[{"heading": str(s.get("heading") or ""), "body": str(s.get("body") or ""),
                   "answer": s.get("answer")} for s in sections])
    outcome = await stories.save_draft(_actor(request), data.case_study_id, draft)
    _explain(outcome)
    return f"Case study {data.case_study_id} is drafted and sent to the customer for approval."


async def change_endpoint(request: Request, data: ChangeForm) -> str:
    change = stories.publish if data.action == "publish" else stories.withdraw
    outcome = await change(_actor(request), data.case_study_id)
    _explain(outcome)
    return f"Case study {data.case_study_id} is {outcome.value['status']}."


def case_study_table_configs() -> list[TableConfig]:
    return [TableConfig(
        CaseStudy, menu_group=GROUP,
        visible_columns=[CaseStudy.id, CaseStudy.customer, CaseStudy.status, CaseStudy.title,
                         CaseStudy.company, CaseStudy.answers, CaseStudy.feedback, CaseStudy.invited_at,
                         CaseStudy.published_at],
        visible_filters=[CaseStudy.product, CaseStudy.status, CaseStudy.customer],
        order_by=[OrderBy(CaseStudy.id, ascending=False)],
        validators=read_only("Use the case-study forms: the customer's words and approval are kept "
                             "exactly."))]


def case_study_forms() -> list[FormConfig]:
    return [
        FormConfig(name="Invite to case studies", pydantic_model=InviteForm, endpoint=invite_endpoint,
                   form_group=GROUP, description="A fair draw from an audience of plain facts, as for "
                                                 "review asks — never by sentiment."),
        FormConfig(name="Draft case study", pydantic_model=DraftForm, endpoint=draft_endpoint,
                   form_group=GROUP, description="Write the story from the answers; the customer "
                                                 "approves exactly this text."),
        FormConfig(name="Publish or withdraw case study", pydantic_model=ChangeForm,
                   endpoint=change_endpoint, form_group=GROUP),
    ]
