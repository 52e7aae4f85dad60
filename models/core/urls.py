"""One rule for every URL Plaudit stores or shows: absolute http(s), bounded, nothing hidden.

Used by every intake path (GraphQL, CSV files, signed webhooks, the admin's generic edits) and
every URL field (products, platforms, profiles, senders, reviews, quote photos), and once more
on the way out of the public showcase, so a `javascript:` or `data:` URL never reaches a page.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from models.core.results import UserError

MAX_URL_LENGTH = 500
SCHEMES = ("http", "https")


def url_problem(value: str | None, *, max_length: int = MAX_URL_LENGTH,
                https_only: bool = False, required: bool = False) -> str | None:
    """Why `value` is not an acceptable URL, or None. None and "" mean "no URL" (fine unless
    `required`)."""
    if value is None or value == "":
        return "A URL is required." if required and value is not None else None
    if not isinstance(value, str):
        return "A URL is text."
    if len(value) > max_length:
        return f"A URL is at most {max_length} characters."
    # Whitespace, control characters and backslashes: browsers strip or reinterpret them, so a
    # URL carrying one may not go where it reads (`java\tscript:`, `https:\\evil.example`).
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 or ch == "\\" for ch in value):
        return "A URL may not contain spaces, control characters or backslashes."
    try:
        parts = urlsplit(value)
        host = parts.hostname
        parts.port  # noqa: B018 (raises ValueError on a malformed port)
    except ValueError:
        return "Not a URL."
    allowed = ("https",) if https_only else SCHEMES
    if parts.scheme.lower() not in allowed:
        return f"Use an absolute {'https' if https_only else 'http(s)'} URL."
    if not host:
        return "The URL has no host."
    if parts.username is not None or parts.password is not None:
        return "A URL may not carry a user name or password."
    return None


def is_safe_url(value: str | None) -> bool:
    return bool(value) and url_problem(value) is None


def check_url(value: str | None, field: str, **rules) -> list[UserError]:
    problem = url_problem(value, **rules)
    return [UserError("INVALID_URL", problem, (field,))] if problem else []
