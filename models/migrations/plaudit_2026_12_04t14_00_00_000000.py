"""Outbound webhooks: endpoints, deliveries, attempts, the fan-out cursor (schema_009_webhooks.sql)."""

from models.core.sql_migrations import sql_file_forwards

ID = "2026-12-04T14:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "outbound webhooks"

forwards = sql_file_forwards(ID, DESCRIPTION, "schema_009_webhooks.sql")
