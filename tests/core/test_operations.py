"""Limits and operations: body and upload size (413), the per-token rate limit in Redis (429 with
Retry-After, shared by every process), the database being unavailable (503, then recovery),
request ids, redacted JSON logs and Prometheus metrics."""

from __future__ import annotations

import dataclasses
import json
import logging

import httpx
import pytest

import settings
from ops.logs import REQUEST_ID, JsonFormatter

PLATFORMS = {"query": "{ reviewPlatforms(first: 1) { nodes { key } } }"}


@pytest.fixture
def tuned(monkeypatch):
    def tune(**values):
        monkeypatch.setattr(settings, "SETTINGS", dataclasses.replace(settings.SETTINGS, **values))

    return tune


async def test_a_body_over_the_limit_is_refused_before_it_is_read(http, tuned, make_token):
    tuned(max_body_bytes=2000)
    token = await make_token("customers:write")
    big = {"query": "{ __typename }", "variables": {"pad": "x" * 5000}}
    response = await http.post("/graphql", json=big, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    small = await http.post("/graphql", json=PLATFORMS)
    assert small.status_code == 200


async def test_a_chunked_body_over_the_limit_is_refused_too(http, tuned):
    tuned(max_body_bytes=2000)

    async def chunks():
        for _ in range(10):
            yield b" " * 500

    response = await http.post("/graphql", content=chunks(), headers={"Content-Type": "application/json"})
    assert response.status_code == 413


async def test_admin_uploads_have_their_own_limit(http, tuned):
    tuned(max_upload_bytes=10_000)
    response = await http.post("/admin/api/forms/import-reviews-(csv)/", content=b"x" * 20_000,
                               headers={"Content-Type": "application/json"})
    assert response.status_code == 413


async def test_the_rate_limit_is_per_token_and_shared_by_processes(app, http, tuned, make_token, redis,
                                                                  one_window):
    import settings as s
    from api.app import create_app
    from jobs.outbox import Relay

    tuned(rate_limit_per_minute=3)
    token, other = await make_token("products:read"), await make_token("products:read")
    headers = {"Authorization": f"Bearer {token}"}
    for _ in range(3):
        assert (await http.post("/graphql", json=PLATFORMS, headers=headers)).status_code == 200
    refused = await http.post("/graphql", json=PLATFORMS, headers=headers)
    assert refused.status_code == 429 and 1 <= int(refused.headers["retry-after"]) <= 61
    assert refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    # Another API process (its own app, same Redis) sees the same count.
    second = create_app(manage_pool=False)
    second.state.relay = Relay(redis, s.SETTINGS.queue_name)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=second), base_url="http://t") as c:
        assert (await c.post("/graphql", json=PLATFORMS, headers=headers)).status_code == 429
        assert (await c.post("/graphql", json=PLATFORMS,
                             headers={"Authorization": f"Bearer {other}"})).status_code == 200


async def test_the_webhook_is_rate_limited_too(http, tuned, one_window):
    tuned(rate_limit_per_minute=1)
    import uuid

    # A fresh name: the count lives in Redis, across test runs within the same minute.
    headers = {"X-Plaudit-Token": f"pld_{uuid.uuid4().hex[:8]}", "Content-Type": "application/json"}
    first = await http.post("/webhooks/reviews", content=b"{}", headers=headers)
    assert first.status_code in (400, 401)
    assert (await http.post("/webhooks/reviews", content=b"{}", headers=headers)).status_code == 429


async def test_database_unavailable_is_a_clear_503(http, make_token, monkeypatch, database):
    import asyncpg

    token = await make_token("products:read")
    engine = type(database)
    original = engine.run_querystring

    async def down(self, *args, **kwargs):
        raise asyncpg.CannotConnectNowError("the database system is starting up")

    monkeypatch.setattr(engine, "run_querystring", down)
    for headers in ({}, {"Authorization": f"Bearer {token}"}):  # public field; token lookup
        response = await http.post("/graphql", json=PLATFORMS, headers=headers)
        assert response.status_code == 503, response.text
        assert response.headers["retry-after"] == "5"
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAVAILABLE"
    assert (await http.get("/readyz")).status_code == 503
    monkeypatch.setattr(engine, "run_querystring", original)  # back: no restart needed
    assert (await http.post("/graphql", json=PLATFORMS)).status_code == 200
    assert (await http.get("/readyz")).json() == {"postgres": "ok", "redis": "ok"}


async def test_request_ids_are_echoed_or_made(http):
    given = await http.get("/healthz", headers={"X-Request-ID": "abc-123-def"})
    assert given.headers["x-request-id"] == "abc-123-def"
    made = await http.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    made_id = made.headers["x-request-id"]
    assert len(made_id) == 20 and made_id != given.headers["x-request-id"]


def test_json_logs_carry_the_request_id_and_no_personal_data():
    reset = REQUEST_ID.set("req-42")
    try:
        record = logging.LogRecord("plaudit.test", logging.ERROR, __file__, 1,
                                   "mail to %s failed via /consent/%s", ("ana@client.example", "x"), None)
        entry = json.loads(JsonFormatter().format(record))
    finally:
        REQUEST_ID.reset(reset)
    assert entry["request_id"] == "req-42" and entry["level"] == "error"
    assert "ana@client.example" not in entry["msg"] and "<email>" in entry["msg"]


async def test_the_access_log_has_no_link_tokens(http):
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = logging.getLogger("plaudit.access")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)  # setLevel, not .level: it clears isEnabledFor's cache
    try:
        await http.get("/consent/123.SECRETSECRETSECRET")
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    assert records and records[-1].path == "/consent/<token>"
    assert "SECRET" not in records[-1].getMessage()


async def test_metrics(http, gql, tuned):
    await gql(PLATFORMS["query"])
    await http.post("/graphql", json={"query": "query Badges { reviewPlatforms(first: 1) { nodes { key } } }",
                                      "operationName": "Badges"})
    text = (await http.get("/metrics")).text
    assert 'plaudit_http_requests_total{method="POST",route="/graphql",status="200"}' in text
    assert 'plaudit_graphql_operation_duration_seconds_count{name="Badges",type="query"}' in text
    for name in ("plaudit_queue_depth", "plaudit_outbox_backlog", "plaudit_touches",
                 "plaudit_showcase_cache_total", "plaudit_rate_limited_total"):
        assert name in text
    tuned(metrics_token="s3cret")
    assert (await http.get("/metrics")).status_code == 401
    assert (await http.get("/metrics", headers={"Authorization": "Bearer s3cret"})).status_code == 200


def test_production_refuses_the_development_secret():
    import pytest as _pytest

    production = dataclasses.replace(settings.SETTINGS, admin_production=True,
                                     secret_key=settings.DEV_SECRET_KEY)
    with _pytest.raises(SystemExit, match="PLAUDIT_SECRET_KEY"):
        settings.check_production(production)
    settings.check_production(dataclasses.replace(production, secret_key="x" * 40))
