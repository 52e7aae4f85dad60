"""Domain events: the event log (schema_008_events.sql)."""

from models.core.sql_migrations import sql_file_forwards

ID = "2026-12-03T15:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "domain events"

forwards = sql_file_forwards(ID, DESCRIPTION, "schema_008_events.sql")
