"""What a provider's event means for Plaudit: a signal for a customer, or nothing (and why)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Mapped:
    event_id: str  # the provider's id of this delivery's event (idempotency of the intake)
    event_type: str
    kind: str | None = None  # the signal kind, or None: acknowledged and ignored
    signal_key: str = ""  # the signal's event id (source + key are unique per product)
    occurred_at: dt.datetime | None = None
    external_id: str | None = None  # the customer, by the provider's id of them (= external id)
    email: str | None = None  # … or by email
    reason: str = ""  # why ignored
    note: str = ""


def ignored(event_id: str, event_type: str, reason: str) -> Mapped:
    return Mapped(event_id=event_id, event_type=event_type, reason=reason)


def text(value, limit: int = 200) -> str | None:
    """A provider's string field, bounded; anything else (numbers included) as its text."""
    if value is None or isinstance(value, (dict, list)):
        return None
    value = str(value).strip()
    return value[:limit] or None


def from_unix(value) -> dt.datetime | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**33:
        return None
    return dt.datetime.fromtimestamp(value, dt.UTC)


def from_iso(value) -> dt.datetime | None:
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
