"""Trusted documents and the Automatic Persisted Queries protocol: registration (validated,
admin only, by GraphQL and the CLI), hash-only requests, APQ's second request, hash mismatches,
malformed extensions, and the operator's trusted-only switch."""

import dataclasses
import hashlib
import json
import subprocess
import sys
from urllib.parse import urlencode

import pytest

import settings
from api.graphql import trusted
from models.access.trusted_documents import TrustedDocument

REGISTER = """mutation($d: String!, $n: String) { registerTrustedDocument(document: $d, name: $n) {
  document { sha256Hash name } userErrors { code message } } }"""
PLATFORMS = "query Platforms { reviewPlatforms(first: 3) { nodes { key } } }"


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def persisted(text_hash: str) -> dict:
    return {"persistedQuery": {"version": 1, "sha256Hash": text_hash}}


@pytest.fixture(autouse=True)
def fresh_store(monkeypatch):
    monkeypatch.setattr(trusted, "STORE", trusted.Store())


@pytest.fixture
def trusted_only(monkeypatch):
    monkeypatch.setattr(settings, "SETTINGS", dataclasses.replace(settings.SETTINGS,
                                                                  trusted_documents_only=True))


async def post(http, body: dict, token: str | None = None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return (await http.post("/graphql", json=body, headers=headers)).json()


async def test_register_then_send_by_hash(gql, http, make_token):
    admin = gql.as_token(await make_token("admin"))
    done = (await admin.data(REGISTER, {"d": PLATFORMS, "n": "platforms"}))["registerTrustedDocument"]
    assert done == {"document": {"sha256Hash": digest(PLATFORMS), "name": "platforms"}, "userErrors": []}
    again = (await admin.data(REGISTER, {"d": PLATFORMS}))["registerTrustedDocument"]
    assert again["document"]["sha256Hash"] == digest(PLATFORMS) and await TrustedDocument.count() == 1
    by_hash = await post(http, {"extensions": persisted(digest(PLATFORMS))})
    assert [n["key"] for n in by_hash["data"]["reviewPlatforms"]["nodes"]] == ["capterra", "getapp",
                                                                             "software_advice"]
    # A GET works too (cacheable), the extensions as JSON in the query string.
    got = await http.get("/graphql?" + urlencode({"extensions": json.dumps(persisted(digest(PLATFORMS)))}),
                         headers={"Accept": "application/json"})
    assert got.json() == by_hash
    listed = await admin.data("{ trustedDocuments { totalCount nodes { sha256Hash document } } }")
    assert listed["trustedDocuments"]["nodes"] == [{"sha256Hash": digest(PLATFORMS), "document": PLATFORMS}]


async def test_apq_second_request_and_mismatch(http):
    text = "{ reviewPlatforms(first: 1) { nodes { key } } }"
    unknown = await post(http, {"extensions": persisted(digest(text))})
    assert unknown == {"data": None, "errors": [{"message": "PersistedQueryNotFound",
                                                 "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}]}
    sent = await post(http, {"query": text, "extensions": persisted(digest(text))})
    assert sent["data"]["reviewPlatforms"]["nodes"] == [{"key": "capterra"}]
    # APQ's next request: the hash alone, remembered by this process (not trusted: not stored).
    assert (await post(http, {"extensions": persisted(digest(text))}))["data"] == sent["data"]
    assert await TrustedDocument.count() == 0
    wrong = await post(http, {"query": text, "extensions": persisted("0" * 64)})
    assert wrong["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_HASH_MISMATCH"


@pytest.mark.parametrize("extension", [
    {"persistedQuery": {"version": 2, "sha256Hash": "0" * 64}},
    {"persistedQuery": {"version": 1, "sha256Hash": "ABC"}},
    {"persistedQuery": {"version": 1, "sha256Hash": "'; DROP TABLE trusted_document; --" + "a" * 30}},
    {"persistedQuery": "nope"},
    {"persistedQuery": {"version": 1, "sha256Hash": 5}},
])
async def test_malformed_persisted_queries_are_clear_errors(http, extension):
    body = await post(http, {"extensions": extension})
    assert body["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_INVALID"


async def test_registration_is_validated_and_admin_only(gql, make_token, other_product):
    admin = gql.as_token(await make_token("admin"))
    bad = (await admin.data(REGISTER, {"d": "{ nope }"}))["registerTrustedDocument"]
    assert bad["userErrors"][0]["code"] == "INVALID_DOCUMENT" and "nope" in bad["userErrors"][0]["message"]
    syntax = (await admin.data(REGISTER, {"d": "{ reviewPlatforms { "}))["registerTrustedDocument"]
    assert syntax["userErrors"][0]["code"] == "INVALID_DOCUMENT"
    limited = gql.as_token(await make_token("admin", product_id=other_product.id))
    refused = (await limited.data(REGISTER, {"d": PLATFORMS}))["registerTrustedDocument"]
    assert refused["userErrors"][0]["code"] == "FORBIDDEN"
    reader = gql.as_token(await make_token("customers:read"))
    assert (await reader(REGISTER, {"d": PLATFORMS}))["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await TrustedDocument.count() == 0


async def test_trusted_only_runs_registered_documents_alone(gql, http, make_token, trusted_only):
    admin = gql.as_token(await make_token("admin"))
    # Registering goes through the API too: the registration document itself must be trusted
    # first — by the CLI — so here the domain registers both.
    from api.graphql.schema import schema
    from api.graphql.trusted import register_document
    from models.core.actors import SYSTEM

    for text in (PLATFORMS, REGISTER):
        assert (await register_document(SYSTEM, text, "", schema._schema)).ok
    assert (await post(http, {"extensions": persisted(digest(PLATFORMS))}))["data"]["reviewPlatforms"]
    assert (await post(http, {"query": PLATFORMS}))["data"]["reviewPlatforms"]  # its exact text
    other = "{ reviewPlatforms(first: 1) { nodes { key } } }"
    refused = await post(http, {"query": other})
    assert refused["errors"][0]["extensions"]["code"] == "TRUSTED_DOCUMENT_REQUIRED"
    apq = await post(http, {"query": other, "extensions": persisted(digest(other))})
    assert apq["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert (await post(http, {"extensions": persisted(digest(other))}))["errors"][0]["message"] == \
        "PersistedQueryNotFound"
    registered = await admin.data(REGISTER, {"d": other})
    assert registered["registerTrustedDocument"]["userErrors"] == []
    assert (await post(http, {"query": other}))["data"]["reviewPlatforms"]["nodes"] == [{"key": "capterra"}]


def test_the_cli_registers_files(tmp_path, database):
    document = tmp_path / "platforms.graphql"
    document.write_text(PLATFORMS)
    broken = tmp_path / "broken.graphql"
    broken.write_text("{ nope }")
    run = subprocess.run([sys.executable, "-m", "cli.main", "trust-document", str(document), str(broken)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 1
    assert run.stdout.strip() == f"{digest(PLATFORMS)}  {document}"
    assert "broken.graphql: Cannot query field 'nope'" in run.stderr
