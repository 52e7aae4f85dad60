"""Bounces and complaints at the bounce address, over real SMTP: DSNs (RFC 3464) and ARF
reports (RFC 5965) in the shapes mail servers send, to `plaudit mail-in`'s server."""

from __future__ import annotations

import dataclasses

import aiosmtplib
import pytest

import settings
from api.mail.inbound import serve
from jobs.asking.asks import send_touch
from models.access.audit import AuditEvent
from models.asking.funnel import funnel
from models.asking.tables import Ask, AskTouch
from models.people.customers import Customer
from tests.asking.fixtures import free_port
from tests.asking.test_asking_sending import first_touch, planned_world

BOUNCES = "bounces@mail.acme.example"

DSN = """From: MAILER-DAEMON@mx.client.example
To: {bounces}
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="DSN-BOUNDARY"

--DSN-BOUNDARY
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.client.example. I'm sorry to have to inform you that your
message could not be delivered to one or more recipients.

--DSN-BOUNDARY
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.client.example
X-Postfix-Queue-ID: 4Xy1Zq2Mk9z
Arrival-Date: Fri,  4 Dec 2026 10:15:02 +0000

Final-Recipient: rfc822; {recipient}
Original-Recipient: rfc822;{recipient}
Action: {action}
Status: {status}
Remote-MTA: dns; mail.client.example
Diagnostic-Code: smtp; {code} {status} <{recipient}>: Recipient address rejected: User unknown

--DSN-BOUNDARY
Content-Type: text/rfc822-headers

Message-ID: {message_id}
From: Camille Martin <camille@acme.example>
To: {recipient}
Subject: Could you review Ledger on Capterra?

--DSN-BOUNDARY--
"""

ARF = """From: feedback-loop@isp.example
To: {bounces}
Subject: FW: Could you review Ledger on Capterra?
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="ARF-BOUNDARY"

--ARF-BOUNDARY
Content-Type: text/plain; charset="US-ASCII"

This is an email abuse report for an email message received from IP 192.0.2.1.

--ARF-BOUNDARY
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: SomeGenerator/1.0
Version: 1
Original-Mail-From: <{bounces}>
Original-Rcpt-To: <{recipient}>
Arrival-Date: Fri, 4 Dec 2026 10:20:00 +0000
Reported-Domain: acme.example

--ARF-BOUNDARY
Content-Type: message/rfc822
Content-Disposition: inline

Message-ID: {message_id}
From: Camille Martin <camille@acme.example>
To: {recipient}
Subject: Could you review Ledger on Capterra?

Hi, thank you for being our customer.

--ARF-BOUNDARY--
"""


@pytest.fixture
async def mail_in(monkeypatch):
    monkeypatch.setattr(settings, "SETTINGS", dataclasses.replace(settings.SETTINGS,
                                                                  bounce_address=BOUNCES))
    port = free_port()
    server = await serve(BOUNCES, "127.0.0.1", port)
    yield port
    server.close()
    await server.wait_closed()


async def report(port: int, text: str, to: str = BOUNCES) -> None:
    """As a mail server sends a report: from the null sender (MAIL FROM:<>)."""
    async with aiosmtplib.SMTP(hostname="127.0.0.1", port=port) as smtp:
        await smtp.sendmail("", [to], text.replace("\n", "\r\n").encode())


async def sent_to(world, smtp_sink, *externals) -> dict:
    await planned_world(world, *externals)
    touches = {}
    for ext in externals:
        touches[ext] = await first_touch(ext)
        assert await send_touch({"job_try": 1}, touches[ext]["id"]) == "sent"
    return touches


async def test_asks_go_out_with_the_bounce_address_as_envelope_sender(world, smtp_sink, mail_in):
    await sent_to(world, smtp_sink, "us1")
    assert smtp_sink.senders == [BOUNCES]


async def test_a_hard_bounce_suppresses_and_marks_the_ask_bounced(world, smtp_sink, mail_in):
    touch = (await sent_to(world, smtp_sink, "us1", "us2"))["us1"]
    await report(mail_in, DSN.format(bounces=BOUNCES, recipient="us1@client.example", action="failed",
                                     status="5.1.1", code=550, message_id=touch["message_id"]))
    customer = await Customer.objects().get(Customer.external_id == "us1")
    assert customer.email_status == "bounced" and customer.suppressed_at is not None
    ask = await Ask.objects().get(Ask.id == touch["ask"])
    assert ask.status == "bounced"
    row = await AskTouch.objects().get(AskTouch.id == touch["id"])
    assert row.status == "failed" and row.failure_reason.startswith("bounced 5.1.1")
    assert all(t["status"] != "scheduled" for t in await AskTouch.select(AskTouch.status).where(
        AskTouch.ask == touch["ask"]))  # no follow-up
    assert (await funnel("campaign"))[0].bounced == 1
    # The same report again changes nothing.
    await report(mail_in, DSN.format(bounces=BOUNCES, recipient="us1@client.example", action="failed",
                                     status="5.1.1", code=550, message_id=touch["message_id"]))
    assert (await Customer.objects().get(Customer.external_id == "us2")).email_status == "ok"
    # Anyone can mail the bounce address: a report naming no message Plaudit sent to that
    # recipient (a forged one, or another recipient's Message-ID) suppresses nothing.
    await report(mail_in, DSN.format(bounces=BOUNCES, recipient="us2@client.example", action="failed",
                                     status="5.1.1", code=550, message_id="<forged@attacker.example>"))
    await report(mail_in, DSN.format(bounces=BOUNCES, recipient="us2@client.example", action="failed",
                                     status="5.1.1", code=550, message_id=touch["message_id"]))
    await report(mail_in, ARF.format(bounces=BOUNCES, recipient="us2@client.example",
                                     message_id="<forged@attacker.example>"))
    assert (await Customer.objects().get(Customer.external_id == "us2")).email_status == "ok"


async def test_a_soft_bounce_is_retried_a_bounded_number_of_times(world, smtp_sink, mail_in):
    touch = (await sent_to(world, smtp_sink, "us1"))["us1"]
    soft = DSN.format(bounces=BOUNCES, recipient="us1@client.example", action="delayed", status="4.2.2",
                      code=452, message_id=touch["message_id"])
    await report(mail_in, soft)
    row = await AskTouch.objects().get(AskTouch.id == touch["id"])
    assert row.status == "scheduled" and row.failure_reason.startswith("delayed 4.2.2")
    assert (await Customer.objects().get(Customer.external_id == "us1")).email_status == "ok"
    # Sent again (the same Message-ID), delayed again, until the attempt bound fails it.
    for _ in range(10):
        await AskTouch.update({AskTouch.scheduled_at: row.scheduled_at.replace(year=2000)}).where(
            AskTouch.id == touch["id"])
        if await send_touch({"job_try": 1}, touch["id"]) != "sent":
            break
        await report(mail_in, soft)
    row = await AskTouch.objects().get(AskTouch.id == touch["id"])
    assert row.status == "failed"
    assert len(smtp_sink.to("us1@")) <= 5  # MAX_ATTEMPTS sends at most
    assert len({m["Message-ID"] for m in smtp_sink.to("us1@")}) == 1


async def test_a_complaint_suppresses_and_is_recorded(world, smtp_sink, mail_in):
    touch = (await sent_to(world, smtp_sink, "us1"))["us1"]
    await report(mail_in, ARF.format(bounces=BOUNCES, recipient="us1@client.example",
                                     message_id=touch["message_id"]))
    assert (await Customer.objects().get(Customer.external_id == "us1")).email_status == "complained"
    assert await AuditEvent.count().where(AuditEvent.action == "mail.complaint") == 1


async def test_other_mail_is_refused_or_ignored(world, smtp_sink, mail_in):
    await sent_to(world, smtp_sink, "us1")
    with pytest.raises(aiosmtplib.SMTPRecipientsRefused):
        await report(mail_in, "Subject: hi\n\nhello", to="someone@acme.example")
    await report(mail_in, "From: a@b.example\nSubject: Out of office\n\nBack on Monday.")
    await report(mail_in, "Content-Type: multipart/report; report-type=delivery-status; boundary=x\n\n--x--")
    assert await Customer.count().where(Customer.email_status != "ok") == 0
