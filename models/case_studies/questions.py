"""The questions a case study asks, per product and locale (Plaudit's defaults until a product
sets its own). Each invitation keeps the questions as they were asked."""

from __future__ import annotations

import json

from models.access.audit import record_audit
from models.case_studies.tables import CaseStudyQuestions
from models.catalogue.products import Product
from models.core.actors import Actor
from models.core.results import Outcome, UserError

LOCALES = ("en", "fr")
MAX_QUESTIONS = 10
MAX_QUESTION = 300
DEFAULTS = {
    "en": ["What was your team trying to achieve before you started with {product}?",
           "What did you try before, and what got in the way?",
           "How do you use {product} day to day?",
           "What has changed since — in time, money or results? Figures help.",
           "What would you tell a team like yours that is weighing {product}?"],
    "fr": ["Que cherchait à accomplir votre équipe avant d'adopter {product} ?",
           "Qu'aviez-vous essayé avant, et qu'est-ce qui bloquait ?",
           "Comment utilisez-vous {product} au quotidien ?",
           "Qu'est-ce qui a changé depuis — en temps, en argent ou en résultats ? Les chiffres aident.",
           "Que diriez-vous à une équipe comme la vôtre qui hésite à choisir {product} ?"],
}


def locale_of(locale: str | None) -> str:
    return "fr" if (locale or "").startswith("fr") else "en"


async def questions_for(product_id: int, locale: str) -> list[str]:
    locale = locale_of(locale)
    row = await CaseStudyQuestions.select(CaseStudyQuestions.questions).where(
        (CaseStudyQuestions.product == product_id) & (CaseStudyQuestions.locale == locale)).first()
    if row is not None:
        stored = row["questions"]
        return list(json.loads(stored) if isinstance(stored, str) else stored)
    name = (await Product.select(Product.name).where(Product.id == product_id).first() or {}).get("name", "")
    return [q.format(product=name) for q in DEFAULTS[locale]]


def check_questions(questions: list[str]) -> list[UserError]:
    cleaned = [q.strip() for q in questions]
    if not 1 <= len(cleaned) <= MAX_QUESTIONS:
        return [UserError("QUESTION_COUNT", f"Ask between 1 and {MAX_QUESTIONS} questions.", ("questions",))]
    if any(not q or len(q) > MAX_QUESTION for q in cleaned):
        return [UserError("INVALID_QUESTION", f"Each question is 1 to {MAX_QUESTION} characters.",
                          ("questions",))]
    if len(set(cleaned)) != len(cleaned):
        return [UserError("DUPLICATE_QUESTION", "Each question once.", ("questions",))]
    return []


async def set_questions(actor: Actor, product_id: int, locale: str, questions: list[str]
                        ) -> Outcome[list[str]]:
    """Replace a product's questions for one locale (invitations already sent keep theirs)."""
    if locale not in LOCALES:
        return Outcome.fail("INVALID_LOCALE", f"The locale is one of {', '.join(LOCALES)}.", "locale")
    if not actor.may_touch_product(product_id) or not await Product.exists().where(Product.id == product_id):
        return Outcome.fail("NOT_FOUND", "No such product.", "productId")
    errors = check_questions(questions)
    if errors:
        return Outcome(errors=errors)
    cleaned = [q.strip() for q in questions]
    async with CaseStudyQuestions._meta.db.transaction():
        await CaseStudyQuestions.raw(
            "INSERT INTO case_study_questions (product, locale, questions) VALUES ({}, {}, {}::jsonb) "
            "ON CONFLICT (product, locale) DO UPDATE SET questions = EXCLUDED.questions, updated_at = now()",
            product_id, locale, json.dumps(cleaned))
        await record_audit(actor, "case_study.questions", "product", product_id,
                           {"locale": locale, "count": len(cleaned)})
    return Outcome(cleaned)
