"""API tokens: issuing, hashing, scopes, revocation, expiry, last use, GraphQL management."""

import datetime as dt

import pytest

from models.access.tokens import ApiToken, authenticate, create_token, hash_secret, revoke_token
from models.core.actors import SYSTEM, Actor
from tests.ids import gid


async def test_secret_is_shown_once_and_stored_only_as_a_hash():
    outcome = await create_token(SYSTEM, "CRM sync", ["customers:write"])
    secret = outcome.value.secret
    assert secret.startswith("pld_") and len(secret) == 4 + 43  # 256 random bits
    row = await ApiToken.objects().get(ApiToken.id == outcome.value.token.id)
    assert row.secret_hash == hash_secret(secret) and secret not in row.secret_hash
    assert row.prefix == secret[:12]
    other = await create_token(SYSTEM, "CRM sync", ["customers:write"])
    assert other.value.secret != secret


@pytest.mark.parametrize(("name", "scopes", "code"), [
    ("", ["customers:read"], "NAME_REQUIRED"),
    ("x", [], "SCOPES_REQUIRED"),
    ("x", ["customers:read", "root"], "UNKNOWN_SCOPE"),
])
async def test_invalid_requests_create_nothing(name, scopes, code):
    outcome = await create_token(SYSTEM, name, scopes)
    assert [e.code for e in outcome.errors] == [code]
    assert await ApiToken.count() == 0


async def test_only_admins_issue_tokens():
    reader = Actor(kind="token", name="t", scopes=frozenset({"customers:write"}))
    outcome = await create_token(reader, "x", ["customers:read"])
    assert [e.code for e in outcome.errors] == ["FORBIDDEN"]


async def test_authentication_refuses_unknown_revoked_and_expired_tokens(product):
    good = (await create_token(SYSTEM, "a", ["customers:read"], product.id)).value
    actor = await authenticate(good.secret)
    assert actor.scopes == {"customers:read"} and actor.product_id == product.id
    assert await authenticate(good.secret + "x") is None
    assert await authenticate("Bearer " + good.secret) is None
    assert await authenticate(None) is None
    await revoke_token(SYSTEM, good.token.id)
    assert await authenticate(good.secret) is None

    soon = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=60)
    expiring = (await create_token(SYSTEM, "b", ["customers:read"], expires_at=soon)).value
    assert await authenticate(expiring.secret) is not None
    await ApiToken.update({ApiToken.expires_at: dt.datetime.now(dt.UTC)
                           - dt.timedelta(seconds=1)}).where(ApiToken.id == expiring.token.id)
    assert await authenticate(expiring.secret) is None
    past = await create_token(SYSTEM, "c", ["customers:read"],
                              expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=1))
    assert [e.code for e in past.errors] == ["EXPIRY_IN_PAST"]


async def test_last_use_is_recorded_at_minute_precision(count_queries):
    issued = (await create_token(SYSTEM, "a", ["customers:read"])).value
    assert issued.token.last_used_at is None
    count_queries["n"] = 0
    await authenticate(issued.secret)
    assert count_queries["n"] == 2  # lookup + first last-use write
    first_use = (await ApiToken.objects().get(ApiToken.id == issued.token.id)).last_used_at
    assert first_use is not None
    count_queries["n"] = 0
    await authenticate(issued.secret)
    assert count_queries["n"] == 1  # within the minute: no write


async def test_tokens_are_managed_over_graphql_by_admins(gql, make_token, product):
    admin = gql.as_token(await make_token("admin"))
    created = (await admin.data(
        """mutation($p: ID) { createApiToken(name: "Help desk", scopes: ["signals:write"],
             productId: $p) { secret token { id prefix scopes productId } userErrors { code } } }""",
        {"p": gid("Product", product.id)}))["createApiToken"]
    assert created["secret"].startswith(created["token"]["prefix"])
    assert created["token"]["productId"] == gid("Product", product.id)
    listed = await admin.data("{ apiTokens { nodes { name prefix revokedAt } } }")
    assert {n["name"] for n in listed["apiTokens"]["nodes"]} == {"test token", "Help desk"}
    assert created["secret"] not in str(listed)
    bad = await admin.data('mutation { createApiToken(name: "x", scopes: ["nope"]) '
                           '{ secret userErrors { code field } } }')
    assert bad["createApiToken"] == {"secret": None, "userErrors": [
        {"code": "UNKNOWN_SCOPE", "field": ["scopes"]}]}
    revoked = await admin.data("mutation($id: ID!) { revokeApiToken(id: $id) { token { revokedAt } "
                               "userErrors { code } } }", {"id": created["token"]["id"]})
    assert revoked["revokeApiToken"]["token"]["revokedAt"] is not None
    helpdesk = gql.as_token(created["secret"])
    body = await helpdesk("{ signals { nodes { id } } }")
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    reader = gql.as_token(await make_token("customers:read"))
    body = await reader("{ apiTokens { nodes { id } } }")
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
