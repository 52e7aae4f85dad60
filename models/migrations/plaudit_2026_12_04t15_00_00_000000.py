"""Native intake: integrations and their event log (schema_010_integrations.sql)."""

from models.core.sql_migrations import sql_file_forwards

ID = "2026-12-04T15:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "integrations"

forwards = sql_file_forwards(ID, DESCRIPTION, "schema_010_integrations.sql")
