"""The DateTime and Date scalars, documented and strict: what a code generator maps them to.

DateTime is ISO 8601 with its offset, always served in UTC with `Z`
(`2026-12-03T14:05:00Z`, microseconds when there are some); an input must carry an offset
(`Z` or `±hh:mm`) — a naive time is ambiguous across the customers' time zones. Date is
ISO 8601 `YYYY-MM-DD`.
"""

from __future__ import annotations

import datetime as dt

import strawberry

MAX_TEXT = 40  # the longest ISO 8601 form is 32 characters


def serialize_datetime(value: dt.datetime) -> str:
    if value.tzinfo is None:  # stored times are timestamptz; a naive one is UTC by convention
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def parse_datetime(value: object) -> dt.datetime:
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise ValueError("A DateTime is an ISO 8601 string, e.g. 2026-12-03T14:05:00Z.")
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not an ISO 8601 date and time (e.g. 2026-12-03T14:05:00Z)."
                         ) from None
    if parsed.tzinfo is None:
        raise ValueError(f"{value!r} has no offset: add Z for UTC, or ±hh:mm.")
    return parsed


def serialize_date(value: dt.date) -> str:
    return value.isoformat()


def parse_date(value: object) -> dt.date:
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise ValueError("A Date is an ISO 8601 string, e.g. 2026-12-03.")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not an ISO 8601 date (YYYY-MM-DD).") from None


DateTime = strawberry.scalar(
    name="DateTime",
    description="ISO 8601 date and time with its offset; served in UTC with `Z`, e.g. "
                "`2026-12-03T14:05:00Z`. Inputs must carry an offset (`Z` or `±hh:mm`).",
    specified_by_url="https://datatracker.ietf.org/doc/html/rfc3339#section-5.6",
    serialize=serialize_datetime, parse_value=parse_datetime)

Date = strawberry.scalar(
    name="Date",
    description="ISO 8601 calendar date, `YYYY-MM-DD`.",
    specified_by_url="https://datatracker.ietf.org/doc/html/rfc3339#section-5.6",
    serialize=serialize_date, parse_value=parse_date)

# StrawberryConfig(scalar_map=…): the Python types every resolver already uses map to these.
SCALAR_MAP = {dt.datetime: DateTime, dt.date: Date}
