"""The quotes domain's tables: quotes (verbatim excerpts and their curation trail) and the
reviewer's consent per placement. The rules live in quotes.py, rules.py and consent.py."""

from __future__ import annotations

from piccolo.columns import Boolean, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.readable import Readable
from piccolo.table import Table

from models.catalogue.products import Product
from models.people.customers import Customer
from models.reviews.reviews import Review

QUOTE_STATUSES = ("candidate", "consent_requested", "approved", "published", "retired", "rejected")


PLACEMENTS = ("home_page", "product_page", "email", "ad", "social")


CONSENT_STATES = ("requested", "granted", "declined", "revoked")


DEFAULT_PLACEMENTS = ("home_page", "product_page")


ELLIPSIS = "…"


MAX_QUOTE_LENGTH = 600


class Quote(Table, tablename="quote"):
    @classmethod
    def get_readable(cls) -> Readable:
        return Readable(template="#%s %s", columns=[cls.id, cls.attribution_name])

    product = ForeignKey(references=Product, on_delete=OnDelete.cascade, null=False)
    source = Varchar(length=20, help_text="review, or praise captured with 'Can I quote you?'")
    review = ForeignKey(references=Review, on_delete=OnDelete.cascade, null=True)
    customer = ForeignKey(references=Customer, on_delete=OnDelete.cascade, null=True)
    text = Text(help_text="Verbatim; trimming only with an ellipsis")
    original_text = Text(default="", help_text="The words the quote was cut from")
    attribution_name = Varchar(length=200, default="")
    attribution_title = Varchar(length=200, default="")
    attribution_company = Varchar(length=200, default="")
    photo_url = Varchar(length=500, default="")
    photo_permitted = Boolean(default=False, help_text="The reviewer allowed their photo")
    incentive_disclosure = Text(default="", help_text="Shown with the quote when not empty")
    insider = Boolean(default=False, help_text="Employee or relative: disclosed with the quote")
    consent_email = Varchar(length=254, default="")
    consent_locale = Varchar(length=5, default="en")
    publish_when_consented = Boolean(default=False)
    status = Varchar(length=20, default="candidate")
    position = Integer(default=0, help_text="Order in the showcase: lowest first")
    consent_requested_at = Timestamptz(null=True, default=None)
    consent_requested_by = Varchar(length=150, default="")
    consent_mailed_at = Timestamptz(null=True, default=None)
    approved_at = Timestamptz(null=True, default=None)
    approved_by = Varchar(length=150, default="")
    second_approved_at = Timestamptz(null=True, default=None)
    second_approved_by = Varchar(length=150, default="")
    published_at = Timestamptz(null=True, default=None)
    published_by = Varchar(length=150, default="")
    retired_at = Timestamptz(null=True, default=None)
    retired_by = Varchar(length=150, default="")
    rejected_at = Timestamptz(null=True, default=None)
    rejected_by = Varchar(length=150, default="")
    rejection_reason = Text(default="")
    replaced_by = ForeignKey(references="self", on_delete=OnDelete.set_null, null=True)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class QuoteConsent(Table, tablename="quote_consent"):
    quote = ForeignKey(references=Quote, on_delete=OnDelete.cascade, null=False)
    placement = Varchar(length=20)
    state = Varchar(length=20, default="requested")
    requested_at = Timestamptz(default=TimestamptzNow())
    decided_at = Timestamptz(null=True, default=None)
    published = Boolean(default=False)
    published_at = Timestamptz(null=True, default=None)
