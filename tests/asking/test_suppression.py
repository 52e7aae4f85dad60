"""Suppression from outside (issue 12): a partner reports a bounce, a complaint or a request over
GraphQL, and the address stops receiving asks at once; the console's edit of a status works."""

from __future__ import annotations

from jobs.asking.asks import send_touch
from models.asking.tables import Ask, AskTouch
from models.core.actors import SYSTEM
from models.people.customers import Customer, upsert_customers
from tests.asking.test_asking_sending import first_touch, planned_world
from tests.ids import gid

SUPPRESS = """mutation($e: String!, $r: SuppressionReason!, $p: ID) {
  suppressAddress(email: $e, reason: $r, productId: $p) {
    customerIds asksClosed userErrors { code field } } }"""
LIFT = """mutation($e: String!, $p: ID) { liftSuppression(email: $e, productId: $p) {
  customerIds asksClosed userErrors { code field } } }"""


async def status_of(external_id: str) -> dict:
    return await Customer.select(Customer.email_status, Customer.suppressed_at).where(
        Customer.external_id == external_id).first()


async def test_a_bounce_suppresses_the_address_and_closes_its_asks(gql, make_token, world, smtp_sink):
    await planned_world(world, "us1", "fr1")
    client = gql.as_token(await make_token("customers:write"))
    done = (await client.data(SUPPRESS, {"e": " US1@client.example ", "r": "BOUNCE"}))["suppressAddress"]
    customer = await Customer.objects().get(Customer.external_id == "us1")
    assert done == {"customerIds": [gid("Customer", customer.id)], "asksClosed": 1, "userErrors": []}
    state = await status_of("us1")
    assert state["email_status"] == "bounced" and state["suppressed_at"] is not None
    assert {a["status"] for a in await Ask.select(Ask.status).where(Ask.customer == customer.id)} == {
        "bounced"}
    touch = await first_touch("us1")
    assert touch["status"] == "cancelled"
    assert await send_touch({"job_try": 1}, touch["id"]) != "sent"
    assert smtp_sink.to("us1@client.example") == []
    # fr1 is not affected; a second report changes nothing and keeps the first reason.
    assert (await status_of("fr1"))["email_status"] == "ok"
    again = (await client.data(SUPPRESS, {"e": "us1@client.example", "r": "COMPLAINT"}))
    assert again["suppressAddress"] == {"customerIds": [], "asksClosed": 0, "userErrors": []}
    assert (await status_of("us1"))["email_status"] == "bounced"


async def test_a_limited_token_suppresses_only_in_its_product(gql, make_token, world, other_product):
    await upsert_customers(SYSTEM, other_product.id, [{"external_id": "b-us1",
                                                       "email": "us1@client.example"}])
    limited = gql.as_token(await make_token("customers:write", product_id=other_product.id))
    done = (await limited.data(SUPPRESS, {"e": "us1@client.example", "r": "REQUEST"}))["suppressAddress"]
    assert len(done["customerIds"]) == 1
    assert (await status_of("b-us1"))["email_status"] == "unsubscribed"
    assert (await status_of("us1"))["email_status"] == "ok"  # product A's customer: untouched
    refused = await limited.data(SUPPRESS, {"e": "us1@client.example", "r": "BOUNCE",
                                            "p": gid("Product", world["product"].id)})
    assert refused["suppressAddress"]["userErrors"] == [{"code": "PRODUCT_FORBIDDEN", "field": ["productId"]}]
    bad = await limited.data(SUPPRESS, {"e": "not an address", "r": "BOUNCE"})
    assert bad["suppressAddress"]["userErrors"] == [{"code": "INVALID_EMAIL", "field": ["email"]}]


async def test_only_a_bounce_is_lifted_by_a_partner(gql, make_token, world):
    client = gql.as_token(await make_token("customers:write"))
    await client.data(SUPPRESS, {"e": "us1@client.example", "r": "BOUNCE"})
    await client.data(SUPPRESS, {"e": "fr1@client.example", "r": "COMPLAINT"})
    lifted = (await client.data(LIFT, {"e": "us1@client.example"}))["liftSuppression"]
    assert lifted["userErrors"] == [] and len(lifted["customerIds"]) == 1
    assert await status_of("us1") == {"email_status": "ok", "suppressed_at": None}
    refused = (await client.data(LIFT, {"e": "fr1@client.example"}))["liftSuppression"]
    assert refused["userErrors"] == [{"code": "PERSON_DECIDED", "field": ["email"]}]
    assert (await status_of("fr1"))["email_status"] == "complained"


async def test_the_console_sets_the_status_and_its_date_together(http, world):
    from tests.access.test_admin_http import PASSWORD, USERNAME, create_admin_user, csrf_token

    await create_admin_user()
    csrf = await csrf_token(http)
    assert (await http.post("/admin/public/login/", json={"username": USERNAME, "password": PASSWORD},
                            headers={"X-CSRFToken": csrf})).status_code == 200
    customer = await Customer.objects().get(Customer.external_id == "gb1")
    url = f"/admin/api/tables/customer/{customer.id}/"
    bounced = await http.patch(url, json={"email_status": "bounced"}, headers={"X-CSRFToken": csrf})
    assert bounced.status_code == 200, bounced.text
    assert (await status_of("gb1"))["suppressed_at"] is not None
    back = await http.patch(url, json={"email_status": "ok"}, headers={"X-CSRFToken": csrf})
    assert back.status_code == 200, back.text
    assert await status_of("gb1") == {"email_status": "ok", "suppressed_at": None}
    assert await AskTouch.count() == 0
