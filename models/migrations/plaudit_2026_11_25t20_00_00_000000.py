"""Reviews in: attribution, lanes, themes, improvements (schema_003_reviews.sql)."""

from models.core.sql_migrations import sql_file_forwards

ID = "2026-11-25T20:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "reviews in: attribution, lanes, themes, improvements"

forwards = sql_file_forwards(ID, DESCRIPTION, "schema_003_reviews.sql")
