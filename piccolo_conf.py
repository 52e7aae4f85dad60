"""Piccolo configuration. Import only after DATABASE_URL is set (see settings.py)."""

from piccolo.conf.apps import AppRegistry
from piccolo.engine.postgres import PostgresEngine

import settings

# extensions=(): Plaudit needs no extension, and pgserver / managed databases may
# not allow CREATE EXTENSION.
DB = PostgresEngine(config={"dsn": settings.require_database_url()}, extensions=())

APP_REGISTRY = AppRegistry(
    apps=[
        "models.piccolo_app",
        "piccolo.apps.user.piccolo_app",
        "piccolo_api.session_auth.piccolo_app",
        "piccolo_admin.piccolo_app",
    ]
)
