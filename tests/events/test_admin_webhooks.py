"""Webhooks in the console: create (secret once), test message to a real receiver, the delivery
log, resend, disable — and the tables refuse generic writes."""

from __future__ import annotations

from standardwebhooks.webhooks import Webhook

from tests.access.test_admin_http import admin  # noqa: F401 (fixture)
from tests.events.test_webhooks import worker  # noqa: F401 (fixture)


async def form(http, csrf, name: str, data: dict):
    return await http.post(f"/admin/api/forms/{name}/", json=data, headers={"X-CSRFToken": csrf})


async def test_an_admin_creates_tests_and_resends_a_webhook(http, admin, product, receiver, worker):  # noqa: F811
    created = await form(http, admin, "create-webhook-endpoint", {
        "product_slug": product.slug, "url": receiver.url, "event_types": "ask.sent, review.received",
        "description": "CRM"})
    assert created.status_code == 200, created.text
    message = created.json()["custom_form_success"]
    secret = next(word for word in message.split() if word.startswith("whsec_"))
    endpoints = (await http.get("/admin/api/tables/webhook_endpoint/")).json()["rows"]
    assert len(endpoints) == 1 and endpoints[0].get("secret") is None  # never sent to the console

    tested = await form(http, admin, "send-test-webhook", {"endpoint_id": endpoints[0]["id"]})
    assert tested.status_code == 200, tested.text
    await worker()
    assert Webhook(secret).verify(receiver.requests[0].body, receiver.requests[0].headers)["type"] == \
        "webhook.test"
    log = (await http.get("/admin/api/tables/webhook_delivery/")).json()["rows"]
    assert [(d["status"], d["last_status_code"]) for d in log] == [("delivered", 200)]

    resent = await form(http, admin, "resend-webhook-delivery", {"delivery_id": log[0]["id"]})
    assert resent.status_code == 200, resent.text
    await worker()
    assert [r.headers["webhook-id"] for r in receiver.requests] == [log[0]["message_id"]] * 2

    off = await form(http, admin, "enable-or-disable-webhook-endpoint",
                     {"endpoint_id": endpoints[0]["id"], "enabled": False})
    assert off.status_code == 200, off.text
    refused = await form(http, admin, "send-test-webhook", {"endpoint_id": endpoints[0]["id"]})
    assert refused.status_code == 422 and "Enable" in refused.json()["custom_form_error"]


async def test_bad_input_is_a_clear_form_error(http, admin, product):  # noqa: F811
    internal = await form(http, admin, "create-webhook-endpoint", {
        "product_slug": product.slug, "url": "http://169.254.169.254/latest/meta-data",
        "event_types": "ask.sent"})
    assert internal.status_code == 422
    assert "private, loopback or reserved" in internal.json()["custom_form_error"]
    unknown = await form(http, admin, "create-webhook-endpoint", {
        "product_slug": product.slug, "url": "https://hooks.example.com/x", "event_types": "ask.exploded"})
    assert unknown.status_code == 422 and "ask.exploded" in unknown.json()["custom_form_error"]
    generic = await http.post("/admin/api/tables/webhook_endpoint/", json={
        "product": product.id, "url": "http://127.0.0.1/", "event_types": ["ask.sent"], "secret": "x"},
        headers={"X-CSRFToken": admin})
    assert generic.status_code >= 400
