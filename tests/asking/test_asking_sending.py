"""Sending over a real SMTP server, tracked links, one-click unsubscribe, follow-ups, funnel."""

import asyncio
import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from arq import Retry

from jobs.asking.asks import send_touch
from models.asking.funnel import funnel
from models.asking.selection import run_campaign
from models.asking.tables import Ask, AskClick, AskTouch
from models.core.actors import SYSTEM
from models.core.links import make_token
from models.people.customers import Customer
from models.people.signals import record_signals
from tests.asking.fixtures import activate, make_campaign


async def planned_world(world, *externals):
    campaign = await activate(await make_campaign(world))
    await record_signals(SYSTEM, world["product"].id, [
        {"source": "billing", "event_id": f"r-{ext}", "customer_external_id": ext, "kind": "renewed",
         "occurred_at": dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)} for ext in externals])
    await run_campaign(campaign.id)
    # Time passes: the paced send times (a second or so from now) fall due.
    await AskTouch.update({AskTouch.scheduled_at: dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)},
                          force=True)
    return campaign


async def first_touch(external_id: str) -> dict:
    return (await AskTouch.select(AskTouch.all_columns()).where(
        (AskTouch.ask.customer.external_id == external_id) & (AskTouch.seq == 0)))[0]


async def test_an_ask_arrives_with_one_tracked_link_and_rfc8058_headers(world, smtp_sink):
    await planned_world(world, "us1", "fr1")
    for ext in ("us1", "fr1"):
        assert await send_touch({"job_try": 1}, (await first_touch(ext))["id"]) == "sent"
    english, = smtp_sink.to("us1@client.example")
    touch = await first_touch("us1")
    assert english["Message-ID"] == touch["message_id"]
    assert english["From"] == "Camille Martin <camille@acme.example>"
    assert english["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = f"http://127.0.0.1:8000/u/{make_token('unsubscribe', touch['id'])}"
    assert english["List-Unsubscribe"] == f"<{unsubscribe}>"
    html = english.get_body(("html",)).get_content()
    text = english.get_body(("plain",)).get_content()
    link = f"http://127.0.0.1:8000/r/{make_token('click', touch['id'])}"
    assert html.count("<a ") == 1 and link in html and link in text
    assert "US1" in text and "CEO" in text
    french, = smtp_sink.to("fr1@client.example")
    assert french["Subject"].startswith("Votre avis")
    assert touch["status"] == "sent"
    assert touch["body_text"].split() == text.split()  # kept for audit (line endings aside)
    follow_up = await AskTouch.select().where((AskTouch.ask == touch["ask"]) & (AskTouch.seq == 1))
    assert follow_up[0]["status"] == "scheduled"
    # Three days later, placed in that hour by the pacing (tests/asking/test_follow_ups.py).
    delay = follow_up[0]["scheduled_at"] - touch["sent_at"]
    assert dt.timedelta(days=3) <= delay < dt.timedelta(days=3, hours=1)
    assert follow_up[0]["message_id"] != touch["message_id"]


async def test_a_job_run_twice_sends_once(world, smtp_sink):
    await planned_world(world, "us1")
    touch_id = (await first_touch("us1"))["id"]
    results = await asyncio.gather(send_touch({"job_try": 1}, touch_id),
                                   send_touch({"job_try": 1}, touch_id))
    assert sorted(results) == ["sent", "skipped: being sent"] or sorted(results) == [
        "sent", "skipped: already sent"]
    assert await send_touch({"job_try": 1}, touch_id) == "skipped: already sent"
    assert len(smtp_sink.messages) == 1


async def test_suppression_is_checked_again_at_send_time(world, smtp_sink):
    await planned_world(world, "us1")
    await Customer.update({Customer.email_status: "bounced",
                           Customer.suppressed_at: dt.datetime.now(dt.UTC)}).where(
        Customer.external_id == "us1")
    assert await send_touch({"job_try": 1}, (await first_touch("us1"))["id"]) == "skipped: suppressed"
    assert smtp_sink.messages == []
    assert (await first_touch("us1"))["status"] == "cancelled"


async def test_unreachable_smtp_retries_then_fails_with_its_reason(world, monkeypatch):
    import dataclasses

    import settings
    from tests.asking.fixtures import free_port

    monkeypatch.setattr(settings, "SETTINGS", dataclasses.replace(
        settings.SETTINGS, smtp_host="127.0.0.1", smtp_port=free_port()))  # nothing listens
    await planned_world(world, "us1")
    touch_id = (await first_touch("us1"))["id"]
    with pytest.raises(Retry):
        await send_touch({"job_try": 1}, touch_id)
    touch = await first_touch("us1")
    assert touch["status"] == "scheduled" and "Connect" in touch["failure_reason"]
    assert touch["scheduled_at"] > dt.datetime.now(dt.UTC)  # backoff: not due again at once
    assert await send_touch({"job_try": 1}, touch_id) == "skipped: not due"
    outcomes = []
    for _ in range(4):  # whichever job runs it, the touch's own attempts count
        await AskTouch.update({AskTouch.scheduled_at: dt.datetime.now(dt.UTC)}).where(
            AskTouch.id == touch_id)
        try:
            outcomes.append(await send_touch({"job_try": 1}, touch_id))
        except Retry:
            outcomes.append("retry")
    touch = await first_touch("us1")
    assert outcomes == ["retry", "retry", "retry", f"failed: {touch['failure_reason']}"]
    assert touch["status"] == "failed" and touch["attempts"] == 5


async def test_clicks_redirect_only_to_the_stored_url_and_stop_follow_ups(world, smtp_sink, http):
    await planned_world(world, "us1")
    touch = await first_touch("us1")
    await send_touch({"job_try": 1}, touch["id"])
    token = make_token("click", touch["id"])
    scanner = await http.get(f"/r/{token}", headers={"User-Agent": "Mimecast URL scanner"})
    assert scanner.status_code == 302
    head = await http.head(f"/r/{token}", headers={"User-Agent": "Mozilla/5.0"})
    assert head.status_code == 200 and "location" not in head.headers
    assert (await Ask.select(Ask.status))[0]["status"] == "sent"  # neither counted as human
    await AskClick.update({AskClick.at: AskClick.at - dt.timedelta(seconds=5)}, force=True)  # later…
    person = await http.get(f"/r/{token}", headers={"User-Agent": "Mozilla/5.0 (Macintosh)"})
    profile_url = (await Ask.select(Ask.profile.review_url.as_alias("u")))[0]["u"]
    # The stored URL, with the tracking that names the ask in the platform's export.
    location = urlsplit(person.headers["location"])
    assert person.status_code == 302 and location._replace(query="").geturl() == profile_url
    assert token in sum(parse_qs(location.query).values(), [])
    burst = await http.get(f"/r/{token}", headers={"User-Agent": "Mozilla/5.0 (Macintosh)"})
    assert burst.status_code == 302
    clicks = await AskClick.select(AskClick.human, AskClick.reason).order_by(AskClick.id)
    assert [(c["human"], c["reason"]) for c in clicks] == [
        (False, "link scanner"), (False, "HEAD request"), (True, ""), (False, "sub-second burst")]
    ask = (await Ask.select(Ask.status, Ask.clicked_at))[0]
    assert ask["status"] == "clicked" and ask["clicked_at"] is not None
    follow_up = await AskTouch.select(AskTouch.status, AskTouch.failure_reason).where(AskTouch.seq == 1)
    assert follow_up == [{"status": "cancelled", "failure_reason": "clicked"}]
    forged = await http.get(f"/r/{touch['id']}.AAAAAAAAAAAAAAAAAAAAAA")
    assert forged.status_code == 404
    wrong_purpose = await http.get(f"/r/{make_token('unsubscribe', touch['id'])}")
    assert wrong_purpose.status_code == 404


async def test_one_click_unsubscribe_by_post_and_confirmation_page_on_get(world, smtp_sink, http):
    await planned_world(world, "us1")
    touch = await first_touch("us1")
    await send_touch({"job_try": 1}, touch["id"])
    token = make_token("unsubscribe", touch["id"])
    page = await http.get(f"/u/{token}")
    assert page.status_code == 200 and "<form method=\"post\"" in page.text
    assert (await Customer.select(Customer.email_status).where(
        Customer.external_id == "us1"))[0]["email_status"] == "ok"  # GET changes nothing
    done = await http.post(f"/u/{token}", content=b"List-Unsubscribe=One-Click",
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert done.status_code == 200 and "location" not in done.headers
    customer = (await Customer.select().where(Customer.external_id == "us1"))[0]
    assert customer["email_status"] == "unsubscribed" and customer["suppressed_at"] is not None
    assert (await Ask.select(Ask.status))[0]["status"] == "unsubscribed"
    assert (await AskTouch.select(AskTouch.status).where(AskTouch.seq == 1))[0]["status"] == "cancelled"


async def test_follow_up_goes_only_to_those_who_did_not_act(world, smtp_sink, http):
    await planned_world(world, "us1", "us2")
    for ext in ("us1", "us2"):
        await send_touch({"job_try": 1}, (await first_touch(ext))["id"])
    await http.get(f"/r/{make_token('click', (await first_touch('us1'))['id'])}",
                   headers={"User-Agent": "Mozilla/5.0"})
    # Three days later the follow-ups fall due.
    await AskTouch.update({AskTouch.scheduled_at: dt.datetime.now(dt.UTC)}).where(AskTouch.seq == 1)
    for touch in await AskTouch.select(AskTouch.id).where(AskTouch.seq == 1):
        await send_touch({"job_try": 1}, touch["id"])
    assert len(smtp_sink.to("us2@client.example")) == 2
    assert len(smtp_sink.to("us1@client.example")) == 1


async def test_funnel_counts_each_stage(world, smtp_sink, http):
    await planned_world(world, "us1", "us2", "fr1")
    for ext in ("us1", "us2"):
        await send_touch({"job_try": 1}, (await first_touch(ext))["id"])
    await http.get(f"/r/{make_token('click', (await first_touch('us1'))['id'])}",
                   headers={"User-Agent": "Mozilla/5.0"})
    await http.post(f"/u/{make_token('unsubscribe', (await first_touch('us2'))['id'])}")
    rows = await funnel("campaign")
    assert [(r.key, r.selected, r.sent, r.clicked, r.reviewed, r.unsubscribed) for r in rows] == [
        ("Renewals (#1)", 3, 2, 1, 0, 1)]


async def test_funnel_keeps_campaigns_with_the_same_name_apart(world):
    first = await planned_world(world, "us1")
    second = await activate(await make_campaign(world, trigger_signal="upgraded"))
    await record_signals(SYSTEM, world["product"].id, [
        {"source": "billing", "event_id": "u-fr1", "customer_external_id": "fr1", "kind": "upgraded",
         "occurred_at": dt.datetime.now(dt.UTC)}])
    await run_campaign(second.id)
    rows = await funnel("campaign")
    assert [(r.key, r.selected) for r in rows] == [
        (f"Renewals (#{first.id})", 1), (f"Renewals (#{second.id})", 1)]


async def test_unsubscribe_suppresses_the_address_everywhere_and_odd_tokens_are_404(world, smtp_sink,
                                                                                    http, other_product):
    from models.people.customers import upsert_customers

    await upsert_customers(SYSTEM, other_product.id, [{"external_id": "x", "email": "US1@client.example"}])
    await planned_world(world, "us1")
    touch = await first_touch("us1")
    await http.post(f"/u/{make_token('unsubscribe', touch['id'])}")
    statuses = [r["email_status"] for r in await Customer.select(Customer.email_status).where(
        Customer.email.ilike("us1@client.example"))]
    assert statuses == ["unsubscribed", "unsubscribed"]
    for odd in ("²³.abc", f"{touch['id']}.ÿÿ", "..", "1"):
        assert (await http.get(f"/r/{odd}")).status_code == 404
