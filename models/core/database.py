"""The connection pool, started by each process (API, worker, CLI, tests)."""

from __future__ import annotations

import asyncio

from piccolo.engine import engine_finder  # the engine piccolo_conf configures (PICCOLO_CONF)


async def _keep_session(connection) -> None:
    """Pool reset hook: nothing to undo.

    asyncpg's default reset sends `RESET ALL; UNLISTEN *; CLOSE ALL; …` on every
    release — one more round trip per query. Plaudit never sets session state,
    listens, holds advisory locks or keeps cursors on pooled connections, and
    asyncpg still rolls back any open transaction before this hook runs.
    """


async def start_pool(min_size: int, max_size: int, statement_timeout_ms: int | None = None) -> None:
    """`statement_timeout_ms`: the API's bound on any one statement (a request must not hold a
    pooled connection for minutes); workers and migrations run without one."""
    DB = engine_finder()
    server_settings = {"statement_timeout": f"{statement_timeout_ms}ms"} if statement_timeout_ms else {}
    # Both sizes: asyncpg's min_size defaults to 10 and must not exceed max_size.
    await DB.start_connection_pool(min_size=min_size, max_size=max_size, reset=_keep_session,
                                   server_settings=server_settings)


def is_timeout(error: BaseException | None) -> bool:
    """The statement ran past the API's statement timeout (PostgreSQL cancelled it)."""
    import asyncpg

    seen = 0
    while error is not None and seen < 5:
        if isinstance(error, asyncpg.QueryCanceledError):
            return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False


async def close_pool() -> None:
    await engine_finder().close_connection_pool()


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


def engine_class():
    """PostgresEngine whose transactions survive task cancellation (see SafeTransaction)."""
    from piccolo.engine.postgres import PostgresEngine, PostgresTransaction

    class SafeTransaction(PostgresTransaction):
        """Piccolo's transaction, robust to cancellation.

        A task cancelled while BEGIN was in flight left Piccolo's transaction holding its pooled
        connection forever, idle in transaction (found by tests/core/test_fuzz_schema.py: graphql-core
        cancels a root field's siblings when it fails). Here a failed BEGIN gives the connection
        back, and a connection whose COMMIT or ROLLBACK did not complete is terminated rather
        than returned to the pool mid-transaction.
        """

        async def __aenter__(self):
            if self._parent is not None:
                return self._parent
            self.connection = await self.get_connection()
            try:
                self.transaction = self.connection.transaction()
                await self.begin()
            except BaseException:
                await self._give_back(broken=True)
                raise
            self.context = self.engine.current_transaction.set(self)
            return self

        async def __aexit__(self, exception_type, exception, traceback) -> bool:
            if self._parent:
                return exception is None
            try:
                if exception is not None and not self._rolled_back:
                    await self.rollback()
                elif exception is None and not self._committed and not self._rolled_back:
                    await self.commit()
            except BaseException:
                await self._give_back(broken=True)
                self.engine.current_transaction.reset(self.context)
                raise
            await self._give_back(broken=False)
            self.engine.current_transaction.reset(self.context)
            return exception is None

        async def _give_back(self, broken: bool) -> None:
            if broken:
                self.connection.terminate()  # the server rolls back what was open
            if self.engine.pool:
                await asyncio.shield(self.engine.pool.release(self.connection))
            elif not broken:
                await self.connection.close()

    class SafePostgresEngine(PostgresEngine):
        def transaction(self, allow_nested: bool = True) -> SafeTransaction:
            return SafeTransaction(engine=self, allow_nested=allow_nested)

    return SafePostgresEngine
