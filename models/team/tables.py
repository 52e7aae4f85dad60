"""The team's tables: the roster per product and the shout-outs found in customers' words."""

from __future__ import annotations

from piccolo.columns import Array, Boolean, ForeignKey, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.readable import Readable
from piccolo.table import Table

from models.catalogue.products import Product
from models.people.senders import Sender
from models.quotes.tables import Quote
from models.reviews.reviews import Review

POLARITIES = ("positive", "negative", "neutral")


class TeamMember(Table, tablename="team_member"):
    @classmethod
    def get_readable(cls) -> Readable:
        return Readable(template="%s", columns=[cls.name])

    product = ForeignKey(references=Product, on_delete=OnDelete.cascade, null=False)
    name = Varchar(length=120)
    aliases = Array(base_column=Varchar(length=40), default=list,
                    help_text="First names they go by (Mimi for Marie)")
    role = Varchar(length=120, default="", help_text="e.g. Support — also tells two Maries apart")
    email = Varchar(length=254)
    locale = Varchar(length=5, default="en")
    sender = ForeignKey(references=Sender, on_delete=OnDelete.set_null, null=True, default=None)
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())


class ShoutOut(Table, tablename="shout_out"):
    product = ForeignKey(references=Product, on_delete=OnDelete.cascade, null=False)
    member = ForeignKey(references=TeamMember, on_delete=OnDelete.cascade, null=False)
    source = Varchar(length=10, help_text="review or praise")
    review = ForeignKey(references=Review, on_delete=OnDelete.cascade, null=True)
    quote = ForeignKey(references=Quote, on_delete=OnDelete.cascade, null=True)
    written = Varchar(length=120, default="", help_text="The name as the customer wrote it")
    words = Text(default="", help_text="The sentence that names them, verbatim")
    polarity = Varchar(length=10)
    routed_to = Varchar(length=15, help_text="member (told by mail) or account_owner (a task)")
    owner = Varchar(length=150, default="")
    mailed_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
