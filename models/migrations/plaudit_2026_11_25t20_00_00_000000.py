"""Reviews in: attribution, lanes, themes, improvements (schema_003_reviews.sql)."""

from pathlib import Path

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-25T20:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "reviews in: attribution, lanes, themes, improvements"


async def forwards():
    from models.migrations.plaudit_2026_11_25t18_00_00_000000 import split_statements

    manager = MigrationManager(migration_id=ID, app_name="plaudit", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        sql = (Path(__file__).parent.parent / "schema_003_reviews.sql").read_text()
        for statement in split_statements(sql):
            await engine.run_ddl(statement)

    manager.add_raw(run)
    return manager
