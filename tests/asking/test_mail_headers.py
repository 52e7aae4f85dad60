"""Names other people typed never change where our mail goes (issue 10, Low): a long or
crafted display name in `To:` was folded so that receivers parsed other addresses."""

from __future__ import annotations

import email
from email import policy
from email.message import EmailMessage
from email.mime.text import MIMEText
from email.utils import formataddr, getaddresses

import pytest

from jobs.quotes.consent import send_consent_request_job
from models.core.mail_addresses import MAX_NAME, display_name, mailbox
from models.quotes.quotes import approve_quote
from tests.quotes.fixtures import EDITOR, quotes_from

VICTIM = "victim@client.example"
HOSTILE = [
    'Bob "The Builder" <evil@attacker.example> ' * 3,
    "A" * 150, "Zoë Ünïcødé " * 12, "x" * 60 + " y" * 40, "Ana (ceo) ; Bo, <b@c.example>",
    "é" * 200, "Eve\r\nBcc: evil@attacker.example", "=?utf-8?q?evil=40attacker.example?=",
    "\\\"quoted\\\" @evil",
]


def parsed_recipients(raw: bytes) -> tuple[list[str], list[str]]:
    modern = email.message_from_bytes(raw, policy=policy.default)
    legacy = email.message_from_bytes(raw, policy=policy.compat32)
    return ([a.addr_spec for a in modern["To"].addresses],
            [a for _, a in getaddresses(legacy.get_all("To", []))])


@pytest.mark.parametrize("name", HOSTILE)
def test_a_display_name_is_only_words(name):
    cleaned = display_name(name)
    assert len(cleaned) <= MAX_NAME
    assert not set(cleaned) & set('"<>()[],;:@\\\r\n')
    for message in (EmailMessage(), MIMEText("hi", "plain", "utf-8")):
        if isinstance(message, EmailMessage):
            message["To"] = mailbox(name, VICTIM)
            message.set_content("hi")
        else:
            message["To"] = formataddr((display_name(name), VICTIM), "utf-8")
        assert parsed_recipients(message.as_bytes(policy=policy.SMTP)) == ([VICTIM], [VICTIM])


def test_the_check_can_fail_without_the_rule():
    """The raw name, as before, really is misread (so the test above means something)."""
    message = EmailMessage()
    message["To"] = formataddr((HOSTILE[0], VICTIM), "utf-8")
    message.set_content("hi")
    assert parsed_recipients(message.as_bytes(policy=policy.SMTP)) != ([VICTIM], [VICTIM])


async def test_the_consent_mail_goes_to_the_reviewer_whatever_their_name(smtp_sink, world):
    quote = (await quotes_from(world, "cap-h", "us1@client.example", reviewer_name=HOSTILE[0]))[0]
    await approve_quote(EDITOR, quote.id)
    assert (await send_consent_request_job({"quote_id": quote.id})).startswith("consent request sent")
    assert smtp_sink.recipients == [["us1@client.example"]]
    assert parsed_recipients(smtp_sink.raw[0]) == (["us1@client.example"], ["us1@client.example"])
