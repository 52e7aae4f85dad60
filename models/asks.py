"""Asks (review requests) and their touches: first send and each follow-up."""

from __future__ import annotations

from piccolo.columns import ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from models.campaigns import Campaign
from models.customers import Customer
from models.platforms import PlatformProfile
from models.signals import Signal

ASK_STATUSES = ("planned", "sent", "clicked", "reviewed", "bounced", "unsubscribed",
                "cancelled", "expired")
OPEN_ASK_STATUSES = ("planned", "sent", "clicked")


class Ask(Table, tablename="ask"):
    campaign = ForeignKey(references=Campaign, on_delete=OnDelete.restrict, null=False)
    customer = ForeignKey(references=Customer, on_delete=OnDelete.cascade, null=False)
    profile = ForeignKey(references=PlatformProfile, on_delete=OnDelete.restrict, null=False)
    channel = Varchar(length=20)
    status = Varchar(length=20, default="planned")
    signal = ForeignKey(references=Signal, on_delete=OnDelete.set_null, null=True)
    routing_reason = Text(default="", help_text="Why this platform was chosen")
    planned_at = Timestamptz()
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class AskTouch(Table, tablename="ask_touch"):
    ask = ForeignKey(references=Ask, on_delete=OnDelete.cascade, null=False)
    seq = Integer(help_text="0 is the first send, then each follow-up")
    message_id = Varchar(length=200, unique=True)
    status = Varchar(length=20, default="scheduled")
    scheduled_at = Timestamptz()
    sent_at = Timestamptz(null=True, default=None)
    subject = Text(default="")
    body_text = Text(default="")
    body_html = Text(default="")
    failure_reason = Text(default="")
    attempts = Integer(default=0)
