"""A case study from the customer's yes to publication, and back down when they withdraw.

invited → accepted / declined → answered → drafted → approved → published → withdrawn

- The customer acts on one page reached from the mail (the link's HMAC token is the credential):
  accept or decline; answer the questions over as many visits as they like (each save keeps
  the words verbatim) and submit; approve the draft — exactly the text shown, by its digest —
  or ask for changes; withdraw at any time, which takes a published story down at once.
- An editor assembles the story from the answers: a title, sections whose quoted answers are
  the customer's own words (by question number, never retyped), the company, a logo and a
  backlink to the customer's site. Saving a draft sends it for approval; any change after
  approval needs a new approval; only an approved story whose text is still the approved text
  is published (a CHECK constraint holds that too).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from models.access.audit import record_audit
from models.case_studies.tables import CaseStudy
from models.core.actors import Actor
from models.core.outbox import add_to_outbox
from models.core.results import Outcome, UserError
from models.core.urls import url_problem
from models.events.events import record_event

CUSTOMER = Actor(kind="system", name="customer")
MAX_ANSWER = 5000
MAX_TITLE = 200
MAX_SECTIONS = 12
MAX_HEADING = 200
MAX_BODY = 4000
MAX_FEEDBACK = 2000


def _loaded(value):
    return json.loads(value) if isinstance(value, str) else value


def digest(story: dict) -> str:
    """What the customer approves: every word that will be published, in order."""
    content = {k: story.get(k) for k in ("title", "sections", "company", "attribution_name",
                                         "attribution_title", "logo_url", "backlink_url")}
    content["quoted"] = [quoted(story, s.get("answer")) for s in story.get("sections") or []]
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def quoted(story: dict, answer: int | None) -> str | None:
    if answer is None:
        return None
    return (story.get("answers") or {}).get(str(answer))


async def _locked(case_study_id: int) -> dict | None:
    rows = await CaseStudy.raw("SELECT * FROM case_study WHERE id = {} FOR UPDATE", case_study_id)
    if not rows:
        return None
    row = dict(rows[0])
    for key in ("questions", "answers", "sections", "selection"):
        row[key] = _loaded(row[key])
    return row


async def _move(row: dict, status: str, event: str | None, actor: Actor, **changes) -> None:
    now = dt.datetime.now(dt.UTC)
    columns = {"status": status, "updated_at": now, **changes}
    await CaseStudy.update({getattr(CaseStudy, k): v for k, v in columns.items()}).where(
        CaseStudy.id == row["id"])
    if event:
        await record_event(event, row["product"], {"case_study": row["id"], "customer": row["customer"]})
    await record_audit(actor, f"case_study.{status}", "case_study", row["id"],
                       {k: v for k, v in changes.items() if k in ("feedback", "withdrawn_by")})
    row.update(columns)


# --- the customer's page ----------------------------------------------------------------------


async def customer_action(case_study_id: int, action: str, form: dict) -> Outcome[dict]:
    """One of accept, decline, save, submit, approve, request_changes, withdraw."""
    async with CaseStudy._meta.db.transaction():
        row = await _locked(case_study_id)
        if row is None:
            return Outcome.fail("NOT_FOUND", "This link is not valid.")
        status, now = row["status"], dt.datetime.now(dt.UTC)
        if action == "withdraw":
            if status in ("declined", "withdrawn"):
                return Outcome.fail("CLOSED", "There is nothing left to withdraw.")
            await _move(row, "withdrawn", "case_study.withdrawn", CUSTOMER, withdrawn_at=now,
                        withdrawn_by="customer", published_at=None)
            return Outcome(row)
        if action in ("accept", "decline"):
            if status != "invited":
                return Outcome.fail("WRONG_STATUS", "You already answered this invitation.")
            if action == "accept":
                await _move(row, "accepted", "case_study.accepted", CUSTOMER, decided_at=now)
            else:
                await _move(row, "declined", "case_study.declined", CUSTOMER, decided_at=now)
            return Outcome(row)
        if action in ("save", "submit"):
            if status != "accepted":
                return Outcome.fail("WRONG_STATUS", "Your answers were already sent: thank you.")
            answers, errors = _answers(row, form)
            if errors:
                return Outcome(errors=errors)
            changes = {"answers": json.dumps(answers)}
            if action == "submit":
                missing = [i for i in range(len(row["questions"])) if not answers.get(str(i))]
                if len(missing) == len(row["questions"]):
                    return Outcome.fail("NO_ANSWERS", "Answer at least one question before sending.")
                await _move(row, "answered", "case_study.answered", CUSTOMER, answered_at=now, **changes)
            else:
                await CaseStudy.update({CaseStudy.answers: changes["answers"], CaseStudy.updated_at: now}
                                       ).where(CaseStudy.id == row["id"])
                row["answers"] = answers
            return Outcome(row)
        if action in ("approve", "request_changes"):
            if status != "drafted":
                return Outcome.fail("WRONG_STATUS", "There is no draft waiting for your approval.")
            if form.get("digest") != row["content_digest"]:
                return Outcome.fail("STALE_DRAFT", "The draft changed since this page was opened: "
                                    "read it again before approving.")
            if action == "approve":
                await _move(row, "approved", "case_study.approved", CUSTOMER, approved_at=now,
                            approved_digest=row["content_digest"], feedback="")
            else:
                feedback = (form.get("feedback") or "").strip()
                if not feedback or len(feedback) > MAX_FEEDBACK or "\x00" in feedback:
                    return Outcome.fail("INVALID_FEEDBACK", f"Say what to change, in at most {MAX_FEEDBACK} "
                                        "characters.", "feedback")
                await _move(row, "answered", None, CUSTOMER, feedback=feedback)
            return Outcome(row)
        return Outcome.fail("UNKNOWN_ACTION", "Unknown action.")


def _answers(row: dict, form: dict) -> tuple[dict[str, str], list[UserError]]:
    answers = dict(row["answers"] or {})
    errors = []
    for i in range(len(row["questions"])):
        key = f"answer_{i}"
        if key not in form:
            continue
        text = str(form[key]).replace("\r\n", "\n").strip()
        if "\x00" in text:
            errors.append(UserError("INVALID_TEXT", f"Answer {i + 1} contains a NUL character.", (key,)))
        elif len(text) > MAX_ANSWER:
            errors.append(UserError("TOO_LONG", f"Answer {i + 1} is longer than {MAX_ANSWER} characters.",
                                    (key,)))
        elif text:
            answers[str(i)] = text
        else:
            answers.pop(str(i), None)
    return answers, errors


# --- the editor ------------------------------------------------------------------------------------


@dataclass
class Draft:
    title: str
    sections: list[dict]  # {heading, body, answer: int | None}
    company: str
    attribution_name: str
    attribution_title: str
    logo_url: str
    backlink_url: str


def check_draft(row: dict, draft: Draft) -> list[UserError]:
    errors = []
    if not draft.title.strip() or len(draft.title) > MAX_TITLE:
        errors.append(UserError("INVALID_TITLE", f"A title of 1 to {MAX_TITLE} characters.", ("title",)))
    if not 1 <= len(draft.sections) <= MAX_SECTIONS:
        errors.append(UserError("SECTION_COUNT", f"Between 1 and {MAX_SECTIONS} sections.", ("sections",)))
    answered = {k for k, v in (row["answers"] or {}).items() if v}
    for i, section in enumerate(draft.sections):
        if len(section.get("heading") or "") > MAX_HEADING or len(section.get("body") or "") > MAX_BODY:
            errors.append(UserError("TOO_LONG", f"Headings are at most {MAX_HEADING} characters, text "
                                    f"{MAX_BODY}.", ("sections", str(i))))
        answer = section.get("answer")
        if answer is not None and str(answer) not in answered:
            errors.append(UserError("NO_SUCH_ANSWER", f"Section {i + 1} quotes answer {answer}, which the "
                                    "customer did not give.", ("sections", str(i), "answer")))
        if not (section.get("body") or "").strip() and answer is None:
            errors.append(UserError("EMPTY_SECTION", f"Section {i + 1} says nothing.", ("sections", str(i))))
    for value, name in ((draft.company, "company"), (draft.attribution_name, "attributionName"),
                        (draft.attribution_title, "attributionTitle")):
        if len(value) > 200:
            errors.append(UserError("TOO_LONG", "At most 200 characters.", (name,)))
    if not draft.company.strip():
        errors.append(UserError("COMPANY_REQUIRED", "Name the customer's company.", ("company",)))
    for value, name in ((draft.logo_url, "logoUrl"), (draft.backlink_url, "backlinkUrl")):
        problem = url_problem(value, max_length=500)
        if problem:
            errors.append(UserError("INVALID_URL", problem, (name,)))
    if not draft.backlink_url:
        errors.append(UserError("BACKLINK_REQUIRED", "Link to the customer's site: featuring them with a "
                                "backlink is what makes a case study worth their time.", ("backlinkUrl",)))
    return errors


async def save_draft(actor: Actor, case_study_id: int, draft: Draft) -> Outcome[dict]:
    """Assemble (or change) the story and send it to the customer for approval."""
    async with CaseStudy._meta.db.transaction():
        row = await _locked(case_study_id)
        if row is None or not actor.may_touch_product(row["product"]):
            return Outcome.fail("NOT_FOUND", "No such case study.", "id")
        if row["status"] not in ("answered", "drafted", "approved", "published"):
            return Outcome.fail("WRONG_STATUS", f"A story is drafted once the customer has answered "
                                f"(this one is {row['status']}).", "id")
        errors = check_draft(row, draft)
        if errors:
            return Outcome(errors=errors)
        sections = [{"heading": (s.get("heading") or "").strip(), "body": (s.get("body") or "").strip(),
                     "answer": s.get("answer")} for s in draft.sections]
        story = row | {"title": draft.title.strip(), "sections": sections, "company": draft.company.strip(),
                       "attribution_name": draft.attribution_name.strip(),
                       "attribution_title": draft.attribution_title.strip(),
                       "logo_url": draft.logo_url, "backlink_url": draft.backlink_url}
        new_digest = digest(story)
        if new_digest == row["content_digest"] and row["status"] != "answered":
            return Outcome(row)  # nothing changed: no new approval needed
        now = dt.datetime.now(dt.UTC)
        # A published story that changes comes down until the customer approves the new text.
        await _move(row, "drafted", None if row["status"] != "published" else "case_study.withdrawn",
                    actor, title=story["title"], sections=json.dumps(sections), company=story["company"],
                    attribution_name=story["attribution_name"],
                    attribution_title=story["attribution_title"], logo_url=draft.logo_url,
                    backlink_url=draft.backlink_url, content_digest=new_digest, drafted_at=now,
                    published_at=None)
        row["sections"] = sections
        await add_to_outbox("send_case_study_mail", {"case_study_id": row["id"], "kind": "draft"})
    return Outcome(row)


async def publish(actor: Actor, case_study_id: int) -> Outcome[dict]:
    async with CaseStudy._meta.db.transaction():
        row = await _locked(case_study_id)
        if row is None or not actor.may_touch_product(row["product"]):
            return Outcome.fail("NOT_FOUND", "No such case study.", "id")
        if row["status"] != "approved" or row["approved_digest"] != row["content_digest"]:
            return Outcome.fail("NOT_APPROVED", "Only a story the customer approved, exactly as it "
                                "stands, is published.", "id")
        await _move(row, "published", "case_study.published", actor, published_at=dt.datetime.now(dt.UTC))
    return Outcome(row)


async def withdraw(actor: Actor, case_study_id: int) -> Outcome[dict]:
    async with CaseStudy._meta.db.transaction():
        row = await _locked(case_study_id)
        if row is None or not actor.may_touch_product(row["product"]):
            return Outcome.fail("NOT_FOUND", "No such case study.", "id")
        if row["status"] in ("declined", "withdrawn"):
            return Outcome.fail("WRONG_STATUS", "This case study is already closed.", "id")
        await _move(row, "withdrawn", "case_study.withdrawn", actor, withdrawn_at=dt.datetime.now(dt.UTC),
                    withdrawn_by=actor.name[:150], published_at=None)
    return Outcome(row)
