"""Send-time rules: an index for the customer's reviews (schema_012_send_rules.sql)."""

from models.core.sql_migrations import sql_file_forwards

ID = "2026-12-04T17:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "send rules"

forwards = sql_file_forwards(ID, DESCRIPTION, "schema_012_send_rules.sql")
