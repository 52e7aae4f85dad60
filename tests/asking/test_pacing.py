"""Pacing: caps per UTC hour and day, the recipient's business hours, DST, jitter, horizon."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

from models.asking.pacing import Pacing, Recipient, plan_send_times

UTC = dt.UTC
ALWAYS = dict(business_hours=(0, 24), business_days=(0, 1, 2, 3, 4, 5, 6))


def bucket(when: dt.datetime) -> dt.datetime:
    return when.replace(minute=0, second=0, microsecond=0)


def recipients(n: int, zone: str = "UTC", first: int = 0) -> list[Recipient]:
    return [Recipient(first + i, zone) for i in range(n)]


def placed(plan: dict[int, dt.datetime | None]) -> list[dt.datetime]:
    return [t for t in plan.values() if t is not None]


def test_caps_per_hour_and_day_hold_counting_already_planned():
    start = dt.datetime(2026, 6, 1, 0, 0, tzinfo=UTC)  # a Monday
    pacing = Pacing(max_per_hour=5, max_per_day=12, jitter_minutes=10, **ALWAYS)
    already = {start: 3, dt.datetime(2026, 6, 2, 0, 0, tzinfo=UTC): 5,
               dt.datetime(2026, 6, 3, 23, 0, tzinfo=UTC): 10}
    plan = plan_send_times(recipients(40), pacing, start, already_planned=already, seed=1)
    times = placed(plan)
    assert len(times) == 40 and all(t.tzinfo is not None and t >= start for t in times)
    per_hour = Counter(bucket(t) for t in times)
    per_day = Counter(t.date() for t in times)
    for hour, n in per_hour.items():
        assert n + already.get(hour, 0) <= 5
    for day, n in per_day.items():
        assert n + sum(v for k, v in already.items() if k.date() == day) <= 12
    assert per_hour[start] == 2  # 3 already planned in the first hour
    assert per_day == {dt.date(2026, 6, 1): 9, dt.date(2026, 6, 2): 7, dt.date(2026, 6, 3): 2,
                       dt.date(2026, 6, 4): 12, dt.date(2026, 6, 5): 10}
    # Earliest hours first, in recipient order (jitter may reorder asks within one hour).
    hours = [bucket(plan[k]) for k in range(40)]
    assert hours == sorted(hours)


def test_day_cap_counts_asks_planned_earlier_that_day():
    start = dt.datetime(2026, 6, 1, 15, 30, tzinfo=UTC)
    pacing = Pacing(max_per_hour=100, max_per_day=10, **ALWAYS)
    plan = plan_send_times(recipients(5), pacing, start, already_planned={
        dt.datetime(2026, 6, 1, 9, 0, tzinfo=UTC): 8})
    assert Counter(t.date() for t in placed(plan)) == {dt.date(2026, 6, 1): 2, dt.date(2026, 6, 2): 3}


def test_business_hours_and_days_in_several_time_zones():
    start = dt.datetime(2026, 1, 9, 13, 7, 30, tzinfo=UTC)  # a Friday
    pacing = Pacing(max_per_hour=30, max_per_day=200)
    zones = ["America/New_York", "Europe/Paris", "Asia/Tokyo", "Australia/Sydney", "Asia/Kolkata"]
    people = [Recipient(i, zones[i % len(zones)]) for i in range(1500)]
    plan = plan_send_times(people, pacing, start, seed=5)
    assert all(t is not None for t in plan.values())
    for person in people:
        when = plan[person.key]
        local = when.astimezone(ZoneInfo(person.time_zone))
        assert when >= start
        assert local.weekday() < 5 and 9 <= local.hour < 17, (person, local)
    # Friday 13:07 UTC is already Friday evening in Tokyo and Sydney: their first asks wait for Monday.
    first_tokyo = plan[2].astimezone(ZoneInfo("Asia/Tokyo"))
    assert (first_tokyo.date(), first_tokyo.hour) == (dt.date(2026, 1, 12), 9)
    first_paris = plan[1].astimezone(ZoneInfo("Europe/Paris"))
    assert (first_paris.date(), first_paris.hour) == (dt.date(2026, 1, 9), 14)


def test_dst_transition_day_uses_the_new_offset():
    pacing = Pacing(max_per_hour=1, max_per_day=1000, business_hours=(9, 10), business_days=tuple(range(7)),
                    jitter_minutes=0)
    # Paris springs forward on Sunday 2026-03-29: 09:00 local is 08:00 UTC on Saturday, 07:00 UTC on Sunday.
    plan = plan_send_times(recipients(3, "Europe/Paris"), pacing, dt.datetime(2026, 3, 28, 0, 0, tzinfo=UTC))
    assert [(t.day, t.hour) for t in placed(plan)] == [(28, 8), (29, 7), (30, 7)]
    # New York springs forward on Sunday 2026-03-08: 14:00 UTC, then 13:00 UTC.
    plan = plan_send_times(recipients(2, "America/New_York"), pacing,
                           dt.datetime(2026, 3, 7, 0, 0, tzinfo=UTC))
    assert [(t.day, t.hour) for t in placed(plan)] == [(7, 14), (8, 13)]
    # Sydney falls back on Sunday 2026-04-05: 09:00 local is 22:00 UTC, then 23:00 UTC.
    plan = plan_send_times(recipients(3, "Australia/Sydney"), pacing,
                           dt.datetime(2026, 4, 3, 12, 0, tzinfo=UTC))
    assert [(t.day, t.hour) for t in placed(plan)] == [(3, 22), (4, 23), (5, 23)]


def test_half_hour_dst_switch_inside_an_utc_hour():
    # Lord Howe moves by 30 minutes at 02:00 local (15:30 UTC on 2026-10-03): that UTC hour is
    # checked minute by minute, and nothing lands outside 01:00-03:00 local.
    zone = ZoneInfo("Australia/Lord_Howe")
    pacing = Pacing(max_per_hour=4, max_per_day=1000, business_hours=(1, 3), business_days=tuple(range(7)))
    plan = plan_send_times(recipients(40, "Australia/Lord_Howe"), pacing,
                           dt.datetime(2026, 10, 2, 0, 0, tzinfo=UTC), seed=2)
    times = placed(plan)
    assert len(times) == 40
    assert all(1 <= t.astimezone(zone).hour < 3 for t in times)
    assert any(t.astimezone(zone).date() == dt.date(2026, 10, 4) for t in times)


def test_jitter_stays_in_its_bucket_and_business_hours_and_is_deterministic():
    start = dt.datetime(2026, 2, 2, 0, 0, tzinfo=UTC)
    people = [Recipient(i, ["Asia/Kolkata", "America/New_York", "Europe/Paris"][i % 3]) for i in range(900)]
    still = plan_send_times(people, Pacing(jitter_minutes=0), start, seed=1)
    jittered = plan_send_times(people, Pacing(jitter_minutes=20), start, seed=1)
    again = plan_send_times(people, Pacing(jitter_minutes=20), start, seed=1)
    other = plan_send_times(people, Pacing(jitter_minutes=20), start, seed=2)
    assert jittered == again and jittered != other
    for person in people:
        assert bucket(jittered[person.key]) == bucket(still[person.key]) == bucket(other[person.key])
        local = jittered[person.key].astimezone(ZoneInfo(person.time_zone))
        assert 9 <= local.hour < 17, (person, local)  # Kolkata's half-hour offset: partial buckets
    assert len({t.minute for t in jittered.values()}) > 30  # spread over the hour, not a burst
    assert any(still[k] != jittered[k] for k in still)


def test_recipients_beyond_the_horizon_get_none():
    start = dt.datetime(2026, 6, 1, 0, 0, tzinfo=UTC)
    pacing = Pacing(max_per_hour=10, max_per_day=1, **ALWAYS)
    plan = plan_send_times(recipients(3), pacing, start, horizon_days=2)
    assert plan[0] is not None and plan[1] is not None and plan[2] is None
    assert all(t < start + dt.timedelta(days=2) for t in placed(plan))
    weekend_only = Pacing(business_days=(5,))
    assert plan_send_times(recipients(1), weekend_only, start, horizon_days=4) == {0: None}


def test_invalid_time_zone_is_treated_as_utc():
    start = dt.datetime(2026, 6, 1, 0, 0, tzinfo=UTC)
    plan = plan_send_times([Recipient(1, "Mars/Olympus"), Recipient(2, "")], Pacing(jitter_minutes=0), start)
    assert all(9 <= t.hour < 17 and t.date() == start.date() for t in placed(plan))


def test_a_hundred_thousand_recipients_are_planned_in_one_pass():
    zones = ["America/New_York", "America/Los_Angeles", "America/Sao_Paulo", "Europe/London", "Europe/Paris",
             "Asia/Kolkata", "Asia/Tokyo", "Asia/Singapore", "Australia/Sydney", "Pacific/Auckland"]
    people = [Recipient(i, zones[i % len(zones)]) for i in range(100_000)]
    pacing = Pacing(max_per_hour=400, max_per_day=1500)
    plan = plan_send_times(people, pacing, dt.datetime(2026, 5, 4, 6, 0, tzinfo=UTC), seed=11)
    assert len(plan) == 100_000
    times = placed(plan)
    assert 0 < len(times) < 100_000  # the day cap pushes the tail past 60 days
    assert max(Counter(bucket(t) for t in times).values()) <= 400
    assert max(Counter(t.date() for t in times).values()) <= 1500
