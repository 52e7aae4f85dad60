"""Case studies over GraphQL: the editors' side (`case_studies:read` / `:write`) and the public
list of published stories (`showcase:read`, cached like the showcase). Rules live in
models/case_studies/; the customer acts on their own page (api/case_studies/page.py)."""

from __future__ import annotations

import datetime as dt
import json
from enum import Enum

import strawberry
from strawberry.types import Info

from api.asking.campaign_rules import CampaignAudienceInput, CampaignSamplingInput, SkipCount
from api.graphql.errors import map_errors, user_error_type
from api.graphql.nodes import Node, node_kind
from api.graphql.nodes import page_rows as _rows
from api.graphql.permissions import needs
from api.graphql.relay import ArgumentError, Connection, decode_id, global_id, paginate
from api.people.customers import LocaleEnum
from models.case_studies import invitations, questions, stories
from models.case_studies import queries as domain
from models.core.pagination import PageRequest


@strawberry.enum(description="INVITED → ACCEPTED / DECLINED → ANSWERED → DRAFTED → APPROVED → "
                             "PUBLISHED → WITHDRAWN (the customer may withdraw at any time).")
class CaseStudyStatus(Enum):
    INVITED = "invited"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    ANSWERED = "answered"
    DRAFTED = "drafted"
    APPROVED = "approved"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


@strawberry.type
class CaseStudyAnswer:
    number: int = strawberry.field(description="The question's number, from 0: what a section quotes.")
    question: str
    answer: str | None = strawberry.field(description="The customer's words, verbatim.")


@strawberry.type
class CaseStudySection:
    heading: str
    body: str
    quote: str | None = strawberry.field(description="The customer's answer this section quotes, verbatim.")
    answer_number: int | None


def _sections(row) -> list[CaseStudySection]:
    stored = domain.loaded(row.sections) or []
    answers = domain.loaded(row.answers) or {}
    return [CaseStudySection(heading=s.get("heading") or "", body=s.get("body") or "",
                             quote=answers.get(str(s["answer"])) if s.get("answer") is not None else None,
                             answer_number=s.get("answer")) for s in stored]


@node_kind("case_studies:read", lambda actor, ids: _rows(
    domain.list_case_studies(actor, domain.CaseStudyFilter(), PageRequest.only(ids))))
@strawberry.type(name="CaseStudy", description="A customer's case study, from the invitation on.")
class CaseStudyType(Node):
    title: str
    company: str
    attribution_name: str
    attribution_title: str
    logo_url: str
    backlink_url: str
    feedback: str = strawberry.field(description="What the customer asked to change, if they did.")
    invited_at: dt.datetime
    answered_at: dt.datetime | None
    drafted_at: dt.datetime | None
    approved_at: dt.datetime | None
    published_at: dt.datetime | None
    withdrawn_at: dt.datetime | None

    @strawberry.field
    def status(self) -> CaseStudyStatus:
        return CaseStudyStatus(self.status)  # type: ignore[attr-defined]

    @strawberry.field
    def locale(self) -> LocaleEnum:
        return LocaleEnum(self.locale)  # type: ignore[attr-defined]

    @strawberry.field
    def product_id(self) -> strawberry.ID:
        return global_id("Product", self.product)  # type: ignore[attr-defined,return-value]

    @strawberry.field
    def customer_id(self) -> strawberry.ID:
        return global_id("Customer", self.customer)  # type: ignore[attr-defined,return-value]

    @strawberry.field(description="The questions as asked, with the customer's answers.")
    def answers(self) -> list[CaseStudyAnswer]:
        asked = domain.loaded(self.questions) or []  # type: ignore[attr-defined]
        given = domain.loaded(self.answers) or {}  # type: ignore[attr-defined]
        return [CaseStudyAnswer(number=i, question=q, answer=given.get(str(i))) for i, q in enumerate(asked)]

    @strawberry.field
    def sections(self) -> list[CaseStudySection]:
        return _sections(self)

    @strawberry.field(description="True when the customer approved the story exactly as it stands.")
    def approved_as_is(self) -> bool:
        return bool(self.approved_digest) and self.approved_digest == self.content_digest  # type: ignore[attr-defined]

    @strawberry.field(description="The fair selection that invited them (sampling and audience).")
    def selection(self) -> str:
        return json.dumps(domain.loaded(self.selection) or {}, sort_keys=True)  # type: ignore[attr-defined]


@strawberry.type(description="A published case study, as a web site shows it.")
class PublishedCaseStudy:
    case_study_id: strawberry.ID
    title: str
    company: str
    attribution_name: str
    attribution_title: str
    logo_url: str | None
    backlink_url: str | None = strawberry.field(description="The customer's site: link to it.")
    published_at: dt.datetime
    sections: list[CaseStudySection]


@strawberry.input
class CaseStudySectionInput:
    heading: str = ""
    body: str = ""
    answer_number: int | None = strawberry.field(default=None, description="Quote this answer verbatim.")


@strawberry.input
class CaseStudyDraftInput:
    title: str
    sections: list[CaseStudySectionInput]
    company: str
    attribution_name: str = ""
    attribution_title: str = ""
    logo_url: str = ""
    backlink_url: str = strawberry.field(description="The customer's site (http or https).")


@strawberry.type
class CaseStudyInvitationRun:
    candidates: int
    eligible: int
    selected: int
    invited: list[strawberry.ID]
    skipped: list[SkipCount]


InviteToCaseStudiesError = user_error_type("InviteToCaseStudies", [
    "NOT_FOUND", "SENTIMENT_RULE", "UNKNOWN_AUDIENCE_RULE", "INVALID_AUDIENCE_RULE", "INVALID_SAMPLING",
    "INVALID_LIMIT"])
SetCaseStudyQuestionsError = user_error_type("SetCaseStudyQuestions", [
    "NOT_FOUND", "INVALID_LOCALE", "QUESTION_COUNT", "INVALID_QUESTION", "DUPLICATE_QUESTION"])
DraftCaseStudyError = user_error_type("DraftCaseStudy", [
    "NOT_FOUND", "WRONG_STATUS", "INVALID_TITLE", "SECTION_COUNT", "TOO_LONG", "NO_SUCH_ANSWER",
    "EMPTY_SECTION", "COMPANY_REQUIRED", "INVALID_URL", "BACKLINK_REQUIRED"])
ChangeCaseStudyError = user_error_type("ChangeCaseStudy", ["NOT_FOUND", "NOT_APPROVED", "WRONG_STATUS"])


@strawberry.type
class InviteToCaseStudiesPayload:
    run: CaseStudyInvitationRun | None
    user_errors: list[InviteToCaseStudiesError]  # type: ignore[valid-type]


@strawberry.type
class SetCaseStudyQuestionsPayload:
    questions: list[str] | None
    user_errors: list[SetCaseStudyQuestionsError]  # type: ignore[valid-type]


@strawberry.type
class DraftCaseStudyPayload:
    case_study: CaseStudyType | None
    user_errors: list[DraftCaseStudyError]  # type: ignore[valid-type]


@strawberry.type
class ChangeCaseStudyPayload:
    case_study: CaseStudyType | None
    user_errors: list[ChangeCaseStudyError]  # type: ignore[valid-type]


async def _reloaded(info: Info, outcome):
    if not outcome.ok:
        return None
    page = await domain.list_case_studies(info.context.actor, domain.CaseStudyFilter(),
                                          PageRequest.only([outcome.value["id"]]))
    return page.rows[0] if page.rows else None


@strawberry.type
class CaseStudyQueries:
    @strawberry.field(permission_classes=[needs("case_studies:read")],
                      description="Case studies in every status, oldest first, with the answers.")
    async def case_study_requests(self, info: Info, product_id: strawberry.ID | None = None,
                                  status: list[CaseStudyStatus] | None = None, first: int | None = None,
                                  after: str | None = None, last: int | None = None,
                                  before: str | None = None) -> Connection[CaseStudyType]:
        if status is not None and len(status) > len(CaseStudyStatus):
            raise ArgumentError("`status` names each status at most once.")
        flt = domain.CaseStudyFilter(decode_id(product_id, "productId", "Product"),
                                     tuple(s.value for s in status) if status else None)
        actor = info.context.actor
        page = await paginate(lambda page: domain.list_case_studies(actor, flt, page), first, after, last,
                              before)
        return Connection.from_page(page)

    @strawberry.field(permission_classes=[needs("case_studies:read")],
                      description="The questions new invitations ask, in one locale.")
    async def case_study_questions(self, info: Info, product_id: strawberry.ID,
                                   locale: LocaleEnum) -> list[str] | None:
        product = decode_id(product_id, "productId", "Product")
        if not info.context.actor.may_touch_product(product):
            return None
        return await questions.questions_for(product, locale.value)  # type: ignore[arg-type]

    @strawberry.field(permission_classes=[needs("showcase:read")],
                      description="Published case studies, newest first — safe in a browser. "
                                  "`productId` defaults to the token's product.")
    async def case_studies(self, info: Info, product_id: strawberry.ID | None = None,
                           limit: int = 10) -> list[PublishedCaseStudy] | None:
        from api.graphql.context import bearer_token
        from api.quotes.showcase_cache import SCOPE_FLAG, showcase_only

        if not 1 <= limit <= 50:
            raise ArgumentError("`limit` is between 1 and 50.")
        if showcase_only(info.operation):
            request = info.context.request
            request.scope[SCOPE_FLAG] = {"secret": bearer_token(request),
                                         "expires_at": info.context.actor.expires_at}
        found = await domain.published_stories(info.context.actor,
                                               decode_id(product_id, "productId", "Product"), limit)
        if found is None:
            return None
        return [PublishedCaseStudy(
            case_study_id=global_id("CaseStudy", s.id), title=s.title, company=s.company,
            attribution_name=s.attribution_name, attribution_title=s.attribution_title, logo_url=s.logo_url,
            backlink_url=s.backlink_url, published_at=s.published_at,
            sections=[CaseStudySection(heading=x.heading, body=x.body, quote=x.quote, answer_number=None)
                      for x in s.sections]) for s in found]


@strawberry.type
class CaseStudyMutations:
    @strawberry.mutation(permission_classes=[needs("case_studies:write")],
                         description="The questions new invitations ask in one locale (1 to 10).")
    async def set_case_study_questions(self, info: Info, product_id: strawberry.ID, locale: LocaleEnum,
                                       questions: list[str]) -> SetCaseStudyQuestionsPayload:
        from models.case_studies.questions import set_questions

        product = decode_id(product_id, "productId", "Product")
        outcome = await set_questions(info.context.actor, product, locale.value, questions)  # type: ignore[arg-type]
        errors = map_errors(SetCaseStudyQuestionsError, outcome.errors)
        return SetCaseStudyQuestionsPayload(questions=outcome.value, user_errors=errors)

    @strawberry.mutation(permission_classes=[needs("case_studies:write")],
                         description="Invite customers to a case study by the same fair selection as "
                                     "review asks: an audience of plain facts, a sampling rule, a limit.")
    async def invite_to_case_studies(self, info: Info, product_id: strawberry.ID, limit: int,
                                     audience: CampaignAudienceInput | None = None,
                                     sampling: CampaignSamplingInput | None = None
                                     ) -> InviteToCaseStudiesPayload:
        outcome = await invitations.invite(
            info.context.actor, decode_id(product_id, "productId", "Product"),  # type: ignore[arg-type]
            audience.stored() if audience else {}, sampling.stored() if sampling else {}, limit)
        run = None
        if outcome.ok:
            r = outcome.value
            run = CaseStudyInvitationRun(
                candidates=r.candidates, eligible=r.eligible, selected=r.selected,
                invited=[global_id("CaseStudy", i) for i in r.invited],
                skipped=[SkipCount(reason=k, count=v) for k, v in sorted(r.skipped.items())])
        return InviteToCaseStudiesPayload(run=run, user_errors=map_errors(InviteToCaseStudiesError,
                                                                          outcome.errors))

    @strawberry.mutation(permission_classes=[needs("case_studies:write")],
                         description="Write (or change) the story from the answers and send it to the "
                                     "customer for approval of exactly this text.")
    async def draft_case_study(self, info: Info, id: strawberry.ID,
                               input: CaseStudyDraftInput) -> DraftCaseStudyPayload:
        draft = stories.Draft(
            title=input.title, company=input.company, attribution_name=input.attribution_name,
            attribution_title=input.attribution_title, logo_url=input.logo_url,
            backlink_url=input.backlink_url,
            sections=[{"heading": s.heading, "body": s.body, "answer": s.answer_number}
                      for s in input.sections])
        outcome = await stories.save_draft(info.context.actor, decode_id(id, "id", "CaseStudy"), draft)  # type: ignore[arg-type]
        return DraftCaseStudyPayload(case_study=await _reloaded(info, outcome),
                                     user_errors=map_errors(DraftCaseStudyError, outcome.errors))

    @strawberry.mutation(permission_classes=[needs("case_studies:write")],
                         description="Publish a story the customer approved as it stands.")
    async def publish_case_study(self, info: Info, id: strawberry.ID) -> ChangeCaseStudyPayload:
        outcome = await stories.publish(info.context.actor, decode_id(id, "id", "CaseStudy"))  # type: ignore[arg-type]
        return ChangeCaseStudyPayload(case_study=await _reloaded(info, outcome),
                                      user_errors=map_errors(ChangeCaseStudyError, outcome.errors))

    @strawberry.mutation(permission_classes=[needs("case_studies:write")],
                         description="Take a case study down and close it.")
    async def withdraw_case_study(self, info: Info, id: strawberry.ID) -> ChangeCaseStudyPayload:
        outcome = await stories.withdraw(info.context.actor, decode_id(id, "id", "CaseStudy"))  # type: ignore[arg-type]
        return ChangeCaseStudyPayload(case_study=await _reloaded(info, outcome),
                                      user_errors=map_errors(ChangeCaseStudyError, outcome.errors))
