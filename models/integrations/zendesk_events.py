"""Zendesk's webhooks, checked as Zendesk specifies and mapped to signals.

Signature: `X-Zendesk-Webhook-Signature` = base64(HMAC-SHA256(timestamp + body)), keyed by the
webhook's signing secret, the timestamp being `X-Zendesk-Webhook-Signature-Timestamp` (ISO
8601); refused more than 5 minutes away from now.

Two payloads are understood (docs/integrations.md):
- Zendesk's ticket events (`zen:event-type:ticket.status_changed`, event schema 2022-11-06):
  the status becoming SOLVED → TICKET_RESOLVED for the requester, matched by external id =
  the Zendesk user id (`detail.requester_id`) — this payload carries no email;
- a trigger's JSON body as given in docs/integrations.md (`"plaudit_format": "ticket"`), which
  carries the requester's email and external id.
One signal per solved ticket (a ticket solved again after reopening is a duplicate).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac

from models.integrations.mapping import Mapped, from_iso, ignored, text

TOLERANCE = dt.timedelta(minutes=5)
STATUS_CHANGED = "zen:event-type:ticket.status_changed"


class BadSignature(Exception):
    def __init__(self, message: str, stale: bool = False) -> None:
        super().__init__(message)
        self.stale = stale


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return base64.b64encode(mac).decode()


def verify(body: bytes, signature: str | None, timestamp: str | None, secret: str,
           now: dt.datetime | None = None) -> None:
    if not signature or not timestamp:
        raise BadSignature("Send X-Zendesk-Webhook-Signature and X-Zendesk-Webhook-Signature-Timestamp.")
    if len(signature) > 100 or len(timestamp) > 40 or not (signature.isascii() and timestamp.isascii()):
        raise BadSignature("Malformed signature headers.")
    if not hmac.compare_digest(sign(secret, timestamp, body), signature):
        raise BadSignature("The signature does not match.")
    moment = from_iso(timestamp)
    now = now or dt.datetime.now(dt.UTC)
    if moment is None or abs(now - moment) > TOLERANCE:
        raise BadSignature("The signature's timestamp is more than 5 minutes away (replay?).", stale=True)


def _solved(value) -> bool:
    if isinstance(value, dict):
        value = value.get("status")
    return isinstance(value, str) and value.strip().lower() == "solved"


def map_event(payload: dict) -> Mapped:
    if payload.get("plaudit_format") == "ticket":  # a trigger's body, as documented
        ticket = text(payload.get("ticket_id"), 40) or ""
        event_id = f"ticket:{ticket}:solved"
        if not ticket:
            return ignored("", "trigger", "no ticket_id")
        if not _solved(payload.get("status")):
            return ignored(event_id, "trigger", "the ticket is not solved")
        return Mapped(event_id, "trigger", kind="ticket_resolved", signal_key=event_id,
                      occurred_at=from_iso(payload.get("solved_at")),
                      external_id=text(payload.get("requester_external_id"), 120),
                      email=text(payload.get("requester_email"), 254), note=f"Zendesk ticket {ticket}")
    event_type = text(payload.get("type"), 120) or ""
    event_id = text(payload.get("id"), 120) or ""
    if event_type != STATUS_CHANGED:
        return ignored(event_id, event_type, "event type not used")
    detail = payload.get("detail") if isinstance(payload.get("detail"), dict) else {}
    event = payload.get("event") if isinstance(payload.get("event"), dict) else {}
    if not _solved(event.get("current")):
        return ignored(event_id, event_type, "the ticket is not solved")
    ticket = text(detail.get("id"), 40) or ""
    return Mapped(event_id, event_type, kind="ticket_resolved", signal_key=f"ticket:{ticket}:solved",
                  occurred_at=from_iso(payload.get("time")),
                  external_id=text(detail.get("requester_id"), 120),
                  note=f"Zendesk ticket {ticket}")
