"""Campaigns: who, when, where and how to ask. Rules arrive with the asking work."""

from __future__ import annotations

from piccolo.columns import JSONB, ForeignKey, Integer, OnDelete, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from models.products import Product
from models.senders import Sender

CAMPAIGN_STATUSES = ("draft", "active", "paused", "finished")
CHANNELS = ("email", "call", "social_dm", "in_app")


class Campaign(Table, tablename="campaign"):
    product = ForeignKey(references=Product, on_delete=OnDelete.restrict, null=False)
    name = Varchar(length=150)
    status = Varchar(length=20, default="draft")
    trigger_kind = Varchar(length=20, default="signal")
    trigger_signal = Varchar(length=30, null=True, default=None)
    audience = JSONB(default={})
    sampling = JSONB(default={"rule": "everyone"})
    channel = Varchar(length=20, default="email")
    sender = ForeignKey(references=Sender, on_delete=OnDelete.restrict, null=True)
    templates = JSONB(default={})
    routing = JSONB(default={"strategy": "need"})
    pacing = JSONB(default={})
    follow_up = JSONB(default={})
    cooldown_days = Integer(default=180)
    incentive = JSONB(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())

    def __str__(self) -> str:
        return self.name
