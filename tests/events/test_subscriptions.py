"""Live subscriptions over a real WebSocket (graphql-transport-ws), served by uvicorn on a
loopback port, fed by PostgreSQL LISTEN/NOTIFY."""

from __future__ import annotations

import asyncio
import contextlib
import json

import pytest
import uvicorn
import websockets

from models.core.actors import SYSTEM
from models.events.events import record_event
from models.reviews.intake import import_reviews
from tests.events.receiver import free_port
from tests.ids import gid
from tests.quotes.fixtures import review_item

PROTOCOL = "graphql-transport-ws"


@pytest.fixture
async def server(app):
    port = free_port()
    served = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="off", ws="websockets-sansio"))
    task = asyncio.get_running_loop().create_task(served.serve())
    while not served.started:  # noqa: ASYNC110 (uvicorn offers no event for this)
        await asyncio.sleep(0.01)
    yield f"ws://127.0.0.1:{port}/graphql"
    served.should_exit = True
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.wait_for(task, 5)


@contextlib.asynccontextmanager
async def connected(url: str, token: str | None):
    async with websockets.connect(url, subprotocols=[PROTOCOL]) as ws:
        await ws.send(json.dumps({"type": "connection_init",
                                  "payload": {"Authorization": f"Bearer {token}"} if token else {}}))
        yield ws


async def subscribe(ws, query: str, variables: dict | None = None, op: str = "1") -> None:
    ack = json.loads(await asyncio.wait_for(ws.recv(), 5))
    assert ack["type"] == "connection_ack", ack
    await ws.send(json.dumps({"id": op, "type": "subscribe",
                              "payload": {"query": query, "variables": variables or {}}}))
    await asyncio.sleep(0.3)  # the subscription is registered with the hub


async def next_message(ws) -> dict:
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if message["type"] != "ping":
            return message


async def test_a_subscriber_sees_its_products_events_as_they_commit(server, make_token, product,
                                                                    other_product):
    token = await make_token("campaigns:read", product_id=product.id)
    async with connected(server, token) as ws:
        await subscribe(ws, "subscription { events(types: [CAMPAIGN_ACTIVATED]) "
                            "{ id type campaignId productId } }")
        await record_event("campaign.activated", other_product.id, {"campaign": 9})  # not theirs
        await record_event("ask.sent", product.id, {"ask": 1})  # not asked for, nor readable
        await record_event("campaign.activated", product.id, {"campaign": 3})
        message = await next_message(ws)
        assert message["type"] == "next", message
        event = message["payload"]["data"]["events"]
        assert (event["type"], event["campaignId"], event["productId"]) == (
            "CAMPAIGN_ACTIVATED", gid("Campaign", 3), gid("Product", product.id))
        await record_event("campaign.activated", product.id, {"campaign": 4})
        assert (await next_message(ws))["payload"]["data"]["events"]["campaignId"] == gid("Campaign", 4)


async def test_a_bad_token_is_refused_and_no_token_cannot_subscribe(server):
    async with connected(server, "pld_not-a-real-token") as ws:
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 5)
        assert closed.value.rcvd.code == 4403
    async with connected(server, None) as ws:
        await subscribe(ws, "subscription { events { id } }")
        message = await next_message(ws)
        assert message["type"] in ("error", "next")
        errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
        assert "Authentication required" in json.dumps(errors)


async def test_showcase_activity_says_what_a_page_may_show(server, make_token, world):
    product = world["product"]
    token = await make_token("showcase:read", product_id=product.id)
    async with connected(server, token) as ws:
        await subscribe(ws, """subscription { showcaseActivity(placement: HOME_PAGE) {
            kind occurredAt platformKey platformName country quote { text } } }""")
        result = await import_reviews(SYSTEM, product.id, [review_item("cap-live", "us1@client.example")])
        assert not result.errors
        message = await next_message(ws)
        activity = message["payload"]["data"]["showcaseActivity"]
        assert activity["kind"] == "REVIEWED" and activity["platformKey"] == "capterra"
        assert activity["platformName"] and activity["quote"] is None
        assert "Ana" not in json.dumps(message) and "Globex" not in json.dumps(message)  # no names


async def test_subscription_documents_are_bounded_like_any_other(server, make_token, monkeypatch):
    from api.events import live

    token = await make_token("admin")
    plain = "subscription { events { id } }"
    aliased = "subscription { " + " ".join(f"a{i}: events {{ id }}" for i in range(20)) + " }"
    async with connected(server, token) as ws:
        await subscribe(ws, aliased)
        message = await next_message(ws)
        assert message["type"] == "error" and "aliases" in message["payload"][0]["message"], message
    monkeypatch.setattr(live, "MAX_SUBSCRIBERS", 0)
    async with connected(server, token) as ws:
        await subscribe(ws, plain)
        message = await next_message(ws)
        assert "Too many live subscriptions" in json.dumps(message), message
