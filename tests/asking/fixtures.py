"""Shared setup for the asking tests: a product listed on the 8 platforms, a sender,
customers, a campaign, and a real in-process SMTP server."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.policy
import socket

import pytest
from aiosmtpd.controller import Controller

import settings
from models.asking.campaigns import save_campaign, transition
from models.catalogue.platforms import PlatformProfile, ReviewPlatform
from models.core.actors import SYSTEM
from models.people.customers import upsert_customers
from models.people.senders import save_sender

EN = {"subject": "Could you review {{ product }} on {{ platform }}?",
      "body": "Hi {{ first_name }}, thank you for being our customer.\n\n"
              "Could you spare 3 minutes to review {{ product }} on {{ platform }}? "
              "It would mean a lot because your review helps other teams choose.\n\n"
              "{{ review_link }}\n\nThanks again,\n{{ sender_name }}, {{ sender_title }}"}
FR = {"subject": "Votre avis sur {{ product }} ?",
      "body": "Bonjour {{ first_name }}, merci d'être notre client.\n\n"
              "Pourriez-vous prendre 3 minutes pour évaluer {{ product }} sur {{ platform }} ? "
              "Cela compte beaucoup pour nous parce que votre avis aide d'autres équipes.\n\n"
              "{{ review_link }}\n\nMerci encore,\n{{ sender_name }}, {{ sender_title }}"}


class Sink:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.raw: list[bytes] = []
        self.recipients: list[list[str]] = []  # the SMTP envelope's RCPT TO, per message
        self.senders: list[str] = []  # the SMTP envelope's MAIL FROM (where bounces go)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        self.raw.append(envelope.content)
        self.recipients.append(list(envelope.rcpt_tos))
        self.senders.append(envelope.mail_from)
        return "250 OK"

    def to(self, address: str) -> list:
        return [m for m in self.messages if address in m["To"]]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(autouse=True)
def signals_settle_at_once(monkeypatch, request):
    """Campaign runs wait for signals to settle (a batch still committing must not be
    skipped); tests record and run at once, except the test of that rule."""
    if "keep_signal_settle" not in request.keywords:
        from models.asking import candidates
        monkeypatch.setattr(candidates, "SIGNAL_SETTLE", dt.timedelta(0))


@pytest.fixture
def smtp_sink(monkeypatch):
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setattr(settings, "SETTINGS", dataclasses.replace(
        settings.SETTINGS, smtp_host="127.0.0.1", smtp_port=port))
    yield sink
    controller.stop()


@pytest.fixture
async def world(product):
    """Profiles on every platform, a sender, and customers with the facts the rules look at."""
    for platform in await ReviewPlatform.select():
        await PlatformProfile.insert(PlatformProfile(
            product=product.id, platform=platform["id"],
            profile_url=f"https://{platform['key']}.example/acme",
            review_url=f"https://{platform['key']}.example/acme/write-review", target_count=50))
    sender = (await save_sender(SYSTEM, None, {"name": "Camille Martin", "title": "CEO",
                                               "email": "camille@acme.example"})).value
    since = dt.date.today() - dt.timedelta(days=400)
    people = [
        ("us1", "US", "en", {}), ("us2", "US", "en", {}), ("fr1", "FR", "fr", {}),
        ("gb1", "GB", "en", {}), ("insider", "US", "en", {"is_insider": True}),
        ("notable", "US", "en", {"is_notable": True}),
    ]
    await upsert_customers(SYSTEM, product.id, [
        {"external_id": ext, "email": f"{ext}@client.example", "first_name": ext.upper(),
         "country": country, "locale": locale, "time_zone": "UTC", "customer_since": since, **extra}
        for ext, country, locale, extra in people])
    return {"product": product, "sender": sender}


async def make_campaign(world, **overrides):
    data = {"product": world["product"].id, "name": "Renewals", "trigger_kind": "signal",
            "trigger_signal": "renewed", "channel": "email", "sender": world["sender"].id,
            "templates": {"en": EN, "fr": FR}, "routing": {"strategy": "need"},
            # Round-the-clock pacing so tests can send at once whatever the time of day.
            "pacing": {"business_hours": [0, 24], "business_days": [0, 1, 2, 3, 4, 5, 6],
                       "jitter_minutes": 0, "max_per_hour": 1000, "max_per_day": 10000},
            "follow_up": {"count": 1, "after_days": 3}, "cooldown_days": 90} | overrides
    outcome = await save_campaign(SYSTEM, None, data)
    assert outcome.ok, outcome.errors
    return outcome.value


async def activate(campaign):
    outcome = await transition(SYSTEM, campaign.id, "activate")
    assert outcome.ok, outcome.errors
    return outcome.value
