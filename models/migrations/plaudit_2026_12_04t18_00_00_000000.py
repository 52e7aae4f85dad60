"""Tracking on review links, per profile (schema_013_attribution.sql)."""

from models.core.sql_migrations import sql_file_forwards

ID = "2026-12-04T18:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "attribution tracking"

forwards = sql_file_forwards(ID, DESCRIPTION, "schema_013_attribution.sql")
