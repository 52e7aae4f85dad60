"""Issue 13's whole loop through HTTP alone: Stripe's own renewal event in, a signal, an ask
mailed, a click, a review imported — and a live subscriber and a signed webhook receiver both
see ask.sent, ask.clicked and review.received, the subscriber in order, the receiver once per
webhook-id."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import time

from standardwebhooks.webhooks import Webhook

from tests.asking.fixtures import EN
from tests.core.test_partner_flow import BROWSER, one, run_the_worker
from tests.events.test_subscriptions import connected, next_message, server, subscribe  # noqa: F401
from tests.events.test_webhooks import worker  # noqa: F401 (fixture)
from tests.integrations.test_native_intake import STRIPE_SECRET, fixture, stripe_headers

WANTED = ["ASK_SENT", "ASK_CLICKED", "REVIEW_RECEIVED"]


async def test_stripe_renewal_to_review_seen_live_and_by_webhook(
        gql, http, make_token, smtp_sink, redis, receiver, worker, server):  # noqa: F811
    admin = gql.as_token(await make_token("admin"))
    product = one(await admin.data('mutation { createProduct(input: {slug: "loop", name: "Loop"}) '
                                   "{ product { id } userErrors { code } } }"),
                  "createProduct")["product"]["id"]
    g2 = (await admin.data('{ reviewPlatforms(key: "g2") { nodes { id } } }'))["reviewPlatforms"]["nodes"][0]
    one(await admin.data(
        """mutation($i: PlatformProfileInput!) { createPlatformProfile(input: $i) { profile { id }
           userErrors { code } } }""",
        {"i": {"productId": product, "platformId": g2["id"], "profileUrl": "https://g2.example/p/loop",
               "reviewUrl": "https://g2.example/p/loop/review"}}), "createPlatformProfile")
    sender = one(await admin.data(
        """mutation($p: ID) { createSender(productId: $p, input: {name: "Marie Dupont",
           title: "Head of Customer Success", email: "marie@loop.example"}) { sender { id }
           userErrors { code } } }""", {"p": product}), "createSender")["sender"]["id"]
    one(await admin.data(
        """mutation($p: ID, $c: [CustomerInput!]!) { upsertCustomers(productId: $p, customers: $c) {
           results { customerId } userErrors { code } } }""",
        {"p": product, "c": [{"externalId": "cus_QxLedger0001", "email": "ada@acme.example",
                              "firstName": "Ada", "locale": "EN", "timeZone": "UTC", "country": "FR",
                              "customerSince": "2024-01-15"}]}), "upsertCustomers")
    campaign = one(await admin.data(
        """mutation($i: CampaignInput!) { createCampaign(input: $i) { campaign { id }
           userErrors { code field message } } }""",
        {"i": {"productId": product, "name": "Renewals", "triggerKind": "SIGNAL", "triggerSignal": "RENEWED",
               "channel": "EMAIL", "senderId": sender, "templates": [{"locale": "EN", **EN}],
               "routing": {"strategy": "FIXED", "fixed": "g2"},
               "pacing": {"businessHoursStart": 0, "businessHoursEnd": 24, "jitterMinutes": 0,
                          "maxPerHour": 3600, "maxPerDay": 10000,
                          "businessDays": ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY",
                                           "SATURDAY", "SUNDAY"]}}}), "createCampaign")["campaign"]
    one(await admin.data("mutation($id: ID!) { activateCampaign(id: $id) { userErrors { code } } }",
                         {"id": campaign["id"]}), "activateCampaign")
    one(await admin.data("""mutation($p: ID, $s: String!) { connectIntegration(input: {productId: $p,
        provider: STRIPE, signingSecret: $s}) { integration { id } userErrors { code } } }""",
                         {"p": product, "s": STRIPE_SECRET}), "connectIntegration")
    endpoint = one(await admin.data(
        """mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { secret
           userErrors { code message } } }""",
        {"i": {"productId": product, "url": receiver.url, "eventTypes": WANTED}}), "createWebhookEndpoint")
    watcher = await make_token("asks:read", "reviews:read")
    async with connected(server, watcher) as ws:
        await subscribe(ws, "subscription($t: [EventType!]) { events(types: $t) { id type askId } }",
                        {"t": WANTED})
        # Stripe: the renewal invoice of this customer is paid, now.
        event = fixture("stripe_invoice_paid.json", created=int(time.time()))
        event["data"]["object"]["status_transitions"]["paid_at"] = int(time.time())
        body = json.dumps(event).encode()
        answer = await http.post("/integrations/stripe", content=body, headers=stripe_headers(body))
        assert answer.json()["code"] == "SIGNAL_CREATED", answer.text

        await run_the_worker(redis)  # the campaign run plans the ask; the send mails it
        mail = smtp_sink.to("ada@")[0]
        link = re.search(r"https?://[^/\s]+(/r/[^\s>\"]+)", mail.get_body(("plain",)).get_content())
        clicked = await http.get(link.group(1), headers={"User-Agent": BROWSER})
        assert clicked.status_code in (302, 303, 307)
        one(await admin.data(
            """mutation($p: ID, $r: [ReviewInput!]!) { importReviews(productId: $p, reviews: $r) {
               results { reviewId } userErrors { code } } }""",
            {"p": product, "r": [{"platform": "g2", "externalId": "g2-ada", "rating": 5,
                                  "reviewedOn": dt.date.today().isoformat(), "reviewerName": "Ada",
                                  "reviewerEmail": "ada@acme.example", "pros": "Setting up took minutes."}]}),
            "importReviews")
        live = [(await next_message(ws))["payload"]["data"]["events"] for _ in WANTED]
    assert [e["type"] for e in live] == WANTED
    assert len({e["askId"] for e in live if e["askId"]}) == 1

    await worker()  # the webhook worker: fan-out and deliveries
    async with asyncio.timeout(20):
        await receiver.wait_for(3)
    await worker()  # nothing more to send
    bodies = {r.headers["webhook-id"]: Webhook(endpoint["secret"]).verify(r.body, r.headers)
              for r in receiver.requests}
    assert len(receiver.requests) == len(bodies) == 3  # each event once, each signed
    assert {b["type"] for b in bodies.values()} == {"ask.sent", "ask.clicked", "review.received"}
    assert set(bodies) == {e["id"] for e in live}  # webhook-id = the event's id in the feed
