"""Asks (review requests) and their touches: first send and each follow-up."""

from __future__ import annotations

from piccolo.columns import (
    BigSerial,
    Boolean,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from models.campaigns import Campaign, SelectionRun
from models.customers import Customer
from models.platforms import PlatformProfile
from models.signals import Signal

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


def new_message_id(ask_id: int, seq: int) -> str:
    """A stable, unique Message-ID for one touch, fixed before the first send attempt."""
    import secrets
    from urllib.parse import urlsplit

    import settings

    host = urlsplit(settings.SETTINGS.public_base_url).hostname or "plaudit.local"
    return f"<ask{ask_id}.{seq}.{secrets.token_hex(8)}@{host}>"


async def insert_planned_asks(campaign, plans: list[dict], now) -> int:
    """Write the asks of one run with their first touch (email) or task (call, social DM).

    Returns how many asks were planned for sending (held and deferred ones excluded).
    """
    import json

    from models.tasks import Task

    if not plans:
        return 0
    payload = json.dumps([{
        "campaign": campaign.id, "customer": p["customer"], "profile": p["profile"],
        "channel": p["channel"], "status": p["status"], "signal": p["signal"],
        "routing_reason": p["routing_reason"], "planned_at": p["planned_at"].isoformat(),
    } for p in plans])
    cols = "campaign, customer, profile, channel, status, signal, routing_reason, planned_at"
    rows = await Ask.raw(
        f"INSERT INTO ask ({cols}) SELECT {cols} FROM jsonb_populate_recordset(NULL::ask, {{}}::jsonb) "
        "ON CONFLICT DO NOTHING RETURNING id, customer, status, channel, planned_at", payload)
    touches, tasks = [], []
    for row in rows:
        if row["status"] == "held":
            tasks.append({"kind": "approval", "title": f"Approve review ask #{row['id']} "
                          "(notable customer)", "customer": row["customer"], "ask": row["id"],
                          "body": "This customer is flagged notable: check the timing and wording, "
                                  "then approve the ask in the admin."})
        elif row["status"] != "planned":
            continue
        elif row["channel"] == "email":
            touches.append({"ask": row["id"], "seq": 0, "message_id": new_message_id(row["id"], 0),
                            "status": "scheduled", "scheduled_at": row["planned_at"].isoformat()})
        elif row["channel"] in ("call", "social_dm"):
            tasks.append({"kind": "call_ask" if row["channel"] == "call" else "social_ask",
                          "title": f"Ask customer #{row['customer']} for a review "
                                   f"({'call' if row['channel'] == 'call' else 'social DM'})",
                          "customer": row["customer"], "ask": row["id"],
                          "due_at": row["planned_at"].isoformat()})
    if touches:
        tcols = "ask, seq, message_id, status, scheduled_at"
        await Ask.raw(f"INSERT INTO ask_touch ({tcols}) SELECT {tcols} FROM "
                      "jsonb_populate_recordset(NULL::ask_touch, {}::jsonb)", json.dumps(touches))
    if tasks:
        await Task.insert(*[Task(**t) for t in tasks])
    return sum(1 for r in rows if r["status"] == "planned")


async def cancel_open_asks(*, campaign_id: int | None = None, customer_id: int | None = None,
                           reason: str, status: str = "cancelled") -> int:
    """Close open asks and cancel their pending touches (finish, unsubscribe, suppression)."""
    where, args = [], []
    if campaign_id is not None:
        where.append("campaign = {}")
        args.append(campaign_id)
    if customer_id is not None:
        where.append("customer = {}")
        args.append(customer_id)
    rows = await Ask.raw(
        f"UPDATE ask SET status = {{}}, updated_at = now(), routing_reason = routing_reason "
        f"WHERE {' AND '.join(where)} AND status IN ('held', 'deferred', 'planned', 'sent', 'clicked') "
        "RETURNING id", status, *args)
    ids = [r["id"] for r in rows]
    if ids:
        await AskTouch.raw(
            "UPDATE ask_touch SET status = 'cancelled', failure_reason = {} "
            "WHERE ask = ANY({}::int[]) AND status = 'scheduled'", reason, ids)
    return len(ids)
