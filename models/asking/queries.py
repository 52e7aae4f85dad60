"""Reading asks from outside: asks with filters, their touches and their clicks.

Every read holds the actor's product limit (an ask belongs to its campaign's product).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from models.asking.tables import Ask, AskClick, AskTouch
from models.core.actors import Actor
from models.core.pagination import Page, PageRequest, Row, raw_keyset_page


@dataclass(frozen=True)
class AskFilter:
    campaign_id: int | None = None
    customer_id: int | None = None
    statuses: tuple[str, ...] | None = None
    platform_key: str | None = None
    channel: str | None = None
    since: dt.datetime | None = None  # planned at or after


ASKS_SQL = """
SELECT a.id, a.campaign, a.customer, a.profile, a.channel, a.status, a.signal, a.routing_reason,
       a.planned_at, a.created_at, a.updated_at, a.selection_run, a.clicked_at, a.reviewed_at,
       k.product, rp.key AS platform_key
FROM ask a
JOIN campaign k ON k.id = a.campaign
LEFT JOIN platform_profile pp ON pp.id = a.profile
LEFT JOIN review_platform rp ON rp.id = pp.platform"""


async def list_asks(actor: Actor, flt: AskFilter, page: PageRequest) -> Page:
    where, args = [], []
    if actor.product_id is not None:
        where.append("k.product = {}")
        args.append(actor.product_id)
    for sql, value in (("a.campaign = {}", flt.campaign_id), ("a.customer = {}", flt.customer_id),
                       ("rp.key = {}", flt.platform_key), ("a.channel = {}", flt.channel),
                       ("a.planned_at >= {}", flt.since)):
        if value is not None:
            where.append(sql)
            args.append(value)
    if flt.statuses:
        where.append("a.status = ANY({}::varchar[])")
        args.append(list(flt.statuses))
    if page.ids is not None:
        where.append("a.id = ANY({}::int[])")
        args.append(list(page.ids))
    return await raw_keyset_page(Ask, ASKS_SQL, where, args, "a.id", page)


TOUCH_COLUMNS = ("t.id, t.ask, t.seq AS sequence, t.message_id, t.status, t.scheduled_at, "
                 "t.sent_at, t.subject, t.failure_reason, t.attempts")


async def touches_for(ask_ids: list[int]) -> dict[int, list[Row]]:
    """Each ask's touches, first send then follow-ups (callers have already checked the asks)."""
    rows = await AskTouch.raw(f"SELECT {TOUCH_COLUMNS} FROM ask_touch t WHERE t.ask = ANY({{}}::int[]) "
                              "ORDER BY t.ask, t.seq", ask_ids)
    found: dict[int, list[Row]] = defaultdict(list)
    for row in rows:
        found[row["ask"]].append(Row(row))
    return found


async def touches_by_id(actor: Actor, touch_ids: list[int]) -> list[Row]:
    """Touches by id, within the actor's product."""
    where, args = ["t.id = ANY({}::int[])"], [touch_ids]
    if actor.product_id is not None:
        where.append("k.product = {}")
        args.append(actor.product_id)
    rows = await AskTouch.raw(
        f"SELECT {TOUCH_COLUMNS} FROM ask_touch t JOIN ask a ON a.id = t.ask "
        f"JOIN campaign k ON k.id = a.campaign WHERE {' AND '.join(where)}", *args)
    return [Row(r) for r in rows]


MAX_CLICKS_PER_ASK = 50


async def clicks_for(ask_ids: list[int]) -> dict[int, list[Row]]:
    """Each ask's latest hits on its tracked links, oldest first, counted or not (with the reason)."""
    rows = await AskClick.raw(
        "SELECT ask, touch, at, method, user_agent, human AS counted, reason FROM ("
        "  SELECT t.ask, c.touch, c.at, c.method, c.user_agent, c.human, c.reason, "
        "         row_number() OVER (PARTITION BY t.ask ORDER BY c.at DESC, c.id DESC) AS n "
        "  FROM ask_click c JOIN ask_touch t ON t.id = c.touch WHERE t.ask = ANY({}::int[])"
        ") latest WHERE n <= {} ORDER BY ask, at", ask_ids, MAX_CLICKS_PER_ASK)
    found: dict[int, list[Row]] = defaultdict(list)
    for row in rows:
        found[row["ask"]].append(Row(row))
    return found
