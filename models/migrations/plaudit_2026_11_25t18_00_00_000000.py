"""Initial schema (models/schema.sql) and the platform catalogue."""

from models.core.sql_migrations import sql_file_forwards

ID = "2026-11-25T18:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "initial schema and the eight review platforms"


async def _seed_platforms():
    from models.catalogue.known_platforms import seed_platforms

    await seed_platforms()


forwards = sql_file_forwards(ID, DESCRIPTION, "schema.sql", after=_seed_platforms)
