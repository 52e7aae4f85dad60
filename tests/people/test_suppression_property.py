"""Property: whatever happens between planning and sending, no suppressed address is mailed."""

import datetime as dt
import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobs.asking.asks import send_touch
from models.asking.selection import run_campaign
from models.asking.tables import AskTouch
from models.core.actors import SYSTEM
from models.people.customers import Customer, upsert_customers
from models.people.signals import record_signals
from tests.asking.fixtures import activate, make_campaign

STATUSES = ("ok", "bounced", "unsubscribed", "complained", "erased")
person = st.fixed_dictionaries({
    "status_at_signal": st.sampled_from(STATUSES),
    # suppressed after planning, after the first send, or never
    "suppressed_later": st.sampled_from([None, "before_send", "before_follow_up"]),
    "insider": st.booleans(),
})
counter = itertools.count()


async def suppress(external_id: str, status: str = "unsubscribed") -> None:
    await Customer.update({Customer.email_status: status,
                           Customer.suppressed_at: dt.datetime.now(dt.UTC)}).where(
        Customer.external_id == external_id)


async def send_everything_due() -> None:
    await AskTouch.update({AskTouch.scheduled_at: dt.datetime.now(dt.UTC)}).where(
        AskTouch.status == "scheduled")
    for touch in await AskTouch.select(AskTouch.id).where(AskTouch.status == "scheduled"):
        await send_touch({"job_try": 1}, touch["id"])


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(people=st.lists(person, min_size=1, max_size=6))
async def test_no_suppressed_address_is_ever_sent_to(people, world, smtp_sink):
    run = next(counter)
    smtp_sink.messages.clear()
    product = world["product"]
    items = [{"external_id": f"p{run}-{i}", "email": f"p{run}-{i}@client.example",
              "is_insider": p["insider"], "country": "US"} for i, p in enumerate(people)]
    await upsert_customers(SYSTEM, product.id, items)
    for i, p in enumerate(people):
        if p["status_at_signal"] != "ok":
            await suppress(f"p{run}-{i}", p["status_at_signal"])
    campaign = await activate(await make_campaign(world, name=f"Run {run}"))
    await record_signals(SYSTEM, product.id, [
        {"source": "billing", "event_id": f"p{run}-{i}", "customer_external_id": f"p{run}-{i}",
         "kind": "renewed", "occurred_at": dt.datetime.now(dt.UTC)} for i in range(len(people))])
    await run_campaign(campaign.id)

    suppressed: set[str] = {f"p{run}-{i}@client.example" for i, p in enumerate(people)
                            if p["status_at_signal"] != "ok"}
    for stage in ("before_send", "before_follow_up"):
        for i, p in enumerate(people):
            if p["suppressed_later"] == stage:
                await suppress(f"p{run}-{i}")
                suppressed.add(f"p{run}-{i}@client.example")
        sent_before = len(smtp_sink.messages)
        await send_everything_due()
        for message in smtp_sink.messages[sent_before:]:
            assert message["To"].addresses[0].addr_spec not in suppressed
    expected_first = {f"p{run}-{i}@client.example" for i, p in enumerate(people)
                      if p["status_at_signal"] == "ok" and not p["insider"]
                      and p["suppressed_later"] != "before_send"}
    first_sends = {m["To"].addresses[0].addr_spec for m in smtp_sink.messages}
    assert expected_first <= first_sends  # and nobody else was mailed
    assert first_sends <= expected_first
