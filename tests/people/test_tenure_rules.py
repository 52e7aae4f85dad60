"""Tenure milestones: which anniversary is due, and derivation is idempotent."""

import datetime as dt

from models.people.signals import _add_months, tenure_milestone_due


def test_month_arithmetic_clamps_to_the_end_of_month():
    assert _add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert _add_months(dt.date(2023, 1, 31), 1) == dt.date(2023, 2, 28)
    assert _add_months(dt.date(2024, 2, 29), 12) == dt.date(2025, 2, 28)
    assert _add_months(dt.date(2024, 5, 15), -6) == dt.date(2023, 11, 15)


def test_only_the_latest_milestone_within_the_window_is_due():
    today = dt.date(2026, 11, 25)
    assert tenure_milestone_due(dt.date(2025, 11, 25), today) == 12
    assert tenure_milestone_due(dt.date(2025, 11, 1), today) == 12  # 24 days ago, in window
    assert tenure_milestone_due(dt.date(2025, 10, 1), today) is None  # 55 days ago
    assert tenure_milestone_due(dt.date(2026, 5, 25), today) == 6
    assert tenure_milestone_due(dt.date(2021, 11, 20), today) == 60
    assert tenure_milestone_due(dt.date(2026, 11, 26), today) is None  # future start
    assert tenure_milestone_due(dt.date(2026, 6, 1), today) is None  # under six months


async def test_derivation_is_idempotent_and_skips_erased_customers(product):
    from models.core.actors import SYSTEM
    from models.people.customers import Customer, upsert_customers
    from models.people.signals import Signal, derive_tenure_milestones

    today = dt.date(2026, 11, 25)
    await upsert_customers(SYSTEM, product.id, [
        {"external_id": "a", "email": "a@x.example", "customer_since": dt.date(2024, 11, 20)},
        {"external_id": "b", "email": "b@x.example", "customer_since": dt.date(2024, 11, 20)},
    ])
    await Customer.update({Customer.email_status: "erased",
                           Customer.suppressed_at: dt.datetime.now(dt.UTC)}).where(
        Customer.external_id == "b")
    assert await derive_tenure_milestones(today) == 1
    assert await derive_tenure_milestones(today) == 0
    rows = await Signal.select(Signal.note, Signal.occurred_at)
    assert [r["note"] for r in rows] == ["24 months as a customer"]
    assert rows[0]["occurred_at"].date() == dt.date(2026, 11, 20)
