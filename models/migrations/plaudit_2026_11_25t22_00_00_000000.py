"""Proof: erased addresses (schema_005_proof.sql)."""

from models.core.sql_migrations import sql_file_forwards

ID = "2026-11-25T22:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "proof: erased addresses"

forwards = sql_file_forwards(ID, DESCRIPTION, "schema_005_proof.sql")
