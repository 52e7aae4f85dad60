"""Every input is an attacker's input (issue 10, Medium 4–5 and Low): one URL rule on every path,
bounded strings, ids and cursors that overflow, bodies that are not UTF-8 JSON or nest without
end — each a clear error, never a 500, a masked "Unexpected error." or a `javascript:` link."""

from __future__ import annotations

import base64
import datetime as dt
import json
import time

import pytest

from models.access.webhooks import sign
from models.core.actors import SYSTEM
from models.core.urls import is_safe_url, url_problem
from models.reviews.reviews import Review
from tests.ids import gid

TODAY = dt.date.today().isoformat()
IMPORT = """mutation($p: ID, $r: [ReviewInput!]!) { importReviews(productId: $p, reviews: $r) {
  createdCount userErrors { field code message } } }"""

BAD_URLS = [
    "javascript:alert(1)", "JavaScript:alert(document.cookie)", " javascript:alert(1)",
    "java\tscript:alert(1)", "javascript://example.com/%0Aalert(1)", "data:text/html,<script>x</script>",
    "vbscript:msgbox(1)", "//evil.example/path", "https:\\\\evil.example", "http://", "https://",
    "https://user:pass@trusted.example", "https://trusted.example@evil.example/",
    "https://exa mple.com", "https://example.com/\x00", "ftp://example.com/file",
    "https://example.com:99999/", "https://" + "a" * 600 + ".example",
]
GOOD_URLS = ["https://www.capterra.com/p/1/Ledger/reviews/", "http://example.com",
             "HTTPS://EXAMPLE.COM/Path?q=1#frag", "https://exämple.com/ünïcode"]


@pytest.mark.parametrize("url", BAD_URLS)
def test_the_url_rule_refuses(url):
    assert url_problem(url) is not None
    assert not is_safe_url(url)


@pytest.mark.parametrize("url", GOOD_URLS)
def test_the_url_rule_accepts(url):
    assert url_problem(url) is None


def test_the_showcase_shows_only_safe_urls():
    from models.quotes.showcase import _safe

    assert _safe("javascript:alert(1)") is None and _safe("") is None
    assert _safe("https://g2.example/r/1") == "https://g2.example/r/1"


@pytest.fixture
async def writer(gql, make_token):
    return gql.as_token(await make_token("admin"))


async def test_review_import_refuses_script_urls(writer, world):
    items = [{"platform": "g2", "externalId": f"x-{i}", "rating": 5, "reviewedOn": TODAY,
              "url": url} for i, url in enumerate(BAD_URLS[:6])]
    payload = (await writer.data(IMPORT, {"p": gid("Product", world["product"].id),
                                          "r": items}))["importReviews"]
    assert payload["createdCount"] == 0
    assert {e["code"] for e in payload["userErrors"]} == {"INVALID_URL"}
    assert len(payload["userErrors"]) == 6
    assert await Review.count() == 0


async def test_the_signed_webhook_refuses_script_urls(http, world):
    from models.access.tokens import create_token

    issued = (await create_token(SYSTEM, "connector", ["reviews:write"], world["product"].id)).value
    body = json.dumps({"reviews": [{"platform": "g2", "externalId": "w-js", "rating": 5,
                                    "reviewedOn": TODAY, "url": "javascript:alert(1)"}]}).encode()
    response = await http.post("/webhooks/reviews", content=body, headers={
        "X-Plaudit-Token": issued.token.prefix, "Content-Type": "application/json",
        "X-Plaudit-Signature": sign(issued.signing_secret, int(time.time()), body)})
    assert response.status_code == 422
    assert response.json()["userErrors"][0]["code"] == "INVALID_URL"
    assert await Review.count() == 0


async def test_every_url_field_uses_the_rule(writer, world):
    product = gid("Product", world["product"].id)
    checks = {
        "createProduct": ('mutation { createProduct(input: {slug: "x", name: "X", '
                          'website: "javascript:alert(1)"}) { userErrors { code field } } }'),
        "createSender": ('mutation { createSender(input: {name: "S", email: "s@x.example", '
                         'photoUrl: "javascript:alert(1)"}) { userErrors { code field } } }'),
        "createPlatformProfile": (f'mutation {{ createPlatformProfile(input: {{productId: "{product}", '
                                  'platformId: "UmV2aWV3UGxhdGZvcm06MQ", profileUrl: "javascript:alert(1)", '
                                  'reviewUrl: "https://ok.example"}) { userErrors { code field } } }'),
        "updateReviewPlatform": ('mutation { updateReviewPlatform(id: "UmV2aWV3UGxhdGZvcm06MQ", input: '
                                 '{website: "data:text/html,x"}) { userErrors { code field } } }'),
    }
    for name, document in checks.items():
        errors = (await writer.data(document))[name]["userErrors"]
        assert [e["code"] for e in errors] == ["INVALID_URL"], (name, errors)


async def test_the_database_refuses_a_script_url_whatever_the_path(world):
    import asyncpg

    for statement in ("INSERT INTO product (slug, name, website) VALUES ('y', 'Y', 'javascript:x')",
                      "UPDATE platform_profile SET review_url = 'javascript:alert(1)'",
                      "INSERT INTO sender (name, email, photo_url) VALUES ('S', 's@x.example', 'data:x')"):
        with pytest.raises(asyncpg.CheckViolationError):
            await Review.raw(statement)


async def test_a_huge_search_is_a_clear_error_not_a_slow_query(gql, make_token):
    client = gql.as_token(await make_token("customers:read", "senders:read"))
    for document in ("query($s: String) { customers(filter: {search: $s}) { nodes { id } } }",
                     "query($s: String) { senders(search: $s) { nodes { id } } }"):
        for size in (300_000, 201):  # the global bound on strings, then the search's own
            body = await client(document, {"s": "x" * size})
            assert body["data"] is None
            assert "at most" in body["errors"][0]["message"], body
    assert (await client.data("query($s: String) { customers(filter: {search: $s}) { nodes { id } } }",
                              {"s": "ada"}))["customers"]["nodes"] == []


async def test_any_string_argument_is_bounded(gql, make_token):
    from api.graphql.input_limits import MAX_STRING

    client = gql.as_token(await make_token("admin"))
    document = "mutation($n: String!) { createApiToken(name: $n, scopes: [\"admin\"]) { secret } }"
    body = await client(document, {"n": "n" * (MAX_STRING + 1)})
    assert body["data"] is None and str(MAX_STRING) in body["errors"][0]["message"]
    inline = '{ reviewPlatforms(key: "%s") { nodes { key } } }' % ("k" * (MAX_STRING + 1))
    body = await client(inline)
    assert body["data"] is None and str(MAX_STRING) in body["errors"][0]["message"]


async def test_overlong_review_fields_are_user_errors(writer, world):
    items = [{"platform": "g2", "externalId": "long", "rating": 5, "reviewedOn": TODAY,
              "reviewerName": "n" * 201, "body": "b" * 20_001}]
    payload = (await writer.data(IMPORT, {"p": gid("Product", world["product"].id),
                                          "r": items}))["importReviews"]
    assert sorted(e["code"] for e in payload["userErrors"]) == ["TOO_LONG", "TOO_LONG"]


def _b64(text: str) -> str:
    import base64

    return base64.urlsafe_b64encode(text.encode()).decode()


@pytest.mark.parametrize("value", [
    "2147483648", "-1", "0", "1e3", " 1", "١٢", "x" * 65,  # not global ids at all
    _b64("Campaign:2147483648"), _b64("Campaign:99999999999999999999999"), _b64("Campaign:-1"),
    _b64("Campaign:0"), _b64("Campaign:01"), _b64("Campaign:1e3"), _b64("Campaign: 1"),
    _b64("Campaign:١٢"), _b64("Campaign:1").rstrip("=") + "==", _b64("Campaign:1\n"),
    _b64("Nope:1"), _b64("\xff\xfe:1"), "Q2FtcGFpZ246MQ!!"])
async def test_malformed_or_out_of_range_ids_are_clear_errors(writer, value):
    body = await writer("query($id: ID!) { campaignLint(id: $id) { message } }", {"id": value})
    assert body["data"] is None
    assert body["errors"][0]["message"] == "`id` is not an id returned by this API."


async def test_an_id_of_another_type_is_named_in_the_error(writer):
    body = await writer("query($id: ID!) { campaignLint(id: $id) { message } }",
                        {"id": gid("Product", 1)})
    assert body["errors"][0]["message"] == "`id` must be the id of a Campaign, not of a Product."


@pytest.mark.parametrize("cursor", [f"id:{2**31}", f"id:{2**80}", "id:-5"])
async def test_out_of_range_cursors_are_clear_errors(gql, cursor):
    encoded = base64.urlsafe_b64encode(cursor.encode()).decode()
    body = await gql("query($a: String) { reviewPlatforms(after: $a) { nodes { key } } }", {"a": encoded})
    assert body["data"] is None
    assert body["errors"][0]["message"] == "`after` is not a cursor returned by this API."


@pytest.mark.parametrize("body", [
    b'{"query": "{ __typename }", "x": "\xff\xfe"}',           # invalid UTF-8
    b'{"query": "{ __typename }", "variables": ' + b"[" * 3000 + b"]" * 3000 + b"}",
    b'{"query": "{ __typename }", "variables": {"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}}",
    b'{"query": "{ __typename }", "variables": {"a": ' + b'{"b":' * 70 + b"1" + b"}" * 70 + b"}}",
    b"\xef\xbb\xbf\x00\x00",
    b'{"query": "{ __typename }"',
])
async def test_malformed_bodies_are_a_clear_400(http, body):
    response = await http.post("/graphql", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert response.text and "Unexpected" not in response.text


async def test_deep_variables_in_a_get_are_a_clear_400(http):
    response = await http.get("/graphql", params={"query": "{ __typename }",
                                                  "variables": "[" * 5000 + "]" * 5000})
    assert response.status_code == 400


async def test_webhook_bodies_and_headers_that_overflow(http, world):
    from models.access.tokens import create_token

    issued = (await create_token(SYSTEM, "connector", ["reviews:write"], world["product"].id)).value
    deep = b'{"reviews": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    for body, signature in ((deep, sign(issued.signing_secret, int(time.time()), deep)),
                            (b"{}", "t=" + "9" * 5000 + ",v1=00")):
        response = await http.post("/webhooks/reviews", content=body, headers={
            "X-Plaudit-Token": issued.token.prefix, "X-Plaudit-Signature": signature,
            "Content-Type": "application/json"})
        assert response.status_code in (400, 401), response.text
    product = json.dumps({"productId": 2**70, "reviews": []}).encode()
    response = await http.post("/webhooks/reviews", content=product, headers={
        "X-Plaudit-Token": issued.token.prefix, "Content-Type": "application/json",
        "X-Plaudit-Signature": sign(issued.signing_secret, int(time.time()), product)})
    assert response.status_code == 400


@pytest.mark.parametrize("card", ["99999999999999999999", "2147483648", "-1"])
async def test_out_of_range_card_ids_are_404(http, card):
    response = await http.get(f"/showcase/quotes/{card}/card.png")
    assert response.status_code == 404


async def test_api_statements_are_bounded_in_time(gql, make_token, monkeypatch, database):
    import models.catalogue.products

    rows = await Review.raw("SHOW statement_timeout")
    assert rows[0]["statement_timeout"] == "10s"  # the API's pool, as configured

    async def slow(*args, **kwargs):
        async with database.transaction():
            await Review.raw("SET LOCAL statement_timeout = 50")
            await Review.raw("SELECT pg_sleep(2)")

    monkeypatch.setattr(models.catalogue.products, "list_products", slow)
    body = await gql.as_token(await make_token("products:read"))("{ products { nodes { id } } }")
    assert body["errors"][0]["extensions"]["code"] == "TIMEOUT"
    assert "too long" in body["errors"][0]["message"]
