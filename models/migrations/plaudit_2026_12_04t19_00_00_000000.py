"""Indexes for counting a campaign's mails per hour (schema_014_caps_index.sql)."""

from models.core.sql_migrations import sql_file_forwards

ID = "2026-12-04T19:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "caps index"

forwards = sql_file_forwards(ID, DESCRIPTION, "schema_014_caps_index.sql")
