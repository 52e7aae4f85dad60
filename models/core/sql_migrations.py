"""Plaudit's migrations apply plain SQL files (models/schema*.sql).

Piccolo's auto-migrations cannot express what the schema needs — CHECK constraints,
partial unique indexes, composite keys, explicit ON DELETE — so each migration module
is a thin wrapper that runs one reviewed SQL file, statement by statement, inside
Piccolo's migration transaction.
"""

from __future__ import annotations

from pathlib import Path

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

SQL_DIR = Path(__file__).parent.parent  # models/: the schema*.sql files


def split_statements(sql: str) -> list[str]:
    """Statements split on ';', except inside $$-quoted bodies (PL/pgSQL functions)."""
    lines = [line for line in sql.splitlines() if not line.strip().startswith("--")]
    statements, current = [], []
    for index, chunk in enumerate("\n".join(lines).split("$$")):
        if index % 2:  # inside a $$ … $$ body: kept whole
            current.append(f"$${chunk}$$")
            continue
        *complete, rest = chunk.split(";")
        for piece in complete:
            current.append(piece)
            statements.append("".join(current).strip())
            current = []
        current.append(rest)
    statements.append("".join(current).strip())
    return [stmt for stmt in statements if stmt]


def sql_file_forwards(migration_id: str, description: str, filename: str, after=None):
    """The `forwards` coroutine of a migration that runs SQL_DIR/filename (then `after()`)."""

    async def forwards() -> MigrationManager:
        manager = MigrationManager(migration_id=migration_id, app_name="plaudit",
                                   description=description)

        async def run():
            engine = engine_finder()
            for statement in split_statements((SQL_DIR / filename).read_text()):
                await engine.run_ddl(statement)
            if after is not None:
                await after()

        manager.add_raw(run)
        return manager

    return forwards
