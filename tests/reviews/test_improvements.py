"""Improvement records over GraphQL: listed with their themes, planned and shipped, product-limited."""

from tests.ids import gid
from tests.reviews.test_reviews_in import MIXED, imported, review

LIST = """query($f: ImprovementFilter) { improvements(filter: $f) { totalCount
  nodes { id status summary themes productId reviewId review { rating lane } } } }"""
UPDATE = """mutation($id: ID!, $s: ImprovementStatus, $t: String) {
  updateImprovement(id: $id, status: $s, summary: $t) {
    improvement { id status summary } userErrors { field code } } }"""


async def test_low_reviews_become_improvements_with_their_themes(gql, make_token, world):
    client = gql.as_token(await make_token("reviews:read", "reviews:write"))
    await imported(client, world, [*MIXED, review("tp-2", "trustpilot", 2, reviewerName="Ed Fox",
                                                  cons="The reports are slow to load.")])
    listed = (await client.data(LIST))["improvements"]
    assert listed["totalCount"] == 2
    first = listed["nodes"][0]
    assert first["status"] == "OPEN" and first["review"] == {"rating": 1.0, "lane": "IMPROVE"}
    assert "price" in first["themes"] and first["productId"] == gid("Product", world["product"].id)
    by_theme = (await client.data(LIST, {"f": {"theme": "price"}}))["improvements"]["nodes"]
    assert [n["id"] for n in by_theme] == [first["id"]]

    planned = (await client.data(UPDATE, {"id": first["id"], "s": "PLANNED",
                                          "t": "Cheaper plan for small teams."}))["updateImprovement"]
    assert planned == {"improvement": {"id": first["id"], "status": "PLANNED",
                                       "summary": "Cheaper plan for small teams."}, "userErrors": []}
    still_open = (await client.data(LIST, {"f": {"status": ["OPEN"]}}))["improvements"]["nodes"]
    assert [n["id"] for n in still_open] == [listed["nodes"][1]["id"]]
    too_long = (await client.data(UPDATE, {"id": first["id"], "t": "x" * 2001}))["updateImprovement"]
    assert too_long["userErrors"] == [{"field": ["summary"], "code": "TOO_LONG"}]
    fetched = await client.data("query($id: ID!) { node(id: $id) { ... on Improvement { status } } }",
                                {"id": first["id"]})
    assert fetched["node"] == {"status": "PLANNED"}


async def test_another_products_token_sees_and_changes_nothing(gql, make_token, world, other_product):
    owner = gql.as_token(await make_token("reviews:read", "reviews:write"))
    await imported(owner, world, MIXED)
    mine = (await owner.data(LIST))["improvements"]["nodes"][0]["id"]
    other = gql.as_token(await make_token("reviews:read", "reviews:write", product_id=other_product.id))
    assert (await other.data(LIST))["improvements"]["totalCount"] == 0
    assert (await other.data("query($id: ID!) { node(id: $id) { id } }", {"id": mine}))["node"] is None
    refused = (await other.data(UPDATE, {"id": mine, "s": "DONE"}))["updateImprovement"]
    assert refused["userErrors"] == [{"field": ["id"], "code": "NOT_FOUND"}]
    reader = gql.as_token(await make_token("reviews:read"))
    body = await reader(UPDATE, {"id": mine, "s": "DONE"})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
