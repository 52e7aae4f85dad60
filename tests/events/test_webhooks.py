"""Outbound webhooks: endpoints over GraphQL, fan-out from the event log, signed deliveries to a
real HTTP receiver (verified with the same `standardwebhooks` library), retries, the delivery
log, resend and test messages, disabling after a long run of failures, and the address rule."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from arq.worker import Worker
from standardwebhooks.webhooks import Webhook

from jobs.events.webhooks import TIMEOUT, dispatch_webhooks, pump
from jobs.worker import worker_settings
from models.events import deliveries
from models.events.events import record_event
from models.events.network import is_public_address
from models.events.tables import WebhookDelivery, WebhookEndpoint
from tests.ids import gid

CREATE = """mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) {
  secret endpoint { id url eventTypes enabled productId } userErrors { field code message } } }"""
DELIVERIES = """query($id: ID!) { node(id: $id) { ... on WebhookEndpoint { enabled disabledReason
  consecutiveFailures } }
  deliveries: webhookDeliveries(endpointId: $id, first: 50) { totalCount nodes { id messageId
  eventType status attempts lastStatusCode lastError eventId endpointId
  attemptLog { statusCode latencyMs error } } } }"""


@pytest.fixture
async def worker(redis):
    import httpx

    async def startup(ctx):
        ctx["webhook_client"] = httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False)

    async def shutdown(ctx):
        await ctx["webhook_client"].aclose()

    made = []

    async def run() -> None:
        """What the worker's listener and jobs do: fan out, then run every job handed over."""
        await pump(redis)
        w = Worker(**worker_settings(burst=True, handle_signals=False, on_startup=startup,
                                     on_shutdown=shutdown, cron_jobs=[]))
        made.append(w)
        await w.run_check()

    yield run
    for w in made:
        await w.close()


async def create(client, **fields) -> dict:
    return (await client.data(CREATE, {"i": fields}))["createWebhookEndpoint"]


async def test_an_event_reaches_the_receiver_signed_once_per_webhook_id(gql, make_token, product,
                                                                        receiver, worker):
    client = gql.as_token(await make_token("webhooks:write", "webhooks:read", "asks:read",
                                           product_id=product.id))
    made = await create(client, url=receiver.url, eventTypes=["ASK_SENT", "ASK_CLICKED"])
    assert made["userErrors"] == [] and made["secret"].startswith("whsec_")
    assert made["endpoint"]["eventTypes"] == ["ASK_CLICKED", "ASK_SENT"]
    await record_event("ask.sent", product.id, {"ask": 7, "touch": 9, "sequence": 0, "customer": 3,
                                                "campaign": 2, "channel": "email"})
    await record_event("ask.planned", product.id, {"ask": 8})  # not subscribed
    await worker()
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    body = Webhook(made["secret"]).verify(request.body, request.headers)  # raises if forged
    assert body["type"] == "ask.sent"
    assert body["data"] == {"eventId": request.headers["webhook-id"], "productId": gid("Product", product.id),
                            "askId": gid("Ask", 7), "touchId": gid("AskTouch", 9), "sequence": 0,
                            "customerId": gid("Customer", 3), "campaignId": gid("Campaign", 2),
                            "channel": "EMAIL"}
    assert body["timestamp"].endswith("Z")
    # The webhook-id is the event's id in the feed.
    feed = await gql.as_token(await make_token("asks:read")).data(
        "{ events(filter: {types: [ASK_SENT]}) { nodes { id } } }")
    assert feed["events"]["nodes"][0]["id"] == request.headers["webhook-id"]
    # Run again: nothing more is sent.
    await worker()
    assert len(receiver.requests) == 1
    log = (await client.data(DELIVERIES, {"id": made["endpoint"]["id"]}))["deliveries"]
    delivered = log["nodes"][0]
    assert (log["totalCount"], delivered["status"], delivered["attempts"], delivered["lastStatusCode"]) == (
        1, "DELIVERED", 1, 200)
    assert delivered["attemptLog"][0]["statusCode"] == 200 and delivered["attemptLog"][0]["latencyMs"] >= 0


async def test_a_failing_receiver_is_retried_with_backoff_and_the_same_webhook_id(
        gql, make_token, product, receiver, worker):
    client = gql.as_token(await make_token("admin"))
    made = await create(client, productId=gid("Product", product.id), url=receiver.url,
                        eventTypes=["CAMPAIGN_ACTIVATED"])
    receiver.answers = [500]
    await record_event("campaign.activated", product.id, {"campaign": 1})
    await worker()
    row = await WebhookDelivery.objects().first()
    assert (row.status, row.attempts, row.last_status_code) == ("pending", 1, 500)
    wait = row.next_attempt_at - row.last_attempt_at
    assert dt.timedelta(seconds=13) <= wait <= dt.timedelta(seconds=17)  # 15 s ± 10 %
    assert row.last_error.startswith("HTTP 500")
    # Due now (as if the backoff had passed): the retry carries the same webhook-id.
    await WebhookDelivery.update({WebhookDelivery.next_attempt_at: dt.datetime.now(dt.UTC)
                                  - dt.timedelta(minutes=1)}).where(WebhookDelivery.id == row.id)
    await dispatch_webhooks({"redis": (await _redis())})
    await worker()
    assert [r.headers["webhook-id"] for r in receiver.requests] == [row.message_id] * 2
    Webhook(made["secret"]).verify(receiver.requests[1].body, receiver.requests[1].headers)
    log = (await client.data(DELIVERIES, {"id": made["endpoint"]["id"]}))["deliveries"]["nodes"][0]
    assert log["status"] == "DELIVERED" and [a["statusCode"] for a in log["attemptLog"]] == [500, 200]

    # Resend: once more, the same webhook-id, on demand.
    resent = await client.data("""mutation($id: ID!) { resendWebhookDelivery(id: $id) {
        delivery { status attempts } userErrors { code } } }""", {"id": log["id"]})
    assert resent["resendWebhookDelivery"]["delivery"] == {"status": "PENDING", "attempts": 0}
    await worker()
    async with asyncio.timeout(20):
        await receiver.wait_for(3)
    assert receiver.requests[2].headers["webhook-id"] == row.message_id


async def _redis():
    from jobs.redis import connect

    return await connect()


async def test_the_retry_schedule_spans_more_than_a_day():
    assert sum(deliveries.RETRY_SCHEDULE) >= 24 * 3600
    assert all(b >= a for a, b in zip(deliveries.RETRY_SCHEDULE, deliveries.RETRY_SCHEDULE[1:], strict=False))


async def test_the_last_attempt_fails_the_delivery(gql, make_token, product, receiver, worker):
    client = gql.as_token(await make_token("admin"))
    await create(client, productId=gid("Product", product.id), url=receiver.url,
                 eventTypes=["CAMPAIGN_ACTIVATED"])
    await record_event("campaign.activated", product.id, {"campaign": 1})
    await pump(await _redis())
    row = await WebhookDelivery.objects().first()
    await WebhookDelivery.update({WebhookDelivery.attempts: deliveries.MAX_ATTEMPTS - 1}).where(
        WebhookDelivery.id == row.id)
    receiver.answers = [503]
    await worker()
    row = await WebhookDelivery.objects().first()
    assert (row.status, row.attempts) == ("failed", deliveries.MAX_ATTEMPTS)


async def test_an_endpoint_failing_for_long_is_disabled_and_says_so(gql, make_token, product, receiver,
                                                                   worker, monkeypatch):
    monkeypatch.setattr(deliveries, "DISABLE_AFTER_FAILURES", 2)
    monkeypatch.setattr(deliveries, "DISABLE_AFTER", dt.timedelta(0))
    client = gql.as_token(await make_token("admin"))
    watcher = await create(client, productId=gid("Product", product.id), url=receiver.url + "/watch",
                           eventTypes=["WEBHOOK_DISABLED"])
    failing = await create(client, productId=gid("Product", product.id), url=receiver.url + "/fail",
                           eventTypes=["CAMPAIGN_ACTIVATED"])
    receiver.answers = [500, 500]
    await record_event("campaign.activated", product.id, {"campaign": 1})
    await record_event("campaign.activated", product.id, {"campaign": 2})
    await worker()
    answer = await client.data(DELIVERIES, {"id": failing["endpoint"]["id"]})
    state = answer["node"]
    assert state["enabled"] is False and "2 failed attempts in a row" in state["disabledReason"]
    assert {n["status"] for n in answer["deliveries"]["nodes"]} == {"CANCELLED"}
    # The disabling is an event, delivered to the endpoint watching for it.
    await worker()
    told = [r.json for r in receiver.requests if r.json["type"] == "webhook.disabled"]
    assert [t["data"]["webhookEndpointId"] for t in told] == [failing["endpoint"]["id"]]
    Webhook(watcher["secret"]).verify(receiver.requests[-1].body, receiver.requests[-1].headers)
    # Enabled again: the failure run is cleared.
    again = await client.data("""mutation($id: ID!) { updateWebhookEndpoint(id: $id, input: {enabled: true}) {
        endpoint { enabled consecutiveFailures disabledReason } userErrors { code } } }""",
                              {"id": failing["endpoint"]["id"]})
    assert again["updateWebhookEndpoint"]["endpoint"] == {"enabled": True, "consecutiveFailures": 0,
                                                          "disabledReason": ""}


async def test_a_test_message_is_signed_and_logged(gql, make_token, product, receiver, worker):
    client = gql.as_token(await make_token("admin"))
    made = await create(client, productId=gid("Product", product.id), url=receiver.url,
                        eventTypes=["ASK_SENT"])
    sent = await client.data("""mutation($id: ID!) { sendTestWebhook(id: $id) {
        delivery { eventType messageId status } userErrors { code } } }""", {"id": made["endpoint"]["id"]})
    delivery = sent["sendTestWebhook"]["delivery"]
    assert delivery["eventType"] == "webhook.test" and delivery["messageId"].startswith("test_")
    await worker()
    body = Webhook(made["secret"]).verify(receiver.requests[0].body, receiver.requests[0].headers)
    assert body["type"] == "webhook.test" and body["data"]["webhookEndpointId"] == made["endpoint"]["id"]


async def test_rotating_the_secret_signs_later_deliveries_with_the_new_one(gql, make_token, product,
                                                                          receiver, worker):
    client = gql.as_token(await make_token("admin"))
    made = await create(client, productId=gid("Product", product.id), url=receiver.url,
                        eventTypes=["CAMPAIGN_ACTIVATED"])
    rotated = (await client.data("""mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret
        userErrors { code } } }""", {"id": made["endpoint"]["id"]}))["rotateWebhookSecret"]["secret"]
    assert rotated != made["secret"]
    await record_event("campaign.activated", product.id, {"campaign": 1})
    await worker()
    request = receiver.requests[0]
    Webhook(rotated).verify(request.body, request.headers)
    with pytest.raises(Exception, match="signature"):
        Webhook(made["secret"]).verify(request.body, request.headers)


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:9/x", "http://localhost/x", "http://10.0.0.5/x", "http://169.254.169.254/latest",
    "http://[::1]/x", "http://[::ffff:127.0.0.1]/x", "http://0.0.0.0/x", "http://192.168.1.1/",
    "javascript:alert(1)", "ftp://example.com/x", "https://user:pw@example.com/x", "not a url",
    "http://no-such-host.invalid/x", "https://" + "a" * 600 + ".example/"])
async def test_receivers_inside_the_network_or_malformed_are_refused(gql, make_token, product, url):
    client = gql.as_token(await make_token("admin"))
    made = await create(client, productId=gid("Product", product.id), url=url, eventTypes=["ASK_SENT"])
    assert made["endpoint"] is None and [e["code"] for e in made["userErrors"]] == ["INVALID_URL"]


async def test_a_receiver_that_later_resolves_inside_is_refused_at_delivery(gql, make_token, product,
                                                                            receiver, worker,
                                                                            monkeypatch):
    client = gql.as_token(await make_token("admin"))
    await create(client, productId=gid("Product", product.id), url=receiver.url,
                 eventTypes=["CAMPAIGN_ACTIVATED"])
    monkeypatch.setenv("PLAUDIT_WEBHOOK_ALLOW_PRIVATE", "false")  # as if DNS now said loopback
    await record_event("campaign.activated", product.id, {"campaign": 1})
    await worker()
    assert receiver.requests == []
    row = await WebhookDelivery.objects().first()
    assert row.status == "pending" and "private, loopback or reserved" in row.last_error


def test_public_addresses():
    assert is_public_address("93.184.216.34") and is_public_address("2606:4700::1111")
    for address in ("127.0.0.1", "10.1.2.3", "172.16.0.1", "100.64.0.1", "169.254.169.254", "::1",
                    "fe80::1", "fc00::1", "::ffff:10.0.0.1", "224.0.0.1",
                    "0.0.0.0"):  # noqa: S104
        assert not is_public_address(address), address


async def test_subscribing_needs_the_scope_of_each_family_and_stays_in_the_product(
        gql, make_token, product, other_product, receiver):
    narrow = gql.as_token(await make_token("webhooks:write", "webhooks:read", "asks:read",
                                           product_id=product.id))
    refused = await create(narrow, url=receiver.url, eventTypes=["REVIEW_RECEIVED"])
    assert [e["code"] for e in refused["userErrors"]] == ["FORBIDDEN_EVENT_TYPE"]
    elsewhere = await create(narrow, productId=gid("Product", other_product.id), url=receiver.url,
                             eventTypes=["ASK_SENT"])
    assert [e["code"] for e in elsewhere["userErrors"]] == ["NOT_FOUND"]
    admin = gql.as_token(await make_token("admin"))
    theirs = await create(admin, productId=gid("Product", other_product.id), url=receiver.url,
                          eventTypes=["ASK_SENT"])
    listed = await narrow.data("{ webhookEndpoints { nodes { id } } }")
    assert listed["webhookEndpoints"]["nodes"] == []
    assert (await narrow.data("query($id: ID!) { node(id: $id) { id } }",
                              {"id": theirs["endpoint"]["id"]}))["node"] is None
    deleted = await narrow.data("""mutation($id: ID!) { deleteWebhookEndpoint(id: $id) {
        deletedId userErrors { code } } }""", {"id": theirs["endpoint"]["id"]})
    assert [e["code"] for e in deleted["deleteWebhookEndpoint"]["userErrors"]] == ["NOT_FOUND"]
    reader = gql.as_token(await make_token("asks:read"))
    denied = await reader("{ webhookEndpoints { nodes { id } } }")
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await WebhookEndpoint.count() == 1


async def test_endpoints_created_after_an_event_do_not_get_it(gql, make_token, product, receiver, worker):
    await record_event("campaign.activated", product.id, {"campaign": 1})
    client = gql.as_token(await make_token("admin"))
    await create(client, productId=gid("Product", product.id), url=receiver.url,
                 eventTypes=["CAMPAIGN_ACTIVATED"])
    await worker()
    assert receiver.requests == []



async def test_metrics_count_deliveries_by_status_and_disabled_endpoints(http, product):
    endpoint = WebhookEndpoint(product=product.id, url="https://hooks.example/x",
                               event_types=["ask.sent"],
                               secret="whsec_x", enabled=False)
    await endpoint.save()
    for status in ("pending", "pending", "failed"):
        await WebhookDelivery.insert(WebhookDelivery(endpoint=endpoint.id, message_id="m", body="{}",
                                                     event_type="ask.sent", status=status))
    text = (await http.get("/metrics")).text
    assert 'plaudit_webhook_deliveries{status="pending"} 2.0' in text
    assert 'plaudit_webhook_deliveries{status="failed"} 1.0' in text
    assert "plaudit_webhook_endpoints_disabled 1.0" in text
