"""The asking domain's tables, together because they reference each other: campaigns and their
selection audits, asks with their touches and clicks, and the tasks they create. The rules live
beside them (campaigns.py, selection.py, asks.py, tasks.py …) and depend on these, never the
reverse. A task's review is referenced by name (the reviews domain builds on asking).
"""

from __future__ import annotations

from piccolo.columns import (
    JSONB,
    BigSerial,
    Boolean,
    ForeignKey,
    Integer,
    LazyTableReference,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.readable import Readable
from piccolo.table import Table

from models.catalogue.platforms import PlatformProfile
from models.catalogue.products import Product
from models.people.customers import Customer
from models.people.senders import Sender
from models.people.signals import Signal

CAMPAIGN_STATUSES = ("draft", "active", "paused", "finished")
CHANNELS = ("email", "call", "social_dm", "in_app")


class Campaign(Table, tablename="campaign"):
    @classmethod
    def get_readable(cls) -> Readable:
        return Readable(template="%s", columns=[cls.name])

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
    activated_at = Timestamptz(null=True, default=None)
    finished_at = Timestamptz(null=True, default=None)
    signal_watermark = Integer(default=0, help_text="Last signal id this campaign considered")
    sampling_counter = Integer(default=0, help_text="Position of the every-n-th sampling")
    one_off_done = Boolean(default=False)

    def __str__(self) -> str:
        return self.name


class SelectionRun(Table, tablename="selection_run"):
    """The audit of one selection: who was considered, who was chosen, who skipped and why."""

    campaign = ForeignKey(references=Campaign, on_delete=OnDelete.cascade, null=False)
    started_at = Timestamptz(default=TimestamptzNow())
    trigger = Varchar(length=30)
    candidates = Integer(default=0)
    eligible = Integer(default=0)
    selected = Integer(default=0)
    planned = Integer(default=0)
    skipped = JSONB(default={}, help_text="Skip reason -> count")
    sampling = JSONB(default={}, help_text="Rule and seed, to reproduce the draw")
    rules = JSONB(default={}, help_text="The audience rules applied (never sentiment)")


ASK_STATUSES = ("held", "deferred", "planned", "sent", "clicked", "reviewed", "bounced",
                "unsubscribed", "cancelled", "expired")
OPEN_ASK_STATUSES = ("held", "deferred", "planned", "sent", "clicked")


class Ask(Table, tablename="ask"):
    campaign = ForeignKey(references=Campaign, on_delete=OnDelete.restrict, null=False)
    customer = ForeignKey(references=Customer, on_delete=OnDelete.cascade, null=False)
    profile = ForeignKey(references=PlatformProfile, on_delete=OnDelete.restrict, null=True,
                         help_text="Empty while held for approval or deferred")
    channel = Varchar(length=20)
    status = Varchar(length=20, default="planned")
    signal = ForeignKey(references=Signal, on_delete=OnDelete.set_null, null=True)
    routing_reason = Text(default="", help_text="Why this platform was chosen")
    planned_at = Timestamptz()
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    selection_run = ForeignKey(references=SelectionRun, on_delete=OnDelete.set_null, null=True)
    clicked_at = Timestamptz(null=True, default=None)
    reviewed_at = Timestamptz(null=True, default=None)


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


class AskClick(Table, tablename="ask_click"):
    """Every hit on a tracked link; scanners and bursts are kept but not counted as human."""

    id = BigSerial(primary_key=True)
    touch = ForeignKey(references=AskTouch, on_delete=OnDelete.cascade, null=False)
    at = Timestamptz(default=TimestamptzNow())
    method = Varchar(length=10)
    user_agent = Varchar(length=300, default="")
    human = Boolean()
    reason = Varchar(length=60, default="")
TASK_KINDS = ("call_ask", "social_ask", "thank_you", "outreach", "reply", "approval", "mention", "case_study")


class Task(Table, tablename="task"):
    kind = Varchar(length=20)
    title = Varchar(length=300)
    body = Text(default="", help_text="Script or context")
    link = Varchar(length=500, default="")
    status = Varchar(length=10, default="open")
    assignee = Varchar(length=150, default="")
    customer = ForeignKey(references=Customer, on_delete=OnDelete.cascade, null=True)
    review = ForeignKey(references=LazyTableReference("Review", module_path="models.reviews.reviews"),
                        on_delete=OnDelete.cascade, null=True)
    ask = ForeignKey(references=Ask, on_delete=OnDelete.cascade, null=True)
    due_at = Timestamptz(null=True, default=None)
    done_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    outcome = Varchar(length=20, default="", help_text="done, asked, declined or not_reached")
