"""The connection pool, started by each process (API, worker, CLI, tests)."""

from __future__ import annotations


async def _keep_session(connection) -> None:
    """Pool reset hook: nothing to undo.

    asyncpg's default reset sends `RESET ALL; UNLISTEN *; CLOSE ALL; …` on every
    release — one more round trip per query. Plaudit never sets session state,
    listens, holds advisory locks or keeps cursors on pooled connections, and
    asyncpg still rolls back any open transaction before this hook runs.
    """


async def start_pool(min_size: int, max_size: int) -> None:
    from piccolo_conf import DB

    # Both sizes: asyncpg's min_size defaults to 10 and must not exceed max_size.
    await DB.start_connection_pool(min_size=min_size, max_size=max_size, reset=_keep_session)


async def close_pool() -> None:
    from piccolo_conf import DB

    await DB.close_connection_pool()
