"""ASGI entry point for uvicorn: `uvicorn api.asgi:app` (each uvicorn worker imports it)."""

import os

import settings
from api.app import create_app
from ops.logs import configure

configure(os.environ.get("PLAUDIT_LOG_LEVEL", "INFO"), json_lines=settings.SETTINGS.log_format == "json")
settings.check_production()
app = create_app()
