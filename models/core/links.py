"""Opaque, unforgeable tokens for tracked links and unsubscribe links.

A token is the touch id and an HMAC-SHA256 of (purpose, id) under the secret
key, truncated to 128 bits: nothing to look up, nothing to guess, and a link
for one purpose never works for another.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

import settings

PURPOSES = ("click", "unsubscribe", "consent", "case_study")


def _mac(purpose: str, touch_id: int) -> bytes:
    key = settings.SETTINGS.secret_key.encode()
    return hmac.new(key, f"{purpose}:{touch_id}".encode(), hashlib.sha256).digest()[:16]


def make_token(purpose: str, touch_id: int) -> str:
    mac = base64.urlsafe_b64encode(_mac(purpose, touch_id)).decode().rstrip("=")
    return f"{touch_id}.{mac}"


def read_token(purpose: str, token: str) -> int | None:
    """The touch id if the token is genuine for this purpose, else None."""
    touch, _, mac = (token or "").partition(".")
    if not (touch.isascii() and touch.isdigit()) or len(touch) > 12 or not mac or not mac.isascii():
        return None
    expected = make_token(purpose, int(touch)).partition(".")[2]
    return int(touch) if hmac.compare_digest(expected, mac) else None


def click_url(touch_id: int) -> str:
    return f"{settings.SETTINGS.public_base_url}/r/{make_token('click', touch_id)}"


def unsubscribe_url(touch_id: int) -> str:
    return f"{settings.SETTINGS.public_base_url}/u/{make_token('unsubscribe', touch_id)}"


def consent_url(quote_id: int) -> str:
    return f"{settings.SETTINGS.public_base_url}/consent/{make_token('consent', quote_id)}"


def case_study_url(case_study_id: int) -> str:
    return f"{settings.SETTINGS.public_base_url}/case-study/{make_token('case_study', case_study_id)}"
