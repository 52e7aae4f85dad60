"""Events written by triggers: task.created, ask.bounced, quote.*, consent.* (schema_011_more_events.sql)."""

from models.core.sql_migrations import sql_file_forwards

ID = "2026-12-04T16:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "more events"

forwards = sql_file_forwards(ID, DESCRIPTION, "schema_011_more_events.sql")
