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


def unavailability_types() -> tuple[type[BaseException], ...]:
    """Errors that mean 'the database cannot be reached right now', not a bug: the server is
    down, restarting, refusing connections, or dropped ours."""
    import asyncpg

    return (OSError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError,
            asyncpg.CannotConnectNowError, asyncpg.AdminShutdownError, asyncpg.CrashShutdownError,
            asyncpg.TooManyConnectionsError, TimeoutError)


def is_unavailable(error: BaseException | None) -> bool:
    seen = 0
    while error is not None and seen < 5:  # the cause chain, a few levels deep
        if isinstance(error, unavailability_types()):
            return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False
