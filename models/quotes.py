"""Quotes: verbatim excerpts, their consent per placement, and curation status."""

from __future__ import annotations

from piccolo.columns import Boolean, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from models.customers import Customer
from models.products import Product
from models.reviews import Review

QUOTE_STATUSES = ("candidate", "consent_requested", "approved", "published", "retired", "rejected")
PLACEMENTS = ("home_page", "product_page", "email", "ad", "social")
CONSENT_STATES = ("requested", "granted", "declined", "revoked")


class Quote(Table, tablename="quote"):
    product = ForeignKey(references=Product, on_delete=OnDelete.cascade, null=False)
    source = Varchar(length=20, help_text="review, or praise captured with 'Can I quote you?'")
    review = ForeignKey(references=Review, on_delete=OnDelete.cascade, null=True)
    customer = ForeignKey(references=Customer, on_delete=OnDelete.cascade, null=True)
    text = Text(help_text="Verbatim; trimming only with an ellipsis")
    attribution_name = Varchar(length=200, default="")
    attribution_title = Varchar(length=200, default="")
    attribution_company = Varchar(length=200, default="")
    photo_url = Varchar(length=500, default="")
    status = Varchar(length=20, default="candidate")
    position = Integer(default=0)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class QuoteConsent(Table, tablename="quote_consent"):
    quote = ForeignKey(references=Quote, on_delete=OnDelete.cascade, null=False)
    placement = Varchar(length=20)
    state = Varchar(length=20, default="requested")
    requested_at = Timestamptz(default=TimestamptzNow())
    decided_at = Timestamptz(null=True, default=None)
    published = Boolean(default=False)
