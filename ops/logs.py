"""Structured logs: one JSON object per line, with the request id of the HTTP request (or job)
being served, and personal data kept out.

Email addresses are redacted from every message and exception text (SMTP errors, for one, quote
recipients), and the tokens in public link paths (/r/…, /u/…, /consent/…) are never logged.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import logging.config
import re
import traceback

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
LINK_TOKEN = re.compile(r"^/(r|u|consent)/[^/?]+")
BEARER = re.compile(r"pld_[A-Za-z0-9_-]{20,}")


def redact(text: str) -> str:
    return BEARER.sub("pld_<redacted>", EMAIL.sub("<email>", text))


def safe_path(path: str) -> str:
    """A request path fit for logs and metric labels: link tokens removed."""
    return LINK_TOKEN.sub(lambda m: f"/{m.group(1)}/<token>", path)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": redact(record.getMessage()),
            "request_id": REQUEST_ID.get(),
        }
        for key in ("method", "path", "status", "duration_ms", "job"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exc"] = redact("".join(traceback.format_exception(*record.exc_info)))
        return json.dumps(entry, ensure_ascii=False)


class RedactingFilter(logging.Filter):
    """Redacts every record in place (for any formatter) and tags it with the request id."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = ()
        record.request_id = REQUEST_ID.get()
        return True


def configure(level: str = "INFO", json_lines: bool = True) -> None:
    """Route every logger (ours, uvicorn's errors, arq's) through one redacting handler."""
    handler = {"class": "logging.StreamHandler", "stream": "ext://sys.stderr",
               "filters": ["redact"]}
    handler["formatter"] = "json" if json_lines else "text"
    logging.config.dictConfig({
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact": {"()": RedactingFilter}},
        "formatters": {"json": {"()": JsonFormatter},
                       "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}},
        "handlers": {"default": handler},
        "root": {"handlers": ["default"], "level": level.upper()},
        "loggers": {
            # Our own access line (api/http/observability.py) replaces uvicorn's, which would log
            # raw paths with link tokens in them.
            "uvicorn.access": {"handlers": [], "propagate": False},
            "uvicorn.error": {"handlers": ["default"], "propagate": False, "level": level.upper()},
            "arq": {"handlers": ["default"], "propagate": False, "level": level.upper()},
        },
    })
