"""Results: the ask funnel (selected → sent → clicked → reviewed, plus bounced and unsubscribed)."""

from __future__ import annotations

from dataclasses import dataclass

from models.asking.tables import Ask

GROUPINGS = {  # name -> (label, grouping) SQL; campaigns group by id (names may repeat)
    "campaign": ("min(k.name) || ' (#' || k.id || ')'", "k.id"),
    "channel": ("a.channel", "a.channel"),
    "platform": ("coalesce(pl.name, '(not routed)')", "1"),
    "trigger": ("coalesce(k.trigger_signal, 'one_off')", "1"),
}


@dataclass
class FunnelRow:
    key: str
    selected: int
    sent: int
    clicked: int
    reviewed: int
    bounced: int
    unsubscribed: int


async def funnel(group_by: str, *, product_id: int | None = None,
                 campaign_id: int | None = None) -> list[FunnelRow]:
    """Counts are cumulative: a reviewed ask was also sent and clicked (when it was)."""
    label, grouping = GROUPINGS[group_by]
    filters, args = ["true"], []
    if product_id is not None:
        filters.append("k.product = {}")
        args.append(product_id)
    if campaign_id is not None:
        filters.append("k.id = {}")
        args.append(campaign_id)
    rows = await Ask.raw(
        f"""SELECT {label} AS key, count(*) AS selected,
              count(*) FILTER (WHERE EXISTS (SELECT 1 FROM ask_touch t WHERE t.ask = a.id
                                             AND t.status = 'sent') OR a.status IN
                               ('sent', 'clicked', 'reviewed')) AS sent,
              count(*) FILTER (WHERE a.clicked_at IS NOT NULL OR a.status = 'clicked') AS clicked,
              count(*) FILTER (WHERE a.status = 'reviewed' OR a.reviewed_at IS NOT NULL) AS reviewed,
              count(*) FILTER (WHERE a.status = 'bounced') AS bounced,
              count(*) FILTER (WHERE a.status = 'unsubscribed') AS unsubscribed
            FROM ask a JOIN campaign k ON k.id = a.campaign
            LEFT JOIN platform_profile p ON p.id = a.profile
            LEFT JOIN review_platform pl ON pl.id = p.platform
            WHERE {' AND '.join(filters)} GROUP BY {grouping} ORDER BY 1""", *args)
    return [FunnelRow(**r) for r in rows]
