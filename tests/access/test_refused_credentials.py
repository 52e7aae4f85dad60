"""A credential that fails is refused, never served as anonymous, and counted against the
client's address (issue 10, Medium 6: rotating made-up tokens was never limited and still read
the public catalogue)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from contextlib import asynccontextmanager

import httpx
import pytest

import settings
from models.access.tokens import ApiToken, hash_secret

PUBLIC = {"query": "{ reviewPlatforms(first: 1) { nodes { key } } }"}


@pytest.fixture
def tune(monkeypatch):
    def apply(**values):
        monkeypatch.setattr(settings, "SETTINGS", dataclasses.replace(settings.SETTINGS, **values))

    return apply


@asynccontextmanager
async def client_at(app, address: str):
    transport = httpx.ASGITransport(app=app, client=(address, 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def fresh_address() -> str:
    # Counts live in Redis for the minute: a new address per run keeps runs apart.
    return f"198.18.{random.randrange(256)}.{random.randrange(1, 255)}"


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


async def test_bad_tokens_are_refused_even_for_public_fields(http, make_token):
    revoked, expired = await make_token("products:read"), await make_token("products:read")
    now = dt.datetime.now(dt.UTC)
    await ApiToken.update({ApiToken.revoked_at: now}).where(ApiToken.secret_hash == hash_secret(revoked))
    await ApiToken.update({ApiToken.expires_at: now}).where(ApiToken.secret_hash == hash_secret(expired))
    assert (await http.post("/graphql", json=PUBLIC)).status_code == 200  # anonymous: public
    for secret in ("garbage", "pld_" + "x" * 43, "pld_" + "y" * 500, revoked, expired):
        response = await http.post("/graphql", json=PUBLIC, headers=bearer(secret))
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith('Bearer error="invalid_token"')
        body = response.json()
        assert "data" not in body and body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_refused_credentials_are_limited_per_address(app, make_token, tune, one_window):
    tune(refused_credentials_per_minute=3)
    good = await make_token("products:read")
    attacker, neighbour = fresh_address(), fresh_address()
    async with client_at(app, attacker) as client:
        assert (await client.post("/graphql", json=PUBLIC, headers=bearer(good))).status_code == 200
        statuses = [(await client.post("/graphql", json=PUBLIC,
                                       headers=bearer(f"pld_invented{i:040d}"))).status_code
                    for i in range(6)]
        assert statuses == [401, 401, 401, 429, 429, 429]
        blocked = await client.post("/graphql", json=PUBLIC, headers=bearer("pld_" + "z" * 43))
        assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) >= 1
        assert "refused credentials" in blocked.json()["errors"][0]["message"]
        # The integration that authenticated from this address keeps working; so does anonymous.
        assert (await client.post("/graphql", json=PUBLIC, headers=bearer(good))).status_code == 200
        assert (await client.post("/graphql", json=PUBLIC)).status_code == 200
    async with client_at(app, neighbour) as other:  # another address is not affected
        assert (await other.post("/graphql", json=PUBLIC,
                                 headers=bearer("pld_" + "w" * 43))).status_code == 401


async def test_bad_webhook_signatures_count_too(app, tune, one_window):
    tune(refused_credentials_per_minute=2)
    async with client_at(app, fresh_address()) as client:
        statuses = []
        for i in range(4):
            response = await client.post("/webhooks/reviews", content=b"{}", headers={
                "X-Plaudit-Token": f"pld_fake{i}", "X-Plaudit-Signature": "t=1,v1=00",
                "Content-Type": "application/json"})
            statuses.append(response.status_code)
        assert statuses == [401, 401, 429, 429]
