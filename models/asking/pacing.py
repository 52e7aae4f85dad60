"""Pacing: when each ask is sent — at a natural pace, never everyone at once.

A burst of identical asks looks like spam to mail providers and like a solicitation drive to
the review sites, and a customer asked at 3 a.m. on a Sunday is asked badly. So every ask gets
a send time inside the recipient's own business hours (in their time zone, DST included), the
campaign never plans more than max_per_hour in one UTC hour or max_per_day in one UTC day
(asks it planned earlier count too), and times are spread over the hour with seeded jitter so
a run can be replayed exactly.

Pure domain logic, no database. Speed comes from working per UTC hour bucket, not per minute:
each distinct time zone gets its list of feasible buckets (with the feasible part of each
hour) once, and filling is a forward-only pointer per time zone, since a full bucket or day
never frees up during a run.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
import random
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from models.asking.campaign_rules import DEFAULT_PACING

UTC = dt.UTC
HOUR = 3600


@dataclass(frozen=True)
class Pacing:
    max_per_hour: int = 50
    max_per_day: int = 300
    business_hours: tuple[int, int] = (9, 17)  # recipient's local time, [start, end)
    business_days: tuple[int, ...] = (0, 1, 2, 3, 4)  # Monday=0
    jitter_minutes: int = 20


@dataclass(frozen=True)
class Recipient:
    key: int
    time_zone: str  # IANA name; an invalid or empty one is treated as UTC


def pacing_of(stored: dict | str | None) -> Pacing:
    """A campaign's stored pacing (JSON or dict), over the defaults."""
    config = DEFAULT_PACING | ((json.loads(stored) if isinstance(stored, str) else stored) or {})
    return Pacing(max_per_hour=config["max_per_hour"], max_per_day=config["max_per_day"],
                  business_hours=tuple(config["business_hours"]),
                  business_days=tuple(config["business_days"]), jitter_minutes=config["jitter_minutes"])


def zone_of(name: str) -> ZoneInfo:
    """The time zone, or UTC when the name is empty or unknown (bad CRM data must not block an ask)."""
    try:
        return ZoneInfo(name) if name else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        return ZoneInfo("UTC")


def _bucket(when: dt.datetime) -> dt.datetime:
    return when.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _local_window(local: dt.datetime, pacing: Pacing) -> tuple[int, int] | None:
    """Seconds [lo, hi) of the local hour starting at `local` (naive) that are business time.

    The hour may straddle local midnight, so both days' business windows are intersected; with
    start < end hours the result is always one interval.
    """
    start_h, end_h = pacing.business_hours
    lo, hi = HOUR, 0
    for day in (local.date(), local.date() + dt.timedelta(days=1)):
        if day.weekday() not in pacing.business_days:
            continue
        midnight = dt.datetime.combine(day, dt.time())
        open_s = (midnight + dt.timedelta(hours=start_h) - local).total_seconds()
        close_s = (midnight + dt.timedelta(hours=end_h) - local).total_seconds()
        a, b = max(0, open_s), min(HOUR, close_s)
        if a < b:
            lo, hi = min(lo, int(a)), max(hi, int(b))
    return (lo, hi) if lo < hi else None


@functools.lru_cache(maxsize=512)
def _feasible_buckets(zone: ZoneInfo, base: dt.datetime, count: int, pacing: Pacing,
                      first_lo: int, last_hi: int) -> tuple[tuple[int, int, int], ...]:
    """(bucket index, lo, hi) for each UTC hour from `base` with business time in this zone.

    lo/hi are seconds within the hour. When the zone's offset changes inside an hour (a DST
    switch off the UTC hour, e.g. Lord Howe's half hour), that hour is checked minute by minute.
    """
    out = []
    step = dt.timedelta(hours=1)
    for index in range(count):
        at = base + step * index
        local = at.astimezone(zone)
        offset = local.utcoffset()
        if (at + dt.timedelta(seconds=HOUR - 1)).astimezone(zone).utcoffset() == offset:
            window = _local_window(local.replace(tzinfo=None), pacing)
        else:
            window = _window_by_minute(at, zone, pacing)
        if window is None:
            continue
        lo, hi = window
        if index == 0:
            lo = max(lo, first_lo)
        if index == count - 1:
            hi = min(hi, last_hi)
        if lo < hi:
            out.append((index, lo, hi))
    # Cached and read-only: a campaign run plans chunk after chunk from the same start.
    return tuple(out)


def _window_by_minute(at: dt.datetime, zone: ZoneInfo, pacing: Pacing) -> tuple[int, int] | None:
    start_h, end_h = pacing.business_hours
    ok = []
    for minute in range(60):
        local = (at + dt.timedelta(minutes=minute)).astimezone(zone)
        ok.append(local.weekday() in pacing.business_days and start_h <= local.hour < end_h)
    if True not in ok:
        return None
    first = ok.index(True)
    last = first
    while last + 1 < 60 and ok[last + 1]:
        last += 1
    return first * 60, (last + 1) * 60


def plan_send_times(recipients: list[Recipient], pacing: Pacing, start: dt.datetime, *,
                    already_planned: dict[dt.datetime, int] | None = None, seed: int = 0,
                    horizon_days: int = 60) -> dict[int, dt.datetime | None]:
    """A UTC send time per recipient key, or None when none fits within horizon_days of start.

    Recipients take the earliest feasible slot in the order given. Every time is >= start and
    < start + horizon_days, inside the recipient's local business hours on a business day; no
    UTC hour holds more than max_per_hour asks and no UTC day more than max_per_day, counting
    already_planned (UTC hour bucket -> asks this campaign planned before). Within an hour the
    n-th ask sits near n/max_per_hour of the recipient's feasible part of it, moved by up to
    ±jitter_minutes (seeded) but never out of that part. Same inputs and seed, same result.
    """
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    start_h, end_h = pacing.business_hours
    if not 0 <= start_h < end_h <= 24:
        raise ValueError("business hours are [start, end) within 0-24")
    start = start.astimezone(UTC)
    end = start + dt.timedelta(days=horizon_days)
    base = _bucket(start)
    count = max(0, math.ceil((end - base).total_seconds() / HOUR))
    first_lo = math.ceil((start - base).total_seconds())
    last_hi = int((end - (base + dt.timedelta(hours=count - 1))).total_seconds()) if count else 0

    # Hour and day usage, indexed by bucket; days are UTC dates, and planned asks on the start
    # day before `start` still count against that day's cap.
    hour_used = [0] * count
    day_of = [(base + dt.timedelta(hours=i)).date() for i in range(count)]
    day_used: dict[dt.date, int] = dict.fromkeys(day_of, 0)
    for at, planned in (already_planned or {}).items():
        when = _bucket(at if at.tzinfo else at.replace(tzinfo=UTC))
        if when.date() in day_used:
            day_used[when.date()] += planned
        index = int((when - base).total_seconds()) // HOUR
        if 0 <= index < count and when >= base:
            hour_used[index] += planned

    per_hour, per_day = pacing.max_per_hour, pacing.max_per_day
    jitter = max(0, pacing.jitter_minutes) * 60
    rng = random.Random(seed)
    zones: dict[str, list[tuple[int, int, int]]] = {}
    pointers: dict[str, int] = {}
    result: dict[int, dt.datetime | None] = {}
    bucket_times = [base + dt.timedelta(hours=i) for i in range(count)]

    for recipient in recipients:
        name = recipient.time_zone
        feasible = zones.get(name)
        if feasible is None:
            feasible = zones[name] = _feasible_buckets(zone_of(name), base, count, pacing, first_lo, last_hi)
            pointers[name] = 0
        p = pointers[name]
        while p < len(feasible):
            index = feasible[p][0]
            if hour_used[index] < per_hour and day_used[day_of[index]] < per_day:
                break
            p += 1
        pointers[name] = p
        if p == len(feasible):
            result[recipient.key] = None
            continue
        index, lo, hi = feasible[p]
        slot = hour_used[index]
        hour_used[index] += 1
        day_used[day_of[index]] += 1
        offset = lo + (hi - lo) * (slot % per_hour + 0.5) / per_hour
        if jitter:
            offset += rng.uniform(-jitter, jitter)
        seconds = min(max(int(offset), lo), hi - 1)
        result[recipient.key] = bucket_times[index] + dt.timedelta(seconds=seconds)
    return result
