"""The PostgreSQL side every benchmark needs: its own database, recreated for each run."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


async def server_reachable(url: str) -> bool:
    import asyncpg

    try:
        conn = await asyncpg.connect(url, timeout=3)
    except (TimeoutError, OSError, asyncpg.PostgresError):
        return False
    await conn.close()
    return True


async def recreate_database(admin_url: str, name: str) -> str:
    """Drop and create `name`; returns the server's version and shared_buffers, for the report."""
    import asyncpg

    conn = await asyncpg.connect(admin_url, timeout=10)
    try:
        force = " WITH (FORCE)" if conn.get_server_version().major >= 13 else ""
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}"{force}')
        await conn.execute(f'CREATE DATABASE "{name}"')
        version = (await conn.fetchval("SHOW server_version")).split(" ")[0]
        return f"{version}, shared_buffers {await conn.fetchval('SHOW shared_buffers')}"
    finally:
        await conn.close()
