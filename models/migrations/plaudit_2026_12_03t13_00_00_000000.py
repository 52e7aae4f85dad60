"""API contract: indexes for the asks list (schema_007_contract.sql)."""

from models.core.sql_migrations import sql_file_forwards

ID = "2026-12-03T13:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "api contract: asks list indexes"

forwards = sql_file_forwards(ID, DESCRIPTION, "schema_007_contract.sql")
