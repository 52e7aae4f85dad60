"""Guard rails of /graphql: size limits, page sizes, error masking, hints, permissions."""

from __future__ import annotations

import base64
import datetime as dt

import pytest

import settings
from models.core.pagination import MAX_PAGE_SIZE
from tests.ids import gid

PLATFORMS = "{ reviewPlatforms(first: %s) { nodes { key } } }"
TYPO = "{ reviewPlatfroms { nodes { key } } }"
CUSTOMERS = "{ customers(first: 20) { nodes { externalId productId } } }"
UPSERT = ("mutation($p: ID, $ext: String!) { upsertCustomers(productId: $p, customers: "
          "[{externalId: $ext, email: \"someone@example.com\"}]) "
          "{ createdCount userErrors { code field } } }")


def nested(depth: int, fragment: bool = False) -> str:
    """A query `depth` levels deep as the depth limiter counts them (root field = 0):
    signals → nodes → customer → signals → customer → … → id."""
    selection = "id"
    for field in reversed((["customer", "signals"] * depth)[: depth - 2]):
        selection = f"{field} {{ {selection} }}"
    if fragment:
        return ("{ signals(first: 1) { nodes { ...Deep } } } "
                f"fragment Deep on Signal {{ {selection} }}")
    return f"{{ signals(first: 1) {{ nodes {{ {selection} }} }} }}"


def messages(body: dict) -> list[str]:
    return [e["message"] for e in body.get("errors") or []]


def codes(body: dict) -> list[str | None]:
    return [(e.get("extensions") or {}).get("code") for e in body.get("errors") or []]


async def test_query_depth_over_the_limit_is_refused(gql, make_token):
    client = gql.as_token(await make_token("admin"))
    limit = settings.SETTINGS.graphql_max_depth
    assert (await client(nested(limit)))["data"] == {"signals": {"nodes": []}}
    body = await client(nested(limit + 1))
    assert body["data"] is None
    assert any(f"exceeds maximum operation depth of {limit}" in m for m in messages(body))


async def test_depth_through_fragments_is_counted(gql, make_token):
    client = gql.as_token(await make_token("admin"))
    limit = settings.SETTINGS.graphql_max_depth
    assert (await client(nested(limit, fragment=True)))["data"] == {"signals": {"nodes": []}}
    body = await client(nested(limit + 1, fragment=True))
    assert body["data"] is None
    assert any(f"exceeds maximum operation depth of {limit}" in m for m in messages(body))


async def test_too_many_aliases_are_refused(gql):
    limit = settings.SETTINGS.graphql_max_aliases
    ok = "{ " + " ".join(f"a{i}: __typename" for i in range(limit)) + " }"
    assert (await gql(ok))["data"]["a0"] == "Query"
    body = await gql("{ " + " ".join(f"a{i}: __typename" for i in range(limit + 1)) + " }")
    assert body["data"] is None
    assert messages(body) == [f"{limit + 1} aliases found. Allowed: {limit}"]


async def test_too_many_tokens_are_refused(gql):
    limit = settings.SETTINGS.graphql_max_tokens
    body = await gql("{ " + "__typename " * limit + "}")
    assert body["data"] is None
    assert any(f"more than {limit} tokens" in m for m in messages(body))


async def test_page_size_over_the_maximum_is_refused(gql):
    body = await gql(PLATFORMS % (MAX_PAGE_SIZE + 1))
    assert body["data"] is None
    assert messages(body) == [f"`first` must be between 0 and {MAX_PAGE_SIZE}."]
    assert (await gql(PLATFORMS % -1))["errors"]


async def test_page_size_at_the_maximum_is_accepted(gql):
    data = await gql.data(PLATFORMS % MAX_PAGE_SIZE)
    assert len(data["reviewPlatforms"]["nodes"]) == 8


@pytest.mark.parametrize("cursor", ["not a cursor!", "garbage",
                                    base64.urlsafe_b64encode(b"pk:3").decode(),
                                    base64.urlsafe_b64encode(b"id:three").decode()])
async def test_malformed_cursor_is_a_clear_error(gql, cursor):
    body = await gql("query($a: String) { reviewPlatforms(after: $a) { nodes { key } } }",
                     {"a": cursor})
    assert body["data"] is None
    assert messages(body) == ["`after` is not a cursor returned by this API."]


async def test_returned_cursor_pages_on(gql):
    first = await gql.data("{ reviewPlatforms(first: 3) { nodes { key } pageInfo { endCursor } } }")
    after = first["reviewPlatforms"]["pageInfo"]["endCursor"]
    rest = await gql.data("query($a: String) { reviewPlatforms(first: 100, after: $a) "
                          "{ nodes { key } } }", {"a": after})
    assert len(rest["reviewPlatforms"]["nodes"]) == 5


async def test_field_suggestions_only_for_token_holders(gql, make_token):
    holder = gql.as_token(await make_token("customers:read"))
    # Alternate callers: ValidationCache shares error objects across requests.
    assert any("Did you mean" in m and "'reviewPlatforms'" in m for m in messages(await holder(TYPO)))
    anonymous = messages(await gql(TYPO))
    assert anonymous == ["Cannot query field 'reviewPlatfroms' on type 'Query'."]
    assert any("Did you mean" in m for m in messages(await holder(TYPO)))


async def test_no_field_suggestions_for_an_invalid_token(gql):
    body = await gql.as_token("pld_" + "x" * 43)(TYPO)
    assert not any("Did you mean" in m for m in messages(body))


async def test_unexpected_errors_are_masked(gql, make_token, monkeypatch):
    import models.catalogue.products

    async def boom(*args, **kwargs):
        raise RuntimeError("secret detail")

    monkeypatch.setattr(models.catalogue.products, "list_products", boom)
    response = await gql.as_token(await make_token("products:read")).post(
        "{ products(first: 1) { nodes { id } } }")
    assert response.status_code == 200
    assert messages(response.json()) == ["Unexpected error."]
    assert "secret detail" not in response.text
    assert "RuntimeError" not in response.text


async def test_anonymous_caller_is_unauthenticated(gql):
    body = await gql(CUSTOMERS)
    assert body["data"] is None
    assert codes(body) == ["UNAUTHENTICATED"]


async def test_token_without_the_scope_is_forbidden(gql, make_token, product):
    from models.people.customers import Customer

    await Customer(product=product.id, external_id="c-1", email="ann@example.com").save()
    # A nested field: only valid tokens reach it, so the shared-instance bug below
    # cannot turn its answer into UNAUTHENTICATED whatever ran before.
    body = await gql.as_token(await make_token("customers:read"))(
        "{ customers { nodes { externalId signals { id } } } }")
    assert codes(body) == ["FORBIDDEN"]
    assert "signals:read" in messages(body)[0]


async def test_forbidden_stays_forbidden_after_an_anonymous_call(gql, make_token):
    client = gql.as_token(await make_token("signals:read"))
    assert codes(await gql(CUSTOMERS)) == ["UNAUTHENTICATED"]
    body = await client(CUSTOMERS)
    assert codes(body) == ["FORBIDDEN"]
    assert "customers:read" in messages(body)[0]


async def test_unknown_token_is_unauthenticated(gql):
    body = await gql.as_token("pld_" + "x" * 43)(CUSTOMERS)
    assert codes(body) == ["UNAUTHENTICATED"]


async def test_revoked_token_is_unauthenticated(gql, make_token):
    from models.access.tokens import ApiToken, hash_secret, revoke_token
    from models.core.actors import SYSTEM

    secret = await make_token("customers:read")
    client = gql.as_token(secret)
    await client.data(CUSTOMERS)
    row = await ApiToken.select(ApiToken.id).where(
        ApiToken.secret_hash == hash_secret(secret)).first()
    assert (await revoke_token(SYSTEM, row["id"])).ok
    body = await client(CUSTOMERS)
    assert codes(body) == ["UNAUTHENTICATED"]
    assert "revoked" in messages(body)[0]


async def test_expired_token_is_unauthenticated(gql, make_token):
    from models.access.tokens import ApiToken, hash_secret

    now = dt.datetime.now(dt.UTC)
    secret = await make_token("customers:read", expires_at=now + dt.timedelta(hours=1))
    client = gql.as_token(secret)
    await client.data(CUSTOMERS)
    await ApiToken.update({ApiToken.expires_at: now - dt.timedelta(seconds=1)}).where(
        ApiToken.secret_hash == hash_secret(secret))
    assert codes(await client(CUSTOMERS)) == ["UNAUTHENTICATED"]


async def test_product_limited_token_sees_and_writes_only_its_product(gql, make_token, product,
                                                                      other_product):
    from models.people.customers import Customer

    writer = gql.as_token(await make_token("customers:write"))
    for prod, ext in ((product, "ledger-1"), (other_product, "roster-1")):
        data = await writer.data(UPSERT, {"p": gid("Product", prod.id), "ext": ext})
        assert data["upsertCustomers"] == {"createdCount": 1, "userErrors": []}

    limited = gql.as_token(await make_token("customers:read", "customers:write",
                                            product_id=other_product.id))
    nodes = (await limited.data(CUSTOMERS))["customers"]["nodes"]
    assert nodes == [{"externalId": "roster-1", "productId": gid("Product", other_product.id)}]
    foreign = await limited.data("query($p: ID) { customers(filter: {productId: $p}) "
                                 "{ nodes { id } } }", {"p": gid("Product", product.id)})
    assert foreign["customers"]["nodes"] == []

    refused = await limited.data(UPSERT, {"p": gid("Product", product.id), "ext": "sneaky"})
    assert refused["upsertCustomers"] == {
        "createdCount": 0, "userErrors": [{"code": "PRODUCT_FORBIDDEN", "field": ["productId"]}]}
    assert await Customer.count().where(Customer.external_id == "sneaky") == 0
    # Without productId the token's own product is used.
    own = await limited.data(UPSERT, {"p": None, "ext": "roster-2"})
    assert own["upsertCustomers"]["createdCount"] == 1
    assert await Customer.count().where(Customer.product == other_product.id) == 2


async def test_mutations_over_get_are_refused(http, make_token, product):
    from models.people.customers import Customer

    secret = await make_token("customers:write")
    query = (f'mutation {{ upsertCustomers(productId: "{product.id}", '
             'customers: [{externalId: "via-get", email: "a@example.com"}]) { createdCount } }')
    response = await http.get("/graphql", params={"query": query},
                              headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code in (400, 405)
    assert "mutation" in response.text.lower()
    assert await Customer.count() == 0
    ok = await http.get("/graphql", params={"query": PLATFORMS % 1})
    assert ok.status_code == 200 and ok.json()["data"]["reviewPlatforms"]["nodes"]


async def test_a_failing_root_field_leaves_no_transaction_open(gql, make_token, product, database):
    """Found by fuzzing: a sibling of a failing non-null root field was dropped mid-transaction."""
    import asyncio
    import gc

    client = gql.as_token(await make_token("asks:read", product_id=product.id))
    for _ in range(5):
        body = await client('{ inAppAsks(customerExternalId: "x") { link } '
                            "customers(first: 1) { nodes { id } } }")
        assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    gc.collect()
    await asyncio.sleep(0.3)
    rows = await database.run_ddl(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() "
        "AND state LIKE 'idle in transaction%'")
    assert rows[0]["n"] == 0


async def test_nul_characters_are_a_clear_error(gql, make_token):
    """Found by fuzzing: PostgreSQL text cannot hold U+0000."""
    client = gql.as_token(await make_token("customers:read"))
    inline = await client('{ customers(first: 1, filter: {plan: "a\\u0000b"}) { nodes { id } } }')
    assert inline["errors"][0]["message"].startswith("Strings may not contain the NUL character")
    variables = await client("query($p: String) { customers(first: 1, filter: {plan: $p}) { nodes { id } } }",
                             {"p": "a\x00b"})
    assert variables["errors"][0]["message"].startswith("Strings may not contain the NUL character")
