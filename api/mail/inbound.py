"""The bounce address's SMTP server: `plaudit mail-in` receives delivery status notifications
and complaint reports (point the bounce address's MX, or your MTA's forward, at it) and hands
each to models/asking/mail_reports.py.

It accepts mail only for the bounce address (`PLAUDIT_BOUNCE_ADDRESS`, plus `+tag` variants),
at most 1 MB per message, and answers 451 (try again later) when the database is unavailable,
so the sending MTA keeps the report. The server runs in the caller's event loop (aiosmtpd's
protocol on `loop.create_server`), sharing its database pool.
"""

from __future__ import annotations

import asyncio
import logging

from aiosmtpd.smtp import SMTP, Envelope, Session

from models.asking.mail_reports import MAX_REPORT_BYTES, apply_report, parse_report

log = logging.getLogger("plaudit.mail_in")


def _local_and_domain(address: str) -> tuple[str, str]:
    local, _, domain = address.lower().rpartition("@")
    return local.split("+", 1)[0], domain


class ReportHandler:
    def __init__(self, bounce_address: str) -> None:
        self.accepts = _local_and_domain(bounce_address)

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,  # noqa: N802
                          address: str, rcpt_options: list[str]) -> str:
        if _local_and_domain(address) != self.accepts:
            return "550 5.1.1 Only reports for the bounce address are accepted here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "replace")
        try:
            applied = await apply_report(parse_report(raw))
        except Exception:  # the sending MTA keeps the report and tries again
            log.warning("mail report not processed; asked the sender to retry", exc_info=True)
            return "451 4.3.0 Try again later"
        log.info("mail report: %s (%d suppressed, %d retried)", applied.kind, len(applied.suppressed),
                 len(applied.retried))
        return "250 OK"


async def serve(bounce_address: str, host: str, port: int) -> asyncio.Server:
    handler = ReportHandler(bounce_address)
    loop = asyncio.get_running_loop()
    return await loop.create_server(
        lambda: SMTP(handler, data_size_limit=MAX_REPORT_BYTES, enable_SMTPUTF8=True,
                     hostname="plaudit-mail-in"), host=host, port=port)
