"""Improvement records: what a 1–2 star review teaches the product team, and where it stands.

Each comes from one review (models/reviews/lanes.py makes it, tagged with the themes of the
review's cons). The team plans it, ships it or declines it; every change is audited, and a
record is read and changed only within the actor's product.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.access.audit import record_audit
from models.core.actors import Actor
from models.core.pagination import Page, PageRequest, Row, raw_keyset_page
from models.core.results import Outcome
from models.reviews.reviews import Improvement

STATUSES = ("open", "planned", "done", "wontfix")
MAX_SUMMARY = 2000


@dataclass(frozen=True)
class ImprovementFilter:
    product_id: int | None = None
    statuses: tuple[str, ...] | None = None
    theme: str | None = None


IMPROVEMENTS_SQL = ("SELECT i.id, i.review, i.product, i.themes, i.summary, i.status, i.created_at "
                    "FROM improvement i")


async def list_improvements(actor: Actor, flt: ImprovementFilter, page: PageRequest) -> Page:
    where, args = [], []
    for product in (actor.product_id, flt.product_id):
        if product is not None:
            where.append("i.product = {}")
            args.append(product)
    if flt.statuses:
        where.append("i.status = ANY({}::varchar[])")
        args.append(list(flt.statuses))
    if flt.theme is not None:
        where.append("i.themes ? {}")
        args.append(flt.theme)
    if page.ids is not None:
        where.append("i.id = ANY({}::int[])")
        args.append(list(page.ids))
    return await raw_keyset_page(Improvement, IMPROVEMENTS_SQL, where, args, "i.id", page)


async def update_improvement(actor: Actor, improvement_id: int, *, status: str | None = None,
                             summary: str | None = None) -> Outcome[Row]:
    if status is not None and status not in STATUSES:
        return Outcome.fail("INVALID_STATUS", f"The status is one of {', '.join(STATUSES)}.", "status")
    if summary is not None and len(summary) > MAX_SUMMARY:
        return Outcome.fail("TOO_LONG", f"The summary is at most {MAX_SUMMARY} characters.", "summary")
    async with Improvement._meta.db.transaction():
        rows = await Improvement.raw(f"{IMPROVEMENTS_SQL} WHERE i.id = {{}} FOR UPDATE", improvement_id)
        if not rows or not actor.may_touch_product(rows[0]["product"]):
            return Outcome.fail("NOT_FOUND", "No such improvement record.", "id")
        row = Row(dict(rows[0]))
        changes = {}
        if status is not None and status != row.status:
            changes["status"] = status
        if summary is not None and summary.strip() != row.summary:
            changes["summary"] = summary.strip()
        if changes:
            await Improvement.update({getattr(Improvement, k): v for k, v in changes.items()}).where(
                Improvement.id == improvement_id)
            await record_audit(actor, "improvement.update", "improvement", improvement_id, changes)
            row.__dict__.update(changes)
    return Outcome(row)
