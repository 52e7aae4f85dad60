"""Sending a touch: claim it, check again that it may go, compose it, record the outcome.

A touch is claimed (scheduled → sending) under a row lock, so two workers never
send it at once; suppression and the ask's state are checked again at send
time; a claim older than CLAIM_TIMEOUT (a worker died mid-send) may be taken
again, and the retry reuses the touch's Message-ID.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from email.charset import QP, Charset
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr

from models.asking.asks import cancel_open_asks, message_host
from models.asking.follow_ups import follow_up_slot, template_for
from models.asking.messages import MessageDraft, RenderedMessage, render_message
from models.asking.send_rules import FACTS_SQL, send_refusal
from models.asking.tables import Ask, AskTouch
from models.core.links import click_url, unsubscribe_url
from models.core.mail_addresses import display_name

# How long a claimed touch belongs to its worker before another may take it over (a worker
# killed mid-send). Fault drills shorten it to see the take-over within their run.
CLAIM_TIMEOUT = dt.timedelta(seconds=int(os.environ.get("PLAUDIT_CLAIM_TIMEOUT_SECONDS", "600")))
# Quoted-printable keeps the text readable in the raw message (and to spam filters).
QUOTED_PRINTABLE_UTF8 = Charset("utf-8")
QUOTED_PRINTABLE_UTF8.body_encoding = QP
MAX_ATTEMPTS = 5
SENDABLE_ASK_STATUSES = ("planned", "sent")


@dataclass
class Claim:
    touch_id: int
    message: Message | None = None
    attempts: int = 0
    rendered: RenderedMessage | None = None  # kept on the touch for audit, sent or failed
    skipped: str | None = None  # why nothing is to be sent
    not_before: dt.datetime | None = None


_ROW = """t.id, t.seq, t.status, t.scheduled_at, t.message_id, t.attempts,
          a.id AS ask_id, a.status AS ask_status, a.profile, c.id AS customer_id,
          c.email, c.first_name, c.last_name, c.company, c.locale, c.email_status,
          k.status AS campaign_status, k.templates, k.incentive, k.product, k.follow_up,
          k.id AS campaign_id, k.pacing, c.time_zone,
          s.name AS sender_name, s.title AS sender_title, s.email AS sender_email,
          p.review_url, pl.name AS platform_name, pr.name AS product_name,
          """ + FACTS_SQL
# Suppression is by address: a row suppressed elsewhere under the same email counts too
# (selection applies the same rule from one set of suppressed addresses per chunk).
ADDRESS_STATUS = ("CASE WHEN c.email_status <> 'ok' THEN c.email_status WHEN EXISTS (SELECT 1 FROM "
                  "customer o WHERE lower(o.email) = lower(c.email) AND o.email_status <> 'ok') "
                  "THEN 'suppressed' ELSE 'ok' END")
_JOINS = """ask a JOIN customer c ON c.id = a.customer
          JOIN campaign k ON k.id = a.campaign LEFT JOIN sender s ON s.id = k.sender
          JOIN platform_profile p ON p.id = a.profile
          JOIN review_platform pl ON pl.id = p.platform JOIN product pr ON pr.id = k.product"""


async def claim_touch(touch_id: int, now: dt.datetime | None = None) -> Claim:
    """Claim a touch for sending. The usual case — due, sendable — is one UPDATE; anything
    else takes the careful path that finds out why and tidies up."""
    now = now or dt.datetime.now(dt.UTC)
    rows = await AskTouch.raw(
        f"""UPDATE ask_touch t SET status = 'sending', attempts = t.attempts + 1, scheduled_at = {{}}
            FROM {_JOINS}
            WHERE t.id = {{}} AND a.id = t.ask AND t.status = 'scheduled' AND t.scheduled_at <= {{}}
              AND c.email_status = 'ok' AND a.status IN ('planned', 'sent') AND k.status = 'active'
              AND NOT EXISTS (SELECT 1 FROM customer o WHERE lower(o.email) = lower(c.email)
                              AND o.email_status <> 'ok')
              AND t.attempts < {{}}
            RETURNING {_ROW}""", now, touch_id, now, MAX_ATTEMPTS)
    if rows:
        # Claimed; the rules selection applied are checked again on today's facts.
        refusal = send_refusal(rows[0])
        if refusal is not None:
            await refuse(rows[0], refusal)
            return Claim(touch_id, skipped=refusal)
        if rows[0]["seq"] > 0:  # a follow-up goes in business hours, within the caps
            later = await _follow_up_later(rows[0], now)
            if later is not None:
                return later
        message, rendered = compose(rows[0])
        # RETURNING gives the row as updated: attempts already counts this one.
        return Claim(touch_id, message=message, rendered=rendered, attempts=rows[0]["attempts"])
    return await _claim_carefully(touch_id, now)


FOLLOW_UP_SLACK = dt.timedelta(minutes=1)


async def _follow_up_later(row: dict, now: dt.datetime) -> Claim | None:
    """A claimed follow-up outside the recipient's business hours or over the caps goes back to
    the queue for its slot (the claim undone); None when it may go now."""
    slot = await follow_up_slot(row["id"], row["campaign_id"], row["time_zone"], row["pacing"], now)
    if slot <= now + FOLLOW_UP_SLACK:
        return None
    await AskTouch.raw("UPDATE ask_touch SET status = 'scheduled', attempts = attempts - 1, "
                       "scheduled_at = {} WHERE id = {} AND status = 'sending'", slot, row["id"])
    return Claim(row["id"], skipped="waits for business hours", not_before=slot)


async def refuse(row: dict, reason: str) -> None:
    """A touch that would break a rule: it and the ask's later touches are cancelled with the
    reason; a first touch cancels the ask itself (nobody was asked)."""
    await AskTouch.raw("UPDATE ask_touch SET status = 'cancelled', failure_reason = {} "
                       "WHERE ask = {} AND seq >= {} AND status IN ('scheduled', 'sending')",
                       reason[:500], row["ask_id"], row["seq"])
    if row["seq"] == 0:
        await Ask.raw("UPDATE ask SET status = 'cancelled', updated_at = now() "
                      "WHERE id = {} AND status IN ('planned', 'held', 'deferred')", row["ask_id"])


async def _claim_carefully(touch_id: int, now: dt.datetime) -> Claim:
    async with Ask._meta.db.transaction():
        rows = await Ask.raw(
            f"SELECT {_ROW.replace('c.email_status', ADDRESS_STATUS + ' AS email_status')} "
            f"FROM ask_touch t JOIN {_JOINS} ON a.id = t.ask WHERE t.id = {{}} FOR UPDATE OF t, a",
            touch_id)
        if not rows:
            return Claim(touch_id, skipped="missing")
        row = rows[0]
        if row["status"] in ("sent", "cancelled", "failed"):
            return Claim(touch_id, skipped=f"already {row['status']}")
        # A claim moves scheduled_at to the claim time: a fresh 'sending' touch belongs to
        # a live worker, an old one was abandoned by a dead worker and is taken over.
        if row["status"] == "sending" and row["scheduled_at"] > now - CLAIM_TIMEOUT:
            return Claim(touch_id, skipped="being sent")
        if row["attempts"] >= MAX_ATTEMPTS:
            await _set_touch(touch_id, "failed", f"gave up after {row['attempts']} attempts")
            return Claim(touch_id, skipped="too many attempts")
        if row["email_status"] != "ok":
            status = "unsubscribed" if row["email_status"] == "unsubscribed" else "cancelled"
            await cancel_open_asks(customer_id=row["customer_id"], reason="suppressed", status=status)
            return Claim(touch_id, skipped="suppressed")
        if row["ask_status"] not in SENDABLE_ASK_STATUSES:
            await _set_touch(touch_id, "cancelled", f"ask is {row['ask_status']}")
            return Claim(touch_id, skipped=f"ask {row['ask_status']}")
        if row["campaign_status"] != "active":
            return Claim(touch_id, skipped=f"campaign {row['campaign_status']}",
                         not_before=now + dt.timedelta(minutes=5))
        if row["scheduled_at"] > now:
            return Claim(touch_id, skipped="not due", not_before=row["scheduled_at"])
        refusal = send_refusal(row)
        if refusal is not None:
            await refuse(row, refusal)
            return Claim(touch_id, skipped=refusal)
        if row["seq"] > 0:
            slot = await follow_up_slot(touch_id, row["campaign_id"], row["time_zone"], row["pacing"], now)
            if slot > now + FOLLOW_UP_SLACK:
                await AskTouch.raw("UPDATE ask_touch SET scheduled_at = {} WHERE id = {}", slot, touch_id)
                return Claim(touch_id, skipped="waits for business hours", not_before=slot)
        message, rendered = compose(row)
        await AskTouch.raw("UPDATE ask_touch SET status = 'sending', attempts = attempts + 1, "
                           "scheduled_at = {} WHERE id = {}", now, touch_id)
        return Claim(touch_id, message=message, rendered=rendered, attempts=row["attempts"] + 1)


def compose(row: dict) -> tuple[Message, RenderedMessage]:
    """The MIME message for one touch, and its rendered parts (kept for audit).

    Built with the compat32 MIME classes: the modern EmailMessage API spends ~2 ms per
    message on header objects, ten times the cost of everything else in a send.
    """
    import json

    templates = row["templates"] if isinstance(row["templates"], dict) else json.loads(row["templates"])
    locale = row["locale"] if row["locale"] in templates else next(iter(templates))
    # A follow-up has its own short template, a reminder (models/asking/follow_ups.py).
    template = templates[locale] if row["seq"] == 0 else template_for(row["follow_up"], locale)
    values = {"first_name": row["first_name"] or "", "last_name": row["last_name"] or "",
              "company": row["company"] or "", "product": row["product_name"],
              "platform": row["platform_name"], "sender_name": row["sender_name"] or "",
              "sender_title": row["sender_title"] or "", "review_link": click_url(row["id"])}
    rendered = render_message(MessageDraft(subject=template["subject"], body=template["body"],
                                           locale=locale, sender_name=values["sender_name"],
                                           sender_title=values["sender_title"]), values)
    message = MIMEMultipart("alternative")
    message["Subject"] = Header(rendered.subject, "utf-8")
    # Names reduced to words (models/core/mail_addresses.py): they come from CRMs and forms.
    message["From"] = formataddr((display_name(row["sender_name"]), row["sender_email"]), "utf-8")
    message["To"] = formataddr((display_name(f"{row['first_name']} {row['last_name']}"), row["email"]),
                               "utf-8")
    message["Message-ID"] = row["message_id"]
    message["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    # RFC 8058: a one-click POST to this URL unsubscribes, with no confirmation step.
    message["List-Unsubscribe"] = f"<{unsubscribe_url(row['id'])}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Auto-Submitted"] = "auto-generated"
    message.attach(MIMEText(rendered.text, "plain", QUOTED_PRINTABLE_UTF8))
    message.attach(MIMEText(rendered.html, "html", QUOTED_PRINTABLE_UTF8))
    return message, rendered


async def _set_touch(touch_id: int, status: str, reason: str = "") -> None:
    await AskTouch.raw("UPDATE ask_touch SET status = {}, failure_reason = {} WHERE id = {}",
                       status, reason, touch_id)


async def mark_sent(touch_id: int, rendered: RenderedMessage, now: dt.datetime | None = None) -> None:
    """Record the send, move the ask to 'sent' and schedule the next follow-up, if any — one
    statement, so a send costs no extra round trips and the three changes land together."""
    from models.asking.campaign_rules import DEFAULT_FOLLOW_UP

    now = now or dt.datetime.now(dt.UTC)
    await AskTouch.raw(
        """WITH sent AS (
             UPDATE ask_touch SET status = 'sent', sent_at = {}, failure_reason = '',
                                  subject = {}, body_text = {}, body_html = {}
             WHERE id = {} AND status = 'sending' RETURNING id, ask, seq),
           ask_sent AS (
             UPDATE ask SET status = 'sent', updated_at = now() FROM sent
             WHERE ask.id = sent.ask AND ask.status = 'planned'),
           events AS (  -- models/events/events.py: ask.sent, in the same statement as the send
             INSERT INTO domain_event (type, product, occurred_at, payload)
             SELECT 'ask.sent', k.product, {}, jsonb_build_object('ask', sent.ask, 'touch', sent.id,
                    'sequence', sent.seq, 'customer', a.customer, 'campaign', a.campaign,
                    'channel', a.channel)
             FROM sent JOIN ask a ON a.id = sent.ask JOIN campaign k ON k.id = a.campaign),
           policy AS (
             SELECT sent.ask, sent.seq,
                    coalesce((k.follow_up->>'count')::int, {}) AS count,
                    coalesce((k.follow_up->>'after_days')::int, {}) AS after_days
             FROM sent JOIN ask a ON a.id = sent.ask JOIN campaign k ON k.id = a.campaign)
           INSERT INTO ask_touch (ask, seq, message_id, status, scheduled_at)
           SELECT ask, seq + 1, '<ask' || ask || '.' || (seq + 1) || '.'
                  || left(replace(gen_random_uuid()::text, '-', ''), 16) || '@' || {} || '>',
                  'scheduled', {}::timestamptz + make_interval(days => after_days)
           FROM policy WHERE seq < count
           ON CONFLICT (ask, seq) DO NOTHING  -- a resend after a soft bounce: already scheduled""",
        now, rendered.subject, rendered.text, rendered.html, touch_id, now, DEFAULT_FOLLOW_UP["count"],
        DEFAULT_FOLLOW_UP["after_days"], message_host(), now)


async def mark_failed(touch_id: int, reason: str, *, final: bool,
                      rendered: RenderedMessage | None = None,
                      retry_at: dt.datetime | None = None) -> None:
    """A transient failure puts the touch back in the queue, due again at `retry_at` (the
    dispatcher picks it up then: that is the backoff); the last one fails it, with reason."""
    status = "failed" if final else "scheduled"
    await AskTouch.raw("UPDATE ask_touch SET status = {}, failure_reason = {}, "
                       "scheduled_at = coalesce({}, scheduled_at), "
                       "subject = coalesce({}, subject), body_text = coalesce({}, body_text), "
                       "body_html = coalesce({}, body_html) WHERE id = {} AND status = 'sending'",
                       status, reason[:500], retry_at, rendered and rendered.subject,
                       rendered and rendered.text, rendered and rendered.html, touch_id)


async def due_touches(now: dt.datetime, limit: int = 1000,
                      after: tuple[dt.datetime, int] | None = None) -> list[dict]:
    """Touches to hand to the queue: due soon, or abandoned mid-send by a dead worker — in
    (scheduled_at, id) order, from after `after` (the last row of the previous batch)."""
    after_at, after_id = after or (dt.datetime.min.replace(tzinfo=dt.UTC), 0)
    return await AskTouch.raw(
        "SELECT t.id, t.message_id, t.scheduled_at, t.attempts FROM ask_touch t JOIN ask a ON a.id = t.ask "
        "JOIN campaign k ON k.id = a.campaign WHERE k.status = 'active' AND a.channel = 'email' AND ("
        "(t.status = 'scheduled' AND t.scheduled_at <= {}::timestamptz + interval '2 minutes') OR "
        "(t.status = 'sending' AND t.scheduled_at < {})) AND (t.scheduled_at, t.id) > ({}, {}) "
        "ORDER BY t.scheduled_at, t.id LIMIT {}",
        now, now - CLAIM_TIMEOUT, after_at, after_id, limit)
