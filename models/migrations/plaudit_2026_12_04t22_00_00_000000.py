"""Case studies (schema_017_case_studies.sql)."""

from models.core.sql_migrations import sql_file_forwards

ID = "2026-12-04T22:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "case studies"

forwards = sql_file_forwards(ID, DESCRIPTION, "schema_017_case_studies.sql")
