"""Native intake: Stripe's and Zendesk's own webhook events, from fixtures in their documented
payload shapes, signed as each provider documents (computed here from their docs, not with the
code under test), in through HTTP, out as signals — once per provider event."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import time
from pathlib import Path

import pytest

from models.core.actors import SYSTEM
from models.integrations.intake import connect
from models.integrations.tables import IntegrationEvent
from models.people.customers import upsert_customers
from models.people.signals import Signal
from tests.access.test_admin_http import admin  # noqa: F401 (fixture)

FIXTURES = Path(__file__).parents[1] / "fixtures" / "integrations"
STRIPE_SECRET = "whsec_test_5Rl0a3Kd0pS1xQv7Zb9cN2mH4jT6wYeU"
ZENDESK_SECRET = "dGhpcyBpcyBhIHplbmRlc2sgc2lnbmluZyBzZWNyZXQ="


def fixture(name: str, **overrides) -> dict:
    event = json.loads((FIXTURES / name).read_text())
    event.update(overrides)
    return event


def stripe_headers(body: bytes, secret: str = STRIPE_SECRET, at: int | None = None) -> dict:
    # Stripe's docs: t=<timestamp>,v1=<hex HMAC-SHA256 of "<timestamp>.<payload>">.
    stamp = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return {"Stripe-Signature": f"t={stamp},v1={mac}", "Content-Type": "application/json"}


def zendesk_headers(body: bytes, secret: str = ZENDESK_SECRET, at: dt.datetime | None = None) -> dict:
    # Zendesk's docs: base64(HMACSHA256(TIMESTAMP + BODY)).
    stamp = (at or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    mac = hmac.new(secret.encode(), stamp.encode() + body, hashlib.sha256).digest()
    return {"X-Zendesk-Webhook-Signature": base64.b64encode(mac).decode(),
            "X-Zendesk-Webhook-Signature-Timestamp": stamp,
            "X-Zendesk-Webhook-Id": "01GK8E6BKWMJZD2T8Y5AXJQMG5", "Content-Type": "application/json"}


@pytest.fixture
async def connected(product, other_product):
    await upsert_customers(SYSTEM, product.id, [
        {"external_id": "cus_QxLedger0001", "email": "ada@acme.example"},
        {"external_id": "20978400", "email": "grace@acme.example"},
        {"external_id": "crm-77", "email": "alan@acme.example"}])
    other = (await connect(SYSTEM, other_product.id, "stripe", "whsec_other_product_secret_000")).value
    stripe = (await connect(SYSTEM, product.id, "stripe", STRIPE_SECRET)).value
    zendesk = (await connect(SYSTEM, product.id, "zendesk", ZENDESK_SECRET)).value
    return {"stripe": stripe, "zendesk": zendesk, "other": other}


async def post(http, provider: str, event: dict, headers_for=None, **sign) -> tuple[int, dict]:
    body = json.dumps(event).encode()
    headers = (headers_for or (stripe_headers if provider == "stripe" else zendesk_headers))(body, **sign)
    response = await http.post(f"/integrations/{provider}", content=body, headers=headers)
    return response.status_code, response.json()


async def signals() -> list[dict]:
    return await Signal.select(Signal.kind, Signal.source, Signal.event_id, Signal.customer.external_id,
                               Signal.product, Signal.occurred_at).order_by(Signal.id)


async def test_a_paid_renewal_invoice_is_a_renewal_once(http, connected, product):
    event = fixture("stripe_invoice_paid.json")
    assert await post(http, "stripe", event) == (200, {"code": "SIGNAL_CREATED",
                                                      "message": "Recorded renewed."})
    recorded = await signals()
    assert [(s["kind"], s["source"], s["event_id"], s["customer.external_id"], s["product"])
            for s in recorded] == [("renewed", "stripe", "invoice:in_1QxInvoice00000000000",
                                    "cus_QxLedger0001", product.id)]
    assert recorded[0]["occurred_at"] == dt.datetime.fromtimestamp(1764840000, dt.UTC)
    # Stripe retries the same event: nothing changes.
    assert (await post(http, "stripe", event))[1]["code"] == "DUPLICATE"
    # invoice.payment_succeeded of the same invoice (Stripe sends both): the same renewal.
    twin = fixture("stripe_invoice_paid.json", id="evt_1QxTwin", type="invoice.payment_succeeded")
    assert (await post(http, "stripe", twin))[1]["code"] == "DUPLICATE"
    assert len(await signals()) == 1
    assert await IntegrationEvent.count() == 2


async def test_the_customer_is_found_by_email_when_the_stripe_id_is_not_theirs(http, connected):
    event = fixture("stripe_invoice_paid.json")
    event["data"]["object"].update(customer="cus_Unknown", customer_email="ALAN@acme.example",
                                   id="in_ByEmail")
    assert (await post(http, "stripe", event))[1]["code"] == "SIGNAL_CREATED"
    assert (await signals())[0]["customer.external_id"] == "crm-77"


async def test_a_move_to_a_higher_priced_plan_is_an_upgrade(http, connected):
    event = fixture("stripe_subscription_updated.json")
    assert await post(http, "stripe", event) == (200, {"code": "SIGNAL_CREATED",
                                                      "message": "Recorded upgraded."})
    # 49.00 a month -> 1,200.00 a year (100.00 a month): higher. Back down is not an upgrade.
    down = fixture("stripe_subscription_updated.json", id="evt_Down")
    down["data"]["object"]["items"], down["data"]["previous_attributes"]["items"] = (
        down["data"]["previous_attributes"]["items"], down["data"]["object"]["items"])
    status, answer = await post(http, "stripe", down)
    assert (status, answer["code"]) == (200, "IGNORED") and "not a higher-priced plan" in answer["message"]
    other = fixture("stripe_subscription_updated.json", id="evt_Status")
    other["data"]["previous_attributes"] = {"status": "trialing"}
    assert (await post(http, "stripe", other))[1]["code"] == "IGNORED"
    assert [s["kind"] for s in await signals()] == ["upgraded"]


@pytest.mark.parametrize("change", [
    {"type": "customer.created"}, {"type": "charge.refunded"},
    {"data": {"object": {"object": "invoice", "billing_reason": "subscription_create", "amount_paid": 4900}},
     "type": "invoice.paid"},
    {"data": {"object": {"object": "invoice", "billing_reason": "subscription_cycle", "amount_paid": 0}},
     "type": "invoice.paid"},
    {"data": "not an object", "type": "invoice.paid"},
])
async def test_other_stripe_events_are_acknowledged_and_ignored(http, connected, change):
    event = fixture("stripe_invoice_paid.json", id=f"evt_{abs(hash(str(change)))}", **change)
    status, answer = await post(http, "stripe", event)
    assert (status, answer["code"]) == (200, "IGNORED")
    assert await signals() == []


async def test_bad_stripe_signatures_stale_timestamps_and_unknown_customers_are_clear(http, connected):
    event = fixture("stripe_invoice_paid.json")
    status, answer = await post(http, "stripe", event, secret="whsec_someone_else")
    assert (status, answer["code"]) == (400, "BAD_SIGNATURE")
    status, answer = await post(http, "stripe", event, at=int(time.time()) - 3600)
    assert (status, answer["code"]) == (400, "STALE_TIMESTAMP")
    body = json.dumps(event).encode()
    for headers in ({}, {"Stripe-Signature": "garbage"}, {"Stripe-Signature": "t=abc,v1=zz"}):
        response = await http.post("/integrations/stripe", content=body, headers=headers)
        assert (response.status_code, response.json()["code"]) == (400, "BAD_SIGNATURE")
    bad_utf8 = b'{"id": "evt_x", "type": "\xff\xfe"}'
    response = await http.post("/integrations/stripe", content=bad_utf8, headers=stripe_headers(bad_utf8))
    assert response.status_code == 400
    not_json = b"[1, 2"
    response = await http.post("/integrations/stripe", content=not_json, headers=stripe_headers(not_json))
    assert (response.status_code, response.json()["code"]) == (400, "BAD_PAYLOAD")
    stranger = fixture("stripe_invoice_paid.json", id="evt_Stranger")
    stranger["data"]["object"].update(customer="cus_Nobody", customer_email="nobody@else.example")
    status, answer = await post(http, "stripe", stranger)
    assert (status, answer["code"]) == (422, "UNKNOWN_CUSTOMER") and "cus_Nobody" in answer["message"]
    # Once the customer is synced, Stripe's retry lands.
    await upsert_customers(SYSTEM, connected["stripe"].product, [{"external_id": "cus_Nobody",
                                                                  "email": "nobody@else.example"}])
    assert (await post(http, "stripe", stranger))[1]["code"] == "SIGNAL_CREATED"
    huge = b'{"id": "' + b"x" * 600_000 + b'"}'
    response = await http.post("/integrations/stripe", content=huge, headers=stripe_headers(huge))
    assert response.status_code == 413
    assert [s["customer.external_id"] for s in await signals()] == ["cus_Nobody"]


async def test_the_other_products_stripe_secret_writes_to_the_other_product(http, connected, other_product):
    await upsert_customers(SYSTEM, other_product.id, [{"external_id": "cus_QxLedger0001",
                                                       "email": "o@x.example"}])
    event = fixture("stripe_invoice_paid.json")
    status, answer = await post(http, "stripe", event, secret="whsec_other_product_secret_000")
    assert (status, answer["code"]) == (200, "SIGNAL_CREATED")
    assert [s["product"] for s in await signals()] == [other_product.id]


async def test_a_solved_zendesk_ticket_is_a_resolved_ticket_once(http, connected):
    event = fixture("zendesk_ticket_solved.json")
    assert await post(http, "zendesk", event) == (200, {"code": "SIGNAL_CREATED",
                                                       "message": "Recorded ticket_resolved."})
    assert (await post(http, "zendesk", event))[1]["code"] == "DUPLICATE"
    trigger = fixture("zendesk_trigger_solved.json")
    assert (await post(http, "zendesk", trigger))[1]["code"] == "SIGNAL_CREATED"
    assert (await post(http, "zendesk", trigger))[1]["code"] == "DUPLICATE"
    assert [(s["kind"], s["event_id"], s["customer.external_id"]) for s in await signals()] == [
        ("ticket_resolved", "ticket:35436:solved", "20978400"),
        ("ticket_resolved", "ticket:35437:solved", "cus_QxLedger0001")]
    opened = fixture("zendesk_ticket_solved.json", id="01JE5OPEN")
    opened["event"] = {"current": "OPEN", "previous": "NEW"}
    assert (await post(http, "zendesk", opened))[1]["code"] == "IGNORED"
    user = {"type": "zen:event-type:user.active_changed", "id": "2b24ef10", "detail": {}, "event": {}}
    assert (await post(http, "zendesk", user))[1]["code"] == "IGNORED"


async def test_bad_zendesk_signatures_and_stale_timestamps_are_refused(http, connected):
    event = fixture("zendesk_ticket_solved.json")
    status, answer = await post(http, "zendesk", event, secret="not-the-secret")
    assert (status, answer["code"]) == (400, "BAD_SIGNATURE")
    status, answer = await post(http, "zendesk", event, at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
    assert (status, answer["code"]) == (400, "STALE_TIMESTAMP")
    response = await http.post("/integrations/zendesk", content=b"{}", headers=[
        (b"X-Zendesk-Webhook-Signature", b"x" * 500),
        (b"X-Zendesk-Webhook-Signature-Timestamp", "é".encode())])
    assert (response.status_code, response.json()["code"]) == (400, "BAD_SIGNATURE")
    assert await signals() == []


async def test_integrations_are_connected_and_listed_over_graphql_within_the_product(
        gql, make_token, product, other_product, http):
    mine = gql.as_token(await make_token("signals:write", "signals:read", product_id=product.id))
    made = await mine.data("""mutation { connectIntegration(input: {provider: STRIPE,
        signingSecret: "whsec_abcdefgh"}) { integration { id provider productId }
        userErrors { code field } } }""")
    integration = made["connectIntegration"]["integration"]
    assert integration["provider"] == "STRIPE"
    short = await mine.data("""mutation { connectIntegration(input: {provider: ZENDESK, signingSecret: "x"}) {
        integration { id } userErrors { code field } } }""")
    assert short["connectIntegration"]["userErrors"] == [{"code": "INVALID_SECRET",
                                                          "field": ["signingSecret"]}]
    theirs = (await connect(SYSTEM, other_product.id, "zendesk", "zendesk-secret-1")).value
    listed = await mine.data("{ integrations { nodes { id } } }")
    assert [n["id"] for n in listed["integrations"]["nodes"]] == [integration["id"]]
    from tests.ids import gid

    gone = await mine.data("""mutation($id: ID!) { disconnectIntegration(id: $id) { deletedId
        userErrors { code } } }""", {"id": gid("Integration", theirs.id)})
    assert gone["disconnectIntegration"]["userErrors"] == [{"code": "NOT_FOUND"}]
    body = json.dumps(fixture("stripe_invoice_paid.json")).encode()
    response = await http.post("/integrations/stripe", content=body,
                               headers=stripe_headers(body, "whsec_abcdefgh"))
    assert response.json()["code"] == "UNKNOWN_CUSTOMER"  # verified with this product's secret
    events = await mine.data("query($id: ID!) { integrationEvents(integrationId: $id) "
                             "{ nodes { outcome detail } } }", {"id": integration["id"]})
    assert [e["outcome"] for e in events["integrationEvents"]["nodes"]] == ["UNMATCHED"]


async def test_the_console_connects_an_integration_without_showing_its_secret(http, admin, product):  # noqa: F811
    response = await http.post("/admin/api/forms/connect-integration/", json={
        "product_slug": product.slug, "provider": "zendesk", "signing_secret": ZENDESK_SECRET},
        headers={"X-CSRFToken": admin})
    assert response.status_code == 200, response.text
    assert ZENDESK_SECRET not in response.text
    rows = (await http.get("/admin/api/tables/integration/")).json()["rows"]
    assert len(rows) == 1 and rows[0].get("signing_secret") is None
    await upsert_customers(SYSTEM, product.id, [{"external_id": "20978400", "email": "g@x.example"}])
    status, answer = await post(http, "zendesk", fixture("zendesk_ticket_solved.json"))
    assert (status, answer["code"]) == (200, "SIGNAL_CREATED")
    logged = (await http.get("/admin/api/tables/integration_event/")).json()["rows"]
    assert [r["outcome"] for r in logged] == ["signal"]
    short = await http.post("/admin/api/forms/connect-integration/", json={
        "product_slug": product.slug, "provider": "stripe", "signing_secret": "short"},
        headers={"X-CSRFToken": admin})
    assert short.status_code == 422
