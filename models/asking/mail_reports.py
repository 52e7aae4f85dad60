"""Mail reports arriving at the bounce address: delivery status notifications (DSN, RFC 3464)
and feedback-loop complaints (ARF, RFC 5965), parsed with the standard library's MIME parser.

- A report names the message it is about by its Message-ID (the returned headers of a DSN, the
  attached original of an ARF report, or `Original-Message-ID`): every touch has a stable one,
  so the report finds its touch, ask and customer. A report that names no touch Plaudit sent to
  that recipient is ignored: anyone can mail the bounce address, and a forged report must not
  suppress an address (Message-IDs carry 64 random bits, so they cannot be guessed).
- A hard bounce (`Action: failed`, status 5.x.x) suppresses the address (every customer with
  it in the product), which closes its open asks as bounced (`ask.bounced`); the touch records
  the diagnostic.
- A soft bounce (`Action: delayed`, or failed with 4.x.x) puts the touch back in the queue an
  hour later; the touch's attempt bound (models/asking/sending.py MAX_ATTEMPTS) ends it.
- A complaint (ARF `Feedback-Type: abuse`, or any feedback report) suppresses the address as
  complained and records it in the audit trail.
Reports are idempotent: suppression touches only addresses still `ok`, a retry only a touch
still `sent`.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
from dataclasses import dataclass, field
from email.message import Message

from models.access.audit import record_audit
from models.asking.sending import MAX_ATTEMPTS
from models.asking.suppression import suppress_address
from models.asking.tables import AskTouch
from models.core.actors import Actor

MAX_REPORT_BYTES = 1024 * 1024
SOFT_RETRY = dt.timedelta(hours=1)
REPORTER = Actor(kind="system", name="mail-reports", scopes=frozenset({"admin"}))
_ADDRESS = re.compile(r"^(?:rfc822;)?\s*<?([^<>\s;]+@[^<>\s;]+)>?\s*$", re.I)
_STATUS = re.compile(r"^([245])\.\d{1,3}\.\d{1,3}")


@dataclass
class Failure:
    address: str
    kind: str  # hard | soft
    status: str
    diagnostic: str


@dataclass
class Report:
    kind: str  # dsn | complaint | unknown
    message_id: str | None = None
    failures: list[Failure] = field(default_factory=list)
    complainant: str | None = None  # the address that complained (ARF Original-Rcpt-To)
    feedback_type: str = ""


def _address(value: str | None) -> str | None:
    match = _ADDRESS.match((value or "").strip())
    return match.group(1).lower()[:254] if match else None


def _message_id_from(part: Message) -> str | None:
    """The Message-ID of the original, from a returned message or its headers."""
    payload = part.get_payload()
    inner = payload[0] if isinstance(payload, list) and payload else None
    if isinstance(inner, Message) and inner.get("Message-ID"):
        return str(inner["Message-ID"]).strip()[:200]
    if isinstance(payload, str):
        headers = email.message_from_string(payload, policy=email.policy.compat32)
        if headers.get("Message-ID"):
            return str(headers["Message-ID"]).strip()[:200]
    return None


def parse_report(raw: bytes) -> Report:
    """What a report says. Anything else (an out-of-office reply, spam) is `unknown`."""
    if len(raw) > MAX_REPORT_BYTES:
        return Report("unknown")
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    if message.get_content_type() != "multipart/report":
        return Report("unknown")
    report_type = (message.get_param("report-type") or "").lower()
    report = Report("dsn" if report_type == "delivery-status" else
                    "complaint" if report_type == "feedback-report" else "unknown")
    for part in message.walk():
        content_type = part.get_content_type()
        if content_type in ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers"):
            report.message_id = report.message_id or _message_id_from(part)
        elif content_type == "message/delivery-status" and report.kind == "dsn":
            blocks = part.get_payload()
            if not isinstance(blocks, list):
                continue
            for block in blocks[1:101]:  # the first block is about the message, the rest per recipient
                action = (block.get("Action") or "").strip().lower()
                status = (block.get("Status") or "").strip()
                address = _address(block.get("Final-Recipient") or block.get("Original-Recipient"))
                match = _STATUS.match(status)
                if address is None or action not in ("failed", "delayed") or not match:
                    continue
                kind = "hard" if action == "failed" and match.group(1) == "5" else "soft"
                report.failures.append(Failure(address, kind, status[:20],
                                               str(block.get("Diagnostic-Code") or "")[:300]))
        elif content_type == "message/feedback-report" and report.kind == "complaint":
            payload = part.get_payload()
            fields = payload[0] if isinstance(payload, list) and payload else None
            if fields is None and isinstance(payload, str):
                fields = email.message_from_string(payload, policy=email.policy.compat32)
            if fields is not None:
                report.feedback_type = str(fields.get("Feedback-Type") or "").strip().lower()[:40]
                report.complainant = _address(fields.get("Original-Rcpt-To"))
                report.message_id = report.message_id or (
                    str(fields["Original-Message-ID"]).strip()[:200]
                    if fields.get("Original-Message-ID") else None)
    return report


@dataclass
class Applied:
    kind: str
    suppressed: list[int] = field(default_factory=list)  # customer ids
    retried: list[int] = field(default_factory=list)  # touch ids
    note: str = ""


async def _touch(message_id: str | None) -> dict | None:
    if not message_id:
        return None
    rows = await AskTouch.raw(
        "SELECT t.id, t.status, t.attempts, c.email, c.product FROM ask_touch t JOIN ask a ON a.id = t.ask "
        "JOIN customer c ON c.id = a.customer WHERE t.message_id = {}", message_id)
    return rows[0] if rows else None



async def apply_report(report: Report, now: dt.datetime | None = None) -> Applied:
    """Act on a parsed report (safe to run twice)."""
    now = now or dt.datetime.now(dt.UTC)
    touch = await _touch(report.message_id)
    if touch is None or touch["status"] == "scheduled" and touch["attempts"] == 0:
        return Applied("ignored", note="names no message Plaudit sent")
    address = touch["email"].lower()
    if report.kind == "complaint":
        applied = Applied("complaint")
        outcome = await suppress_address(REPORTER, address, "complaint", touch["product"])
        applied.suppressed += outcome.value.customer_ids if outcome.ok else []
        await record_audit(REPORTER, "mail.complaint", "ask_touch", touch["id"],
                           {"feedback_type": report.feedback_type or "abuse"})
        return applied
    if report.kind != "dsn" or not report.failures:
        return Applied("ignored", note="not a delivery failure report")
    applied = Applied("dsn")
    for failure in report.failures:
        if failure.address != address:
            continue  # the report is about another recipient than the one this touch went to
        if failure.kind == "hard":
            outcome = await suppress_address(REPORTER, address, "bounce", touch["product"])
            applied.suppressed += outcome.value.customer_ids if outcome.ok else []
            await AskTouch.raw("UPDATE ask_touch SET status = 'failed', failure_reason = {} "
                               "WHERE id = {} AND status = 'sent'",
                               f"bounced {failure.status}: {failure.diagnostic}"[:500], touch["id"])
        else:
            # Back in the queue an hour later, the attempt bound still counting.
            rows = await AskTouch.raw(
                "UPDATE ask_touch SET "
                "status = CASE WHEN attempts >= {} THEN 'failed' ELSE 'scheduled' END, "
                "scheduled_at = {}, failure_reason = {} WHERE id = {} AND status = 'sent' "
                "RETURNING id, status",
                MAX_ATTEMPTS, now + SOFT_RETRY, f"delayed {failure.status}: {failure.diagnostic}"[:500],
                touch["id"])
            applied.retried += [r["id"] for r in rows if r["status"] == "scheduled"]
    return applied
