"""The outbox path through a real arq worker on a real Redis."""

import datetime as dt

import pytest
from arq.worker import Worker

import settings
from jobs.outbox import Relay, run_outbox_message
from jobs.worker import worker_settings
from models.core.actors import SYSTEM
from models.core.outbox import OutboxMessage
from models.people.customers import upsert_customers
from models.people.signals import Signal, request_tenure_derivation


@pytest.fixture
async def worker(redis):
    async def startup(ctx):  # the test session already runs the database pool
        ctx["relay"] = Relay(ctx["redis"], settings.SETTINGS.queue_name)

    made = []

    def make() -> Worker:
        w = Worker(**worker_settings(burst=True, handle_signals=False, on_startup=startup,
                                     on_shutdown=None, cron_jobs=[]))
        made.append(w)
        return w

    yield make
    for w in made:
        await w.close()


@pytest.fixture
async def customers(product):
    today = dt.date.today()
    await upsert_customers(SYSTEM, product.id, [
        # exactly one year ago today: a 12-month milestone is due
        {"external_id": "year", "email": "y@x.example",
         "customer_since": today.replace(year=today.year - 1)},
        # five months: nothing due yet
        {"external_id": "new", "email": "n@x.example", "customer_since": today - dt.timedelta(150)},
    ])


async def milestones() -> list[dict]:
    return await Signal.select(Signal.event_id, Signal.payload).output(load_json=True).where(
        Signal.kind == "tenure_milestone")


async def test_on_demand_derivation_goes_through_outbox_and_worker(gql, make_token, customers,
                                                                   worker):
    admin = gql.as_token(await make_token("admin"))
    payload = (await admin.data("mutation { deriveTenureMilestones { queued outboxId } }"))
    outbox_id = int(payload["deriveTenureMilestones"]["outboxId"])
    row = await OutboxMessage.objects().get(OutboxMessage.id == outbox_id)
    assert row.enqueued_at is not None and row.done_at is None  # handed over after commit

    await worker().run_check()

    row = await OutboxMessage.objects().get(OutboxMessage.id == outbox_id)
    assert row.done_at is not None and row.last_error == ""
    found = await milestones()
    assert [(m["event_id"].split(":")[2], m["payload"]) for m in found] == [("12m", {"months": 12})]


async def test_a_message_dropped_before_hand_over_is_swept_up(customers, redis, worker):
    outbox_id = (await request_tenure_derivation(SYSTEM, dt.date.today())).value  # never handed over
    relay = Relay(redis, settings.SETTINGS.queue_name)
    assert await relay.hand_over(None) == 0  # too fresh: the API may still hand it over
    await OutboxMessage.update({OutboxMessage.created_at: dt.datetime.now(dt.UTC)
                                - dt.timedelta(minutes=5)}).where(OutboxMessage.id == outbox_id)
    assert await relay.hand_over(None) == 1
    await worker().run_check()
    assert len(await milestones()) == 1
    assert (await OutboxMessage.objects().get(OutboxMessage.id == outbox_id)).done_at is not None


async def test_running_a_message_twice_does_the_work_once(customers):
    outbox_id = (await request_tenure_derivation(SYSTEM, dt.date.today())).value
    first = await run_outbox_message({"job_try": 1}, outbox_id)
    await OutboxMessage.update({OutboxMessage.done_at: None}).where(OutboxMessage.id == outbox_id)
    second = await run_outbox_message({"job_try": 1}, outbox_id)  # as if arq ran it again
    assert first == "done: 1" and second == "done: 0"
    assert await run_outbox_message({"job_try": 1}, outbox_id) == "already done"
    assert len(await milestones()) == 1


async def test_a_failing_job_records_its_error_and_asks_arq_to_retry(monkeypatch, customers):
    from arq import Retry

    from jobs import registry

    async def broken(args):
        raise ConnectionError("smtp down")

    monkeypatch.setitem(registry.HANDLERS, "derive_tenure_milestones", broken)
    outbox_id = (await request_tenure_derivation(SYSTEM, dt.date.today())).value
    with pytest.raises(Retry):
        await run_outbox_message({"job_try": 1}, outbox_id)
    row = await OutboxMessage.objects().get(OutboxMessage.id == outbox_id)
    assert row.done_at is None and row.last_error == "ConnectionError: smtp down"
