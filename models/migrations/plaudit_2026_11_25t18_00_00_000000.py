"""Initial schema (models/schema.sql).

The platform catalogue is seeded by `plaudit migrate` once every migration has run
(cli/setup.py), so the seed always writes the columns the current model has — a seed run here
would write columns that later migrations add.
"""

from models.core.sql_migrations import sql_file_forwards

ID = "2026-11-25T18:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "initial schema"

forwards = sql_file_forwards(ID, DESCRIPTION, "schema.sql")
