"""Quotes out: curation trail, disclosures, consent, showcase notifications (schema_004_quotes.sql)."""

from models.core.sql_migrations import sql_file_forwards

ID = "2026-11-25T21:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "quotes out: curation trail, disclosures, consent, showcase notifications"

forwards = sql_file_forwards(ID, DESCRIPTION, "schema_004_quotes.sql")
