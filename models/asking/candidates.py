"""A campaign run's candidates: the watermark it moves to, and the candidates themselves, streamed
in customer order a chunk at a time (models/asking/selection.py runs them)."""

from __future__ import annotations

import datetime as dt
import os

from models.asking.tables import Campaign

# Signals are consumed only once this old, so a batch still committing is not skipped when
# a later batch's ids are seen first (ids are allocated before commit).
SIGNAL_SETTLE = dt.timedelta(seconds=int(os.environ.get("PLAUDIT_SIGNAL_SETTLE_SECONDS", "120")))
# A signal is a moment to ask only while it is recent: a partner backfilling last year's
# renewals must not trigger asks "because you renewed".
SIGNAL_MAX_AGE = dt.timedelta(days=30)
CHUNK = 10_000  # customers per step: bounds memory, one set of fact queries per step



async def _trigger_and_watermark(campaign: Campaign) -> tuple[str, int]:
    """The trigger's name and the signal watermark this run moves to: the newest settled signal
    of the trigger's kind (signals past it wait for the next run)."""
    if campaign.trigger_kind == "one_off":
        return "one_off", campaign.signal_watermark
    rows = await Campaign.raw(
        "SELECT max(s.id) AS top FROM signal s JOIN customer c ON c.id = s.customer "
        "WHERE s.kind = {} AND s.id > {} AND c.product = {} AND s.created_at < now() - {}::interval",
        campaign.trigger_signal, campaign.signal_watermark, campaign.product, SIGNAL_SETTLE)
    return f"signal:{campaign.trigger_signal}", rows[0]["top"] or campaign.signal_watermark


async def _candidate_chunks(campaign: Campaign, watermark: int):
    """The candidates in customer order, CHUNK at a time: [(customer id, triggering signal id)].

    Streamed by keyset, so a run over a million customers holds one chunk, not the audience.
    For a signal trigger, a customer's candidate signal is their oldest fresh settled one up to
    the new watermark; the watermark moves past stale signals too (they are simply not
    candidates)."""
    last = 0
    if campaign.trigger_kind == "one_off":
        if campaign.one_off_done:
            return
        while True:
            rows = await Campaign.raw("SELECT id FROM customer WHERE product = {} AND id > {} "
                                      "ORDER BY id LIMIT {}", campaign.product, last, CHUNK)
            if not rows:
                return
            yield [(r["id"], None) for r in rows]
            last = rows[-1]["id"]
    if watermark <= campaign.signal_watermark:
        return
    fresh_after = dt.datetime.now(dt.UTC) - SIGNAL_MAX_AGE
    while True:
        rows = await Campaign.raw(
            "SELECT DISTINCT ON (s.customer) s.customer, s.id FROM signal s "
            "JOIN customer c ON c.id = s.customer "
            "WHERE s.kind = {} AND s.id > {} AND s.id <= {} AND c.product = {} "
            "AND s.created_at < now() - {}::interval AND s.occurred_at >= {} AND s.customer > {} "
            "ORDER BY s.customer, s.id LIMIT {}",
            campaign.trigger_signal, campaign.signal_watermark, watermark, campaign.product,
            SIGNAL_SETTLE, fresh_after, last, CHUNK)
        if not rows:
            return
        yield [(r["customer"], r["id"]) for r in rows]
        last = rows[-1]["customer"]
