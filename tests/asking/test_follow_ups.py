"""Follow-ups that read as follow-ups: their own short reminder per locale (linted), sent inside
the recipient's business hours and counted in the campaign's caps."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from jobs.asking.asks import send_touch
from models.asking.campaigns import lint_campaign, transition
from models.asking.follow_ups import DEFAULT_TEMPLATES, lint_follow_up
from models.asking.messages import MessageDraft
from models.asking.selection import run_campaign
from models.asking.tables import AskTouch, Campaign
from models.core.actors import SYSTEM
from models.people.customers import Customer
from models.people.signals import record_signals
from tests.asking.fixtures import activate, make_campaign


def test_the_default_reminders_pass_the_linter():
    for locale, template in DEFAULT_TEMPLATES.items():
        findings = lint_follow_up(MessageDraft(subject=template["subject"], body=template["body"],
                                               locale=locale, sender_name="Camille Martin",
                                               sender_title="CEO"))
        assert [f for f in findings if f.severity == "error"] == [], (locale, findings)
    refused = lint_follow_up(MessageDraft(subject="Could you review us?",
                                          body=DEFAULT_TEMPLATES["en"]["body"], locale="en",
                                          sender_name="Camille Martin", sender_title="CEO"))
    assert [f.rule for f in refused if f.severity == "error"] == ["SUBJECT_SAYS_WHAT"]


async def plan(world, *externals, **overrides) -> Campaign:
    campaign = await activate(await make_campaign(world, **overrides))
    await record_signals(SYSTEM, world["product"].id, [
        {"source": "billing", "event_id": f"f-{e}", "customer_external_id": e, "kind": "renewed",
         "occurred_at": dt.datetime.now(dt.UTC)} for e in externals])
    await run_campaign(campaign.id)
    await AskTouch.update({AskTouch.scheduled_at: dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)},
                          force=True)
    return campaign


async def touches(seq: int) -> list[dict]:
    return await AskTouch.select(AskTouch.id, AskTouch.scheduled_at, AskTouch.status,
                                 AskTouch.ask.customer.external_id).where(AskTouch.seq == seq).order_by(
        AskTouch.id)


async def test_a_follow_up_is_a_short_reminder_not_the_first_mail_again(world, smtp_sink):
    await plan(world, "us1")
    first = (await touches(0))[0]
    assert await send_touch({"job_try": 1}, first["id"]) == "sent"
    follow_up = (await touches(1))[0]
    await AskTouch.update({AskTouch.scheduled_at: dt.datetime.now(dt.UTC)}).where(
        AskTouch.id == follow_up["id"])
    assert await send_touch({"job_try": 1}, follow_up["id"]) == "sent"
    original, reminder = smtp_sink.to("us1@")
    assert str(reminder["Subject"]).startswith("A reminder: your review of")
    assert reminder["Subject"] != original["Subject"]
    assert reminder.get_body(("plain",)).get_content() != original.get_body(("plain",)).get_content()
    assert reminder["Message-ID"] != original["Message-ID"]


async def test_a_follow_up_goes_out_in_the_recipients_business_hours(world, smtp_sink):
    from models.asking.sending import claim_touch

    await Customer.update({Customer.time_zone: "America/New_York"}).where(Customer.external_id == "us1")
    await plan(world, "us1", pacing={"business_hours": [9, 17], "business_days": [0, 1, 2, 3, 4],
                                     "jitter_minutes": 0, "max_per_hour": 1000, "max_per_day": 10000},
               follow_up={"count": 1, "after_days": 3})
    first = (await touches(0))[0]
    assert await send_touch({"job_try": 1}, first["id"]) == "sent"
    follow_up = (await touches(1))[0]
    # It falls due on a Saturday at 03:00 in New York: put back to Monday, inside 9-17 there.
    saturday = dt.datetime(2027, 1, 2, 8, 0, tzinfo=dt.UTC)  # 03:00 EST
    await AskTouch.update({AskTouch.scheduled_at: saturday}).where(AskTouch.id == follow_up["id"])
    claim = await claim_touch(follow_up["id"], now=saturday)
    assert claim.message is None and claim.skipped == "waits for business hours"
    row = await AskTouch.objects().get(AskTouch.id == follow_up["id"])
    local = row.scheduled_at.astimezone(ZoneInfo("America/New_York"))
    assert row.status == "scheduled" and row.attempts == 0
    assert (local.weekday(), 9 <= local.hour < 17) == (0, True), local
    # Due then, it goes.
    claim = await claim_touch(follow_up["id"], now=row.scheduled_at)
    assert claim.message is not None and str(claim.message["Subject"]).startswith("A reminder")


async def test_follow_ups_count_in_the_caps(world, smtp_sink):
    from models.asking.sending import claim_touch

    campaign = await plan(world, "us1", "us2")
    for touch in await touches(0):
        assert await send_touch({"job_try": 1}, touch["id"]) == "sent"
    # Both follow-ups fall due in the same hour; with one mail an hour, the second waits.
    one_an_hour = {"business_hours": [0, 24], "business_days": list(range(7)), "jitter_minutes": 0,
                   "max_per_hour": 1, "max_per_day": 100}
    await Campaign.update({Campaign.pacing: one_an_hour}).where(Campaign.id == campaign.id)
    due = dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
    due = due.replace(minute=0, second=0, microsecond=0)
    await AskTouch.update({AskTouch.scheduled_at: due}).where(AskTouch.seq == 1)
    outcomes = [await claim_touch(t["id"], now=due) for t in await touches(1)]
    assert [o.message is not None for o in outcomes] == [True, False]
    assert outcomes[1].not_before >= due + dt.timedelta(hours=1)


async def test_a_campaigns_own_follow_up_is_linted_and_blocks_activation(world):
    campaign = await make_campaign(world, follow_up={"count": 1, "after_days": 3, "templates": {
        "en": {"subject": "Review us!", "body": "{{ review_link }}"}}})
    findings = await lint_campaign(campaign)
    errors = {(f.rule, f.field) for f in findings["en"] if f.severity == "error"}
    assert ("SUBJECT_SAYS_WHAT", "followUp.subject") in errors and ("REASON", "followUp.body") in errors
    assert not (await transition(SYSTEM, campaign.id, "activate")).ok
