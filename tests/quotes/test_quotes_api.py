"""Quotes over GraphQL: praise capture and curation for a headless back office."""

from models.core.outbox import OutboxMessage
from models.people.customers import Customer
from tests.ids import gid

APPROVE = """mutation($id: ID!, $p: [Placement!]) { approveQuote(id: $id, placements: $p) {
  quote { id status approvedBy consents { placement state published } }
  userErrors { field code message } } }"""
PRAISE = """mutation($c: ID!, $t: String!) { capturePraise(customerId: $c, text: $t) {
  quote { id source status text } userErrors { field code message } } }"""


async def test_capture_approve_and_list(gql, make_token, world, redis):
    client = gql.as_token(await make_token("quotes:write", "quotes:read"))
    customer = await Customer.objects().get(Customer.email == "us2@client.example")
    captured = (await client.data(PRAISE, {"c": gid("Customer", customer.id),
                                           "t": "Rolling out took one afternoon."}))["capturePraise"]
    assert captured["userErrors"] == [] and captured["quote"]["source"] == "PRAISE"
    quote_id = captured["quote"]["id"]
    approved = (await client.data(APPROVE, {"id": quote_id, "p": ["SOCIAL"]}))["approveQuote"]
    assert approved["userErrors"] == []
    assert approved["quote"]["status"] == "APPROVED" and approved["quote"]["approvedBy"] == "token:test token"
    assert approved["quote"]["consents"] == [{"placement": "SOCIAL", "state": "REQUESTED",
                                              "published": False}]
    # The consent request was handed to the worker queue right after the commit.
    message = (await OutboxMessage.select().where(OutboxMessage.job == "send_consent_request"))[0]
    assert message["enqueued_at"] is not None
    listed = await client.data("{ quotes(first: 5, status: APPROVED) { nodes { id text } } }")
    assert [n["id"] for n in listed["quotes"]["nodes"]] == [quote_id]


async def test_expected_failures_are_user_errors(gql, make_token, world):
    client = gql.as_token(await make_token("quotes:write"))
    customer = await Customer.objects().get(Customer.email == "us2@client.example")
    empty = (await client.data(PRAISE, {"c": gid("Customer", customer.id), "t": "  "}))["capturePraise"]
    assert [(e["code"], e["field"]) for e in empty["userErrors"]] == [("TEXT_REQUIRED", ["text"])]
    missing = (await client.data(APPROVE, {"id": gid("Quote", 999)}))["approveQuote"]
    assert [e["code"] for e in missing["userErrors"]] == ["NOT_FOUND"] and missing["quote"] is None


async def test_quotes_need_their_scope(gql, make_token, world):
    client = gql.as_token(await make_token("showcase:read"))
    response = await client("{ quotes(first: 1) { nodes { id } } }")
    assert "quotes:read" in response["errors"][0]["message"]
    customer = await Customer.objects().get(Customer.email == "us2@client.example")
    refused = await client(PRAISE, {"c": gid("Customer", customer.id), "t": "Nice."})
    assert "quotes:write" in refused["errors"][0]["message"]
