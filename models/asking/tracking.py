"""What customers do with an ask: clicks on the tracked link, one-click unsubscribes."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass

from models.asking.asks import cancel_open_asks
from models.asking.attribution import tracked_url
from models.asking.tables import Ask, AskClick, AskTouch
from models.core.links import make_token
from models.events.events import record_event, record_events
from models.people.customers import Customer

# Mail security gateways and link previewers fetch every link of a message; their
# hits are kept for the record but are not a person clicking.
SCANNER_AGENTS = re.compile(
    r"bot|crawl|spider|preview|scan|proofpoint|mimecast|barracuda|safelinks|urldefense|"
    r"microsoft office|outlook-ios|msoffice|go-http-client|python-requests|python-urllib|curl|wget|"
    r"headless|phantom|slack|whatsapp|facebookexternalhit|linkedinbot|skypeuripreview",
    re.IGNORECASE)
BURST_WINDOW = dt.timedelta(seconds=1)


@dataclass
class ClickResult:
    # The stored review URL of the routed profile, with its tracking: the link leads nowhere else.
    redirect_to: str | None
    human: bool = False
    reason: str = ""


async def record_click(touch_id: int, method: str, user_agent: str,
                       now: dt.datetime | None = None) -> ClickResult:
    now = now or dt.datetime.now(dt.UTC)
    async with Ask._meta.db.transaction():
        rows = await Ask.raw(
            "SELECT t.ask, a.status, a.customer, a.campaign, a.channel, k.product, p.review_url, "
            "p.tracking, pl.key AS platform_key "
            "FROM ask_touch t JOIN ask a ON a.id = t.ask JOIN campaign k ON k.id = a.campaign "
            "JOIN platform_profile p ON p.id = a.profile JOIN review_platform pl ON pl.id = p.platform "
            "WHERE t.id = {} FOR UPDATE OF a", touch_id)
        if not rows:
            return ClickResult(redirect_to=None)
        row = rows[0]
        previous = await AskClick.select(AskClick.at).where(AskClick.touch == touch_id).order_by(
            AskClick.at, ascending=False).first()
        if method.upper() == "HEAD":
            human, reason = False, "HEAD request"
        elif SCANNER_AGENTS.search(user_agent or "") or not user_agent:
            human, reason = False, "link scanner"
        elif previous is not None and now - previous["at"] < BURST_WINDOW:
            human, reason = False, "sub-second burst"
        else:
            human, reason = True, ""
        await AskClick.insert(AskClick(touch=touch_id, at=now, method=method.upper()[:10],
                                       user_agent=(user_agent or "")[:300], human=human, reason=reason))
        if human and row["status"] in ("planned", "sent"):
            await Ask.raw("UPDATE ask SET status = 'clicked', clicked_at = {}, updated_at = now() "
                          "WHERE id = {}", now, row["ask"])
            # The clicked touch reached the customer (a call's or a DM's link is clicked before
            # its task is closed); what was still to come is not needed any more.
            await AskTouch.raw("UPDATE ask_touch SET status = 'sent', sent_at = coalesce(sent_at, {}) "
                               "WHERE id = {} AND status = 'scheduled'", now, touch_id)
            await AskTouch.raw("UPDATE ask_touch SET status = 'cancelled', failure_reason = 'clicked' "
                               "WHERE ask = {} AND status = 'scheduled'", row["ask"])
            await record_event("ask.clicked", row["product"], {
                "ask": row["ask"], "touch": touch_id, "customer": row["customer"],
                "campaign": row["campaign"], "channel": row["channel"]}, occurred_at=now)
    # The stored review URL, with the tracking that brings the ask back in the platform's export.
    stored = row["tracking"]
    stored = json.loads(stored) if isinstance(stored, str) else stored
    return ClickResult(redirect_to=tracked_url(row["review_url"], row["platform_key"], stored,
                                               make_token("click", touch_id), row["campaign"]),
                       human=human, reason=reason)


async def unsubscribe(touch_id: int, now: dt.datetime | None = None) -> bool:
    """Suppress the customer at once: every open ask closes, no touch goes out again."""
    now = now or dt.datetime.now(dt.UTC)
    async with Ask._meta.db.transaction():
        rows = await Ask.raw("SELECT a.customer FROM ask_touch t JOIN ask a ON a.id = t.ask "
                             "WHERE t.id = {}", touch_id)
        if not rows:
            return False
        # The address is what unsubscribed: every customer row sharing it (other products, a
        # contact the CRM re-created) is suppressed, and all their open asks close.
        rows = await Customer.raw(
            "UPDATE customer SET email_status = 'unsubscribed', suppressed_at = coalesce(suppressed_at, {}), "
            "updated_at = now() WHERE lower(email) = (SELECT lower(email) FROM customer WHERE id = {}) "
            "AND email_status IN ('ok', 'unsubscribed') RETURNING id, product", now, rows[0]["customer"])
        for row in rows:
            await cancel_open_asks(customer_id=row["id"], reason="unsubscribed", status="unsubscribed")
        await record_events("customer.unsubscribed", [
            (row["product"], {"customer": row["id"], "reason": "unsubscribe_link"}) for row in rows],
            occurred_at=now)
    return True
