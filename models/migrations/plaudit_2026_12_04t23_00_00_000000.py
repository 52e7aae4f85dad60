"""Trusted documents (schema_018_trusted_documents.sql)."""

from models.core.sql_migrations import sql_file_forwards

ID = "2026-12-04T23:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "trusted documents"

forwards = sql_file_forwards(ID, DESCRIPTION, "schema_018_trusted_documents.sql")
