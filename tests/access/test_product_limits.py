"""A token limited to one product reaches nothing of another — and mints nothing beyond itself.

Issue 10, High 2: a product-limited `admin` token minted an unlimited token and listed and
revoked every product's tokens. The walk of every root field found more: senders (global,
listed and edited across products), signal event ids (unique across products, so one product
learnt of and pre-empted another's events), the platform catalogue and the tenure derivation
(global work started by a limited token). Each is locked here, through GraphQL.
"""

from __future__ import annotations

import datetime as dt

import pytest

from models.access.tokens import ApiToken
from models.core.actors import SYSTEM
from models.people.senders import save_sender
from tests.ids import gid

CREATE = """mutation($n: String!, $s: [String!]!, $p: ID, $e: DateTime) {
  createApiToken(name: $n, scopes: $s, productId: $p, expiresAt: $e) {
    secret token { id productId scopes } userErrors { code field } } }"""
CUSTOMERS = "{ customers(first: 50) { nodes { externalId productId } } }"
UPSERT = """mutation($p: ID, $ext: String!) { upsertCustomers(productId: $p,
  customers: [{externalId: $ext, email: "x@example.com"}]) { createdCount userErrors { code } } }"""


def codes(payload: dict) -> list[str]:
    return [e["code"] for e in payload["userErrors"]]


@pytest.fixture
async def limited_admin(gql, make_token, other_product):
    """An admin token limited to other_product (call it B); `product` is A."""
    return gql.as_token(await make_token("admin", product_id=other_product.id))


async def test_a_limited_admin_mints_only_tokens_of_its_own_product(gql, limited_admin, make_token,
                                                                    product, other_product):
    admin = gql.as_token(await make_token("admin"))
    for prod, ext in ((product, "a-1"), (other_product, "b-1")):
        await admin.data(UPSERT, {"p": gid("Product", prod.id), "ext": ext})

    minted = (await limited_admin.data(CREATE, {"n": "child", "s": ["customers:read", "admin"]}))
    payload = minted["createApiToken"]
    assert payload["userErrors"] == []
    assert payload["token"]["productId"] == gid("Product", other_product.id)  # not unlimited
    child = gql.as_token(payload["secret"])
    assert (await child.data(CUSTOMERS))["customers"]["nodes"] == [
        {"externalId": "b-1", "productId": gid("Product", other_product.id)}]

    foreign = await limited_admin.data(CREATE, {"n": "x", "s": ["customers:read"], "p": gid("Product",
                                                                                            product.id)})
    assert codes(foreign["createApiToken"]) == ["PRODUCT_FORBIDDEN"]
    assert foreign["createApiToken"]["secret"] is None


async def test_an_expiring_token_mints_nothing_that_outlives_it(gql, make_token, other_product):
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    expiring = gql.as_token(await make_token("admin", product_id=other_product.id, expires_at=expires))
    forever = await expiring.data(CREATE, {"n": "forever", "s": ["customers:read"]})
    assert codes(forever["createApiToken"]) == ["EXPIRY_BEYOND_OWN"]
    later = (expires + dt.timedelta(minutes=5)).isoformat()
    assert codes((await expiring.data(CREATE, {"n": "l", "s": ["admin"], "e": later}))["createApiToken"]) \
        == ["EXPIRY_BEYOND_OWN"]
    sooner = (expires - dt.timedelta(minutes=5)).isoformat()
    ok = await expiring.data(CREATE, {"n": "s", "s": ["admin"], "e": sooner})
    assert codes(ok["createApiToken"]) == []


async def test_a_limited_admin_lists_and_revokes_only_its_products_tokens(gql, limited_admin, make_token,
                                                                         product, other_product):
    await make_token("customers:read")  # unlimited
    await make_token("customers:read", product_id=product.id)
    await make_token("customers:read", product_id=other_product.id)
    listed = await limited_admin.data("{ apiTokens(first: 100) { nodes { id productId } } }")
    products = {n["productId"] for n in listed["apiTokens"]["nodes"]}
    assert products == {gid("Product", other_product.id)}

    revoke = "mutation($id: ID!) { revokeApiToken(id: $id) { token { revokedAt } userErrors { code } } }"
    for row in await ApiToken.select(ApiToken.id, ApiToken.product):
        if row["product"] == other_product.id:
            continue
        refused = await limited_admin.data(revoke, {"id": gid("ApiToken", row["id"])})
        assert codes(refused["revokeApiToken"]) == ["NOT_FOUND"]
    assert await ApiToken.count().where(ApiToken.revoked_at.is_not_null()) == 0
    own = next(n["id"] for n in listed["apiTokens"]["nodes"])
    assert codes((await limited_admin.data(revoke, {"id": own}))["revokeApiToken"]) == []


async def test_senders_belong_to_a_product_or_are_shared(gql, make_token, world, other_product):
    shared = world["sender"]  # made by the system: shared
    mine_token = gql.as_token(await make_token("senders:read", "senders:write", "campaigns:write",
                                               product_id=other_product.id))
    theirs = (await save_sender(SYSTEM, None, {"name": "Ana", "email": "ana@a.example"},
                                world["product"].id)).value
    created = await mine_token.data("""mutation { createSender(input: {name: "Bo", email: "bo@b.example"})
        { sender { id productId } userErrors { code } } }""")
    assert created["createSender"]["sender"]["productId"] == gid("Product", other_product.id)

    listed = await mine_token.data("{ senders(first: 100) { nodes { email productId } } }")
    assert {n["email"] for n in listed["senders"]["nodes"]} == {shared.email, "bo@b.example"}

    update = """mutation($id: ID!) { updateSender(id: $id, input: {name: "Mallory"})
        { sender { id } userErrors { code } } }"""
    for foreign in (shared.id, theirs.id):
        assert codes((await mine_token.data(update, {"id": gid("Sender",
                                                               foreign)}))["updateSender"]) == ["NOT_FOUND"]
    refused = await mine_token.data("""mutation($p: ID) { createSender(productId: $p,
        input: {name: "Cy", email: "cy@b.example"}) { userErrors { code } } }""",
                                    {"p": gid("Product", world["product"].id)})
    assert codes(refused["createSender"]) == ["PRODUCT_FORBIDDEN"]

    # A campaign of B may use a shared sender or B's own, never A's.
    campaign = """mutation($s: ID) { createCampaign(input: {name: "B renewals", senderId: $s,
        triggerKind: SIGNAL, triggerSignal: RENEWED})
        { campaign { id } userErrors { code field } } }"""
    assert (await mine_token.data(campaign, {"s": gid("Sender",
                                                      theirs.id)}))["createCampaign"]["userErrors"] == [
        {"code": "NOT_FOUND", "field": ["senderId"]}]
    assert (await mine_token.data(campaign, {"s": gid("Sender",
                                                      shared.id)}))["createCampaign"]["userErrors"] == []


async def test_event_ids_are_unique_per_product_not_across_products(gql, make_token, product,
                                                                   other_product):
    record = """mutation($p: ID, $ext: String!) { recordSignals(productId: $p, signals: [
      {customerExternalId: $ext, kind: RENEWED, source: "stripe", eventId: "evt_1",
       occurredAt: "2026-11-01T10:00:00Z"}]) { results { status signalId } userErrors { code } } }"""
    a = gql.as_token(await make_token("customers:write", "signals:write", product_id=product.id))
    b = gql.as_token(await make_token("customers:write", "signals:write", product_id=other_product.id))
    await a.data(UPSERT, {"ext": "a-1"})
    await b.data(UPSERT, {"ext": "b-1"})
    first_a = (await a.data(record, {"ext": "a-1"}))["recordSignals"]["results"][0]
    first_b = (await b.data(record, {"ext": "b-1"}))["recordSignals"]["results"][0]
    # B's event is its own, not "a duplicate of A's signal <A's id>".
    assert first_a["status"] == first_b["status"] == "CREATED"
    assert first_a["signalId"] != first_b["signalId"]
    again = (await b.data(record, {"ext": "b-1"}))["recordSignals"]["results"][0]
    assert again == {"status": "DUPLICATE", "signalId": first_b["signalId"]}


async def test_global_work_needs_an_unlimited_admin(limited_admin):
    platform = await limited_admin.data("""mutation { updateReviewPlatform(id: "UmV2aWV3UGxhdGZvcm06MQ",
        input: {vendorMayAsk: false}) { platform { id } userErrors { code } } }""")
    assert codes(platform["updateReviewPlatform"]) == ["FORBIDDEN"]
    tenure = await limited_admin.data(
        "mutation { deriveTenureMilestones { queued outboxId userErrors { code } } }")
    assert tenure["deriveTenureMilestones"] == {"queued": False, "outboxId": None,
                                                "userErrors": [{"code": "FORBIDDEN"}]}
