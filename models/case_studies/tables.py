"""Case-study tables: the questions per product and locale, and one story per invited customer."""

from __future__ import annotations

from piccolo.columns import JSONB, ForeignKey, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from models.catalogue.products import Product
from models.people.customers import Customer

STATUSES = ("invited", "accepted", "declined", "answered", "drafted", "approved", "published",
            "withdrawn")
CLOSED = ("declined", "withdrawn")


class CaseStudyQuestions(Table, tablename="case_study_questions"):
    product = ForeignKey(references=Product, on_delete=OnDelete.cascade, null=False)
    locale = Varchar(length=5)
    questions = JSONB(default=[])
    updated_at = Timestamptz(default=TimestamptzNow())


class CaseStudy(Table, tablename="case_study"):
    product = ForeignKey(references=Product, on_delete=OnDelete.cascade, null=False)
    customer = ForeignKey(references=Customer, on_delete=OnDelete.cascade, null=False)
    locale = Varchar(length=5, default="en")
    status = Varchar(length=20, default="invited")
    questions = JSONB(default=[], help_text="The questions as asked")
    answers = JSONB(default={}, help_text="The customer's words, verbatim, by question number")
    title = Varchar(length=200, default="")
    sections = JSONB(default=[], help_text="[{heading, body, answer}] — answer: a question number")
    company = Varchar(length=200, default="")
    attribution_name = Varchar(length=200, default="")
    attribution_title = Varchar(length=200, default="")
    logo_url = Varchar(length=500, default="")
    backlink_url = Varchar(length=500, default="", help_text="The customer's site: the win-win")
    content_digest = Varchar(length=64, default="")
    approved_digest = Varchar(length=64, default="")
    feedback = Text(default="", help_text="What the customer asked to change")
    selection = JSONB(default={}, help_text="The fair selection that invited them")
    invited_at = Timestamptz(default=TimestamptzNow())
    invite_mailed_at = Timestamptz(null=True, default=None)
    decided_at = Timestamptz(null=True, default=None)
    answered_at = Timestamptz(null=True, default=None)
    drafted_at = Timestamptz(null=True, default=None)
    draft_mailed_at = Timestamptz(null=True, default=None)
    approved_at = Timestamptz(null=True, default=None)
    published_at = Timestamptz(null=True, default=None)
    withdrawn_at = Timestamptz(null=True, default=None)
    withdrawn_by = Varchar(length=150, default="")
    updated_at = Timestamptz(default=TimestamptzNow())
