"""Piccolo configuration. Import only after DATABASE_URL is set (see settings.py)."""

from piccolo.conf.apps import AppRegistry

import settings
from models.core.database import engine_class

# extensions=(): Plaudit needs no extension, and pgserver / managed databases may
# not allow CREATE EXTENSION.
# A PostgresEngine whose transactions survive task cancellation (models/core/database.py).
DB = engine_class()(config={"dsn": settings.require_database_url()}, extensions=())

APP_REGISTRY = AppRegistry(
    apps=[
        "models.piccolo_app",
        "piccolo.apps.user.piccolo_app",
        "piccolo_api.session_auth.piccolo_app",
        "piccolo_admin.piccolo_app",
        "piccolo_api.mfa.authenticator.piccolo_app",
    ]
)
