"""Hardening: signals unique per product, senders owned by a product (schema_006_hardening.sql)."""

from models.core.sql_migrations import sql_file_forwards

ID = "2026-12-02T18:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "hardening: signals unique per product, senders per product"

forwards = sql_file_forwards(ID, DESCRIPTION, "schema_006_hardening.sql")
