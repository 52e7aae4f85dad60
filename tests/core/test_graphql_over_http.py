"""GraphQL over HTTP, to the letter: media types by Accept, 4xx without `data` for documents that
fail before execution under application/graphql-response+json, the legacy JSON behaviour kept.

The official audit suite (graphql-http, Node) was run against a live server too; see SECURITY.md
and the README. These tests hold the same rules without Node.
"""

import json

import pytest

from api.http.graphql_media import GRAPHQL_RESPONSE, JSON, negotiate

NEW = GRAPHQL_RESPONSE


@pytest.mark.parametrize(("accept", "expected"), [
    (None, JSON), ("", JSON), ("*/*", JSON), ("application/*", JSON),
    (NEW, NEW), (JSON, JSON),
    (f"{NEW}, {JSON};q=0.9", NEW), (f"{JSON}, {NEW}", NEW), (f"{NEW};q=0.5, {JSON}", JSON),
    (f"{JSON}, */*", JSON), (f"{NEW}, */*;q=0.1", NEW), ("text/html", None), (f"{NEW};q=0", None),
    ("application/xml, text/plain", None), ("application/json;q=banana", None), ("," * 5000, None),
])
def test_negotiation(accept, expected):
    assert negotiate(accept) == expected


async def post(http, body, accept=NEW, content_type="application/json"):
    headers = {"Content-Type": content_type}
    if accept is not None:
        headers["Accept"] = accept
    return await http.post("/graphql", content=body if isinstance(body, bytes) else json.dumps(body),
                           headers=headers)


async def test_an_executed_document_is_200_in_the_new_type(http):
    response = await post(http, {"query": "{ __typename }"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(NEW)
    assert response.json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize("body", [
    {"query": "{"},  # does not parse
    {"query": "{ nope }"},  # does not validate
    {"query": "query($n: Int!) { products(first: $n) { totalCount } }", "variables": {"n": "x"}},
    {"query": "query($n: Int!) { products(first: $n) { totalCount } }"},  # variable missing
])
async def test_documents_failing_before_execution_are_400_without_data(http, body):
    response = await post(http, body)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith(NEW)
    payload = response.json()
    assert "data" not in payload and payload["errors"]


@pytest.mark.parametrize("body", [{"query": "{"}, {"query": "{ nope }"}])
async def test_the_legacy_type_keeps_200_with_data_null(http, body):
    for accept in (JSON, None, "*/*"):
        response = await post(http, body, accept=accept)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(JSON)
        assert response.json()["data"] is None and response.json()["errors"]


async def test_errors_during_execution_stay_200_with_data(http):
    # Executed: a field error (no token for customers) is a partial result, not a bad request.
    response = await post(http, {"query": "{ __typename customers { totalCount } }"})
    assert response.status_code == 200
    body = response.json()
    assert "data" in body and body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_unparsable_json_is_400_in_both_types(http):
    for accept in (NEW, JSON):
        response = await post(http, b'{"query": ', accept=accept)
        assert response.status_code == 400


async def test_an_unacceptable_accept_is_406(http):
    response = await post(http, {"query": "{ __typename }"}, accept="application/xml")
    assert response.status_code == 406
    assert NEW in response.text and JSON in response.text


async def test_get_queries_negotiate_too(http):
    response = await http.get("/graphql", params={"query": "{ __typename }"},
                              headers={"Accept": NEW})
    assert response.status_code == 200 and response.headers["content-type"].startswith(NEW)
    bad = await http.get("/graphql", params={"query": "{ nope }"}, headers={"Accept": NEW})
    assert bad.status_code == 400 and "data" not in bad.json()


async def test_a_refused_token_is_401_whatever_the_type(http):
    response = await http.post("/graphql", json={"query": "{ __typename }"},
                               headers={"Accept": NEW, "Authorization": "Bearer nope"})
    assert response.status_code == 401 and "data" not in response.json()
