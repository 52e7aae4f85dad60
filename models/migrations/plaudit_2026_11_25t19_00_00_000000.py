"""Asking: selection audits, held and deferred asks, the click log (schema_002_asking.sql)."""

from models.core.sql_migrations import sql_file_forwards

ID = "2026-11-25T19:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "asking: selection runs, held/deferred asks, click log"

forwards = sql_file_forwards(ID, DESCRIPTION, "schema_002_asking.sql")
