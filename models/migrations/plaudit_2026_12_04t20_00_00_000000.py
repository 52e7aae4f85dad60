"""Listing coverage and completeness (schema_015_listings.sql)."""

from models.core.sql_migrations import sql_file_forwards

ID = "2026-12-04T20:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "listings"

forwards = sql_file_forwards(ID, DESCRIPTION, "schema_015_listings.sql")
