"""Fault drill for webhooks, with real processes: `plaudit worker` as a child delivering to a
real receiver, SIGKILLed twice mid-delivery, and its private Redis restarted empty once.

Every event reaches the receiver; a duplicate only ever carries the same webhook-id and the
same signed body (a receiver that dedups on webhook-id sees each event once).
"""

from __future__ import annotations

import asyncio
import collections
import json
import os
import signal

from standardwebhooks.webhooks import Webhook

from models.core.actors import SYSTEM
from models.events.events import record_events
from models.events.tables import WebhookDelivery
from models.events.webhooks import create_endpoint
from tests.core.test_fault_drills import Valkey, child_env, start_child, stop_child, wait_for

EVENTS = 600
KILLS_AT = (100, 300)
REDIS_RESTART_AT = 450


async def test_webhooks_survive_killed_workers_and_a_redis_restart(product, receiver, tmp_path):  # noqa: F811
    issued = (await create_endpoint(SYSTEM, product.id, receiver.url, ["campaign.activated"])).value
    receiver.delay = 0.01  # in flight long enough for a kill to catch some
    valkey = Valkey()
    valkey.start()
    env = child_env(REDIS_URL=valkey.url, PLAUDIT_QUEUE=f"plaudit:webhook-drill:{os.getpid()}",
                    PLAUDIT_WEBHOOK_ALLOW_PRIVATE="true", PLAUDIT_WEBHOOK_CLAIM_TIMEOUT_SECONDS="3")
    log = tmp_path / "worker.log"
    worker = start_child(["worker"], env, log)
    happened = []
    try:
        async def produce():  # committed in small batches, over ~6 s, while the worker delivers
            for start in range(0, EVENTS, 25):
                await record_events("campaign.activated", [(product.id, {"campaign": i})
                                                           for i in range(start + 1, start + 26)])
                await asyncio.sleep(0.25)

        producer = asyncio.get_running_loop().create_task(produce())
        for threshold in sorted((*KILLS_AT, REDIS_RESTART_AT)):
            async def reached(threshold=threshold):
                return len(receiver.requests) >= threshold or None

            await wait_for(reached, 120, f"{threshold} deliveries at the receiver")
            if threshold == REDIS_RESTART_AT:
                valkey.stop()
                await asyncio.sleep(0.5)
                valkey.start()  # empty: every queued job is gone
                happened.append(("redis restarted", len(receiver.requests)))
                if worker.poll() is not None:
                    worker = start_child(["worker"], env, log)
            else:
                os.kill(worker.pid, signal.SIGKILL)
                worker.wait(10)
                happened.append(("worker killed", len(receiver.requests)))
                worker = start_child(["worker"], env, log)

        await producer

        running = [worker]

        async def settled():
            # arq may exit a while after its Redis vanished: restarted, as a supervisor would.
            if running[0].poll() is not None:
                running[0] = start_child(["worker"], env, log)
                happened.append(("worker restarted after exiting", len(receiver.requests)))
            pending = await WebhookDelivery.count().where(WebhookDelivery.status != "delivered")
            return pending == 0 and await WebhookDelivery.count() == EVENTS or None

        try:
            await wait_for(settled, 180, "every delivery to be delivered")
        finally:
            worker = running[0]
    finally:
        stop_child(worker)
        valkey.stop()

    by_id: dict[str, set[bytes]] = collections.defaultdict(set)
    for request in receiver.requests:
        Webhook(issued.secret).verify(request.body, request.headers)
        by_id[request.headers["webhook-id"]].add(request.body)
    campaigns = {json.loads(body)["data"]["campaignId"] for bodies in by_id.values() for body in bodies}
    assert len(by_id) == EVENTS and len(campaigns) == EVENTS  # every event arrived
    assert all(len(bodies) == 1 for bodies in by_id.values())  # a duplicate is the same message
    duplicates = len(receiver.requests) - EVENTS
    print(f"\nwebhook drill: {EVENTS} events, {len(receiver.requests)} requests "
          f"({duplicates} duplicates, same webhook-id); {happened}")
