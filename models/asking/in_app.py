"""In-app asks: served to the product's frontend, which shows them to the signed-in customer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from models.asking.tables import Ask
from models.core.links import click_url


@dataclass
class InAppAsk:
    ask_id: int
    platform: str
    link: str  # tracked: a click counts in the funnel and redirects to the stored review URL
    served_at: dt.datetime


async def serve_in_app_asks(actor, product_id: int | None, external_id: str,
                            now: dt.datetime | None = None) -> list[InAppAsk]:
    """The due in-app asks of one customer. The first time an ask is served counts as its send."""
    now = now or dt.datetime.now(dt.UTC)
    product_id = product_id if product_id is not None else actor.product_id
    if product_id is None or not actor.may_touch_product(product_id):
        return []
    async with Ask._meta.db.transaction():
        rows = await Ask.raw(
            """SELECT a.id, t.id AS touch, t.status, t.sent_at, pl.name AS platform
               FROM ask a JOIN customer c ON c.id = a.customer
               JOIN campaign k ON k.id = a.campaign AND k.status = 'active'
               JOIN ask_touch t ON t.ask = a.id AND t.seq = 0
               JOIN platform_profile p ON p.id = a.profile JOIN review_platform pl ON pl.id = p.platform
               WHERE c.product = {} AND c.external_id = {} AND c.email_status = 'ok'
                 AND a.channel = 'in_app' AND a.status IN ('planned', 'sent')
                 AND t.scheduled_at <= {} AND t.status IN ('scheduled', 'sent')
               ORDER BY a.id FOR UPDATE OF a, t""", product_id, external_id, now)
        first = [r["touch"] for r in rows if r["status"] == "scheduled"]
        if first:
            await Ask.raw("UPDATE ask_touch SET status = 'sent', sent_at = {} WHERE id = ANY({}::int[])",
                          now, first)
            await Ask.raw("UPDATE ask SET status = 'sent', updated_at = now() WHERE id = ANY({}::int[]) "
                          "AND status = 'planned'", [r["id"] for r in rows if r["touch"] in first])
    return [InAppAsk(ask_id=r["id"], platform=r["platform"], link=click_url(r["touch"]),
                     served_at=r["sent_at"] or now) for r in rows]
