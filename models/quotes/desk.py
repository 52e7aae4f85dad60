"""The curation desk's read model: each quote beside the review it was cut from, its consent
per placement and whether it awaits a second approval (the `quote_desk` view, schema_004)."""

from piccolo.columns import Boolean, Date, DoublePrecision, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table

from models.catalogue.products import Product


class QuoteDesk(Table, tablename="quote_desk"):
    product = ForeignKey(references=Product)
    status = Varchar(length=20)
    source = Varchar(length=20)
    text = Text()
    attribution_name = Varchar(length=200)
    attribution_company = Varchar(length=200)
    rating = DoublePrecision(null=True)
    platform = Varchar(length=100, null=True)
    reviewed_on = Date(null=True)
    review_text = Text(null=True)
    consent = Text()
    awaits_second_approval = Boolean(null=True)
    position = Integer()
    created_at = Timestamptz()
