"""Customers: batch upsert over GraphQL, listing, filters, pagination, SQL counts."""

import pytest

from tests.ids import gid

UPSERT = """
mutation($productId: ID, $customers: [CustomerInput!]!) {
  upsertCustomers(productId: $productId, customers: $customers) {
    results { index externalId status customerId }
    createdCount updatedCount unchangedCount
    userErrors { field message code }
  }
}"""

LIST = """
query($first: Int, $after: String, $filter: CustomerFilter) {
  customers(first: $first, after: $after, filter: $filter) {
    edges { cursor node { id externalId email plan country locale } }
    nodes { id }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""


def items(n, start=0, **extra):
    return [{"externalId": f"crm-{i}", "email": f"user{i}@client.example", "firstName": f"U{i}",
             "plan": "growth" if i % 2 else "starter", "country": "fr" if i % 3 else "US",
             **extra} for i in range(start, start + n)]


@pytest.fixture
async def writer(gql, make_token, product):
    return gql.as_token(await make_token("customers:write", "customers:read", "signals:read",
                                         "products:read"))


async def test_upsert_creates_then_is_idempotent_then_updates(writer, product):
    first = (await writer.data(UPSERT, {"productId": gid("Product", product.id), "customers": items(3)}))
    payload = first["upsertCustomers"]
    assert payload["userErrors"] == []
    assert payload["createdCount"] == 3
    assert [r["status"] for r in payload["results"]] == ["CREATED"] * 3

    again = (await writer.data(UPSERT, {"productId": gid("Product", product.id), "customers": items(3)}))
    assert again["upsertCustomers"]["unchangedCount"] == 3
    assert [r["customerId"] for r in again["upsertCustomers"]["results"]] == \
        [r["customerId"] for r in payload["results"]]

    changed = [{"externalId": "crm-1", "plan": "enterprise"}]  # other fields omitted: kept
    third = (await writer.data(UPSERT, {"productId": gid("Product", product.id), "customers": changed}))
    assert third["upsertCustomers"]["updatedCount"] == 1
    listing = await writer.data(LIST, {"filter": {"plan": "enterprise"}})
    nodes = [e["node"] for e in listing["customers"]["edges"]]
    assert [(n["externalId"], n["email"]) for n in nodes] == [("crm-1", "user1@client.example")]


async def test_a_thousand_items_in_one_call(writer, product, count_queries):
    payload = (await writer.data(UPSERT, {"productId": gid("Product", product.id),
                                          "customers": items(1000)}))["upsertCustomers"]
    assert payload["createdCount"] == 1000
    # Token check, product check, existing lookup, one INSERT, audit: not one per item.
    assert count_queries["n"] <= 8, count_queries["sql"]


async def test_one_bad_item_writes_nothing_and_names_every_problem(writer, product):
    batch = items(4)
    batch[1]["email"] = "not-an-email"
    batch[2]["locale"] = "FR"
    batch[2]["timeZone"] = "Mars/Olympus"
    batch[3]["externalId"] = "crm-0"  # duplicate of index 0
    payload = (await writer.data(UPSERT, {"productId": gid("Product", product.id),
                                          "customers": batch}))["upsertCustomers"]
    assert payload["results"] == []
    found = {(tuple(e["field"]), e["code"]) for e in payload["userErrors"]}
    assert found == {
        (("customers", "1", "email"), "INVALID_EMAIL"),
        (("customers", "2", "timeZone"), "INVALID_TIME_ZONE"),
        (("customers", "3", "externalId"), "DUPLICATE_IN_BATCH"),
    }
    listing = await writer.data(LIST, {})
    assert listing["customers"]["nodes"] == []


async def test_new_customer_without_email_is_refused(writer, product):
    payload = (await writer.data(UPSERT, {"productId": gid("Product", product.id), "customers": [
        {"externalId": "no-mail"}]}))["upsertCustomers"]
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == \
        [("REQUIRED", ["customers", "0", "email"])]


async def test_product_is_required_for_unlimited_tokens_and_must_exist(writer):
    payload = (await writer.data(UPSERT, {"customers": items(1)}))["upsertCustomers"]
    assert payload["userErrors"][0]["code"] == "PRODUCT_REQUIRED"
    payload = (await writer.data(UPSERT, {"productId": gid("Product", 999), "customers": items(1)}))
    assert payload["upsertCustomers"]["userErrors"][0]["code"] == "NOT_FOUND"


async def test_pagination_walks_every_row_once(writer, product):
    await writer.data(UPSERT, {"productId": gid("Product", product.id), "customers": items(25)})
    seen, after, pages = [], None, 0
    while True:
        page = (await writer.data(LIST, {"first": 10, "after": after}))["customers"]
        seen += [e["node"]["externalId"] for e in page["edges"]]
        pages += 1
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert pages == 3
    assert sorted(seen) == sorted(f"crm-{i}" for i in range(25))


BACKWARD = """query($last: Int, $before: String, $filter: CustomerFilter) {
  customers(last: $last, before: $before, filter: $filter) {
    totalCount nodes { externalId } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"""


async def test_pagination_walks_backwards_and_counts(writer, product):
    await writer.data(UPSERT, {"productId": gid("Product", product.id), "customers": items(25)})
    forward = [e["node"]["externalId"] for e in
               (await writer.data(LIST, {"first": 100}))["customers"]["edges"]]
    seen, before, pages = [], None, 0
    while True:
        page = (await writer.data(BACKWARD, {"last": 10, "before": before}))["customers"]
        assert page["totalCount"] == 25
        seen = [n["externalId"] for n in page["nodes"]] + seen
        pages += 1
        assert page["pageInfo"]["hasNextPage"] is (before is not None)
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        before = page["pageInfo"]["startCursor"]
    assert pages == 3 and seen == forward  # same rows, same order, each once
    # The count follows the filters, not the page.
    filtered = await writer.data(BACKWARD, {"last": 2, "filter": {"country": "US"}})
    assert filtered["customers"]["totalCount"] == 9 and len(filtered["customers"]["nodes"]) == 2
    both = await writer("{ customers(first: 2, last: 2) { totalCount } }")
    assert both["data"] is None and "`first` or `last`" in both["errors"][0]["message"]
    too_many = await writer("{ customers(last: 101) { totalCount } }")
    assert "`last` must be between 0 and 100" in too_many["errors"][0]["message"]
    forged = await writer('{ customers(before: "nope") { totalCount } }')
    assert "`before` is not a cursor" in forged["errors"][0]["message"]


async def test_filters(writer, product):
    await writer.data(UPSERT, {"productId": gid("Product", product.id), "customers": items(12)})

    async def ids(flt):
        data = await writer.data(LIST, {"first": 100, "filter": flt})
        return sorted(int(e["node"]["externalId"].split("-")[1]) for e in data["customers"]["edges"])

    assert await ids({"country": "US"}) == [0, 3, 6, 9]
    assert await ids({"plan": "starter", "country": "FR"}) == [2, 4, 8, 10]
    assert await ids({"search": "user11@"}) == [11]
    assert await ids({"externalIds": ["crm-5", "crm-7"]}) == [5, 7]
    assert await ids({"email": "USER4@client.example"}) == [4]
    assert await ids({"suppressed": True}) == []


async def test_customers_with_signals_cost_a_fixed_number_of_queries(writer, product, gql,
                                                                     make_token, count_queries):
    await writer.data(UPSERT, {"productId": gid("Product", product.id), "customers": items(30)})
    signals = gql.as_token(await make_token("signals:write"))
    await signals.data(
        """mutation($p: ID, $s: [SignalInput!]!) { recordSignals(productId: $p, signals: $s) {
             userErrors { code } } }""",
        {"p": gid("Product", product.id), "s": [{"source": "billing", "eventId": f"e{i}",
                                 "customerExternalId": f"crm-{i % 30}", "kind": "RENEWED",
                                 "occurredAt": f"2026-01-{1 + i % 28:02d}T10:00:00+00:00"}
                                for i in range(120)]})
    query = """{ customers(first: 20) { nodes { id product { slug }
                 signals(last: 5) { id kind } } } }"""
    count_queries["n"] = 0
    small = await writer.data(query.replace("20", "2"))
    cost_small = count_queries["n"]
    count_queries["n"] = 0
    big = await writer.data(query)
    cost_big = count_queries["n"]
    assert len(big["customers"]["nodes"]) == 20
    assert all(len(n["signals"]) == 4 for n in big["customers"]["nodes"])
    assert len(small["customers"]["nodes"]) == 2
    # token lookup + page + one signals batch + one products batch, whatever the page size
    assert 3 <= cost_big == cost_small <= 4


async def test_nested_signals_are_newest_first_and_bounded(writer, product, gql, make_token):
    await writer.data(UPSERT, {"productId": gid("Product", product.id), "customers": items(1)})
    signals = gql.as_token(await make_token("signals:write"))
    await signals.data(
        """mutation($p: ID, $s: [SignalInput!]!) { recordSignals(productId: $p, signals: $s) {
             userErrors { code } } }""",
        {"p": gid("Product", product.id), "s": [{"source": "crm", "eventId": f"e{i}",
                                                 "customerExternalId": "crm-0",
                                 "kind": "UPGRADED", "occurredAt": f"2026-03-{10 + i}T00:00:00Z"}
                                for i in range(8)]})
    data = await writer.data("{ customers { nodes { signals(last: 3) { eventId } } } }")
    assert [s["eventId"] for s in data["customers"]["nodes"][0]["signals"]] == ["e7", "e6", "e5"]
    body = await writer("{ customers { nodes { signals(last: 500) { eventId } } } }")
    assert "between 0 and 20" in body["errors"][0]["message"]
