"""Initial schema (models/schema.sql) and the platform catalogue."""

from pathlib import Path

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-25T18:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "initial schema and the eight review platforms"


def split_statements(sql: str) -> list[str]:
    lines = [line for line in sql.splitlines() if not line.strip().startswith("--")]
    return [stmt.strip() for stmt in "\n".join(lines).split(";") if stmt.strip()]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="plaudit", description=DESCRIPTION)

    async def run():
        from models.catalogue import seed_platforms

        engine = engine_finder()
        sql = (Path(__file__).parent.parent / "schema.sql").read_text()
        for statement in split_statements(sql):
            await engine.run_ddl(statement)
        await seed_platforms()

    manager.add_raw(run)
    return manager
