"""Team roster and shout-outs (schema_016_team.sql)."""

from models.core.sql_migrations import sql_file_forwards

ID = "2026-12-04T21:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "team and shout-outs"

forwards = sql_file_forwards(ID, DESCRIPTION, "schema_016_team.sql")
