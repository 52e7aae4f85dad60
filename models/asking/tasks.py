"""Tasks: work for a human (call or DM asks, thank-yous, outreach, replies, approvals): their states."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from models.access.audit import record_audit
from models.asking.tables import Ask, AskTouch, Task
from models.core.actors import Actor
from models.core.pagination import Page, PageRequest, Row, raw_keyset_page
from models.core.results import Outcome
from models.events.events import record_event


async def set_task_state(actor, task_id: int, *, done: bool | None = None,
                         assignee: str | None = None):
    """Mark a task done or undo it, and/or (re)assign it; every change is audited."""
    async with Task._meta.db.transaction():
        task = await Task.objects().get(Task.id == task_id).lock_rows("NO KEY UPDATE")
        if task is None:
            return Outcome.fail("NOT_FOUND", "No such task.", "id")
        changes = {}
        if done is not None and (task.status == "done") != done:
            if done and task.kind in (*ASK_TASKS, "approval"):
                # Marking it done would leave its ask planned (or held) for ever.
                return Outcome.fail("OUTCOME_REQUIRED", "A call or DM ask's task is completed with "
                                    "its outcome (asked, declined or not reached); an approval task "
                                    "by approving its ask.", "status")
            if not done and task.outcome in ASK_OUTCOMES:
                return Outcome.fail("ALREADY_DONE", "This ask's outcome is recorded (the ask has "
                                    "moved on); the task cannot be reopened.", "status")
            task.status = "done" if done else "open"
            task.done_at = dt.datetime.now(dt.UTC) if done else None
            task.outcome = task.outcome if done else ""
            changes["status"] = task.status
        if assignee is not None and assignee.strip()[:150] != task.assignee:
            task.assignee = assignee.strip()[:150]
            changes["assignee"] = task.assignee
        if changes:
            await task.save()
            await record_audit(actor, "task.update", "task", task.id, changes)
    return Outcome(task)


ASK_TASKS = ("call_ask", "social_ask")
# A call or DM ask's task outcome -> the ask's new status (from planned).
ASK_OUTCOMES = {"asked": "sent", "declined": "cancelled", "not_reached": "expired"}
OUTCOMES = ("done", *ASK_OUTCOMES)


@dataclass
class TaskFilter:
    kinds: list[str] | None = None
    status: str | None = None
    assignee: str | None = None
    product_id: int | None = None


TASKS_SQL = """
SELECT t.id, t.kind, t.title, t.body, t.link, t.status, t.outcome, t.assignee, t.customer,
       t.review, t.ask, t.due_at, t.done_at, t.created_at,
       coalesce(c.product, pp.product) AS product
FROM task t LEFT JOIN customer c ON c.id = t.customer LEFT JOIN review r ON r.id = t.review
LEFT JOIN platform_profile pp ON pp.id = r.profile
"""


async def list_tasks(actor: Actor, flt: TaskFilter, page: PageRequest) -> Page:
    where, args = ["TRUE"], []
    for product in (actor.product_id, flt.product_id):
        if product is not None:
            where.append("coalesce(c.product, pp.product) = {}")
            args.append(product)
    if flt.kinds:
        where.append("t.kind = ANY({}::varchar[])")
        args.append(list(flt.kinds))
    if flt.status is not None:
        where.append("t.status = {}")
        args.append(flt.status)
    if flt.assignee is not None:
        where.append("t.assignee = {}")
        args.append(flt.assignee)
    if page.ids is not None:
        where.append("t.id = ANY({}::int[])")
        args.append(list(page.ids))
    return await raw_keyset_page(Task, TASKS_SQL, where, args, "t.id", page)


async def _locked(actor: Actor, task_id: int) -> Row | None:
    rows = await Task.raw(f"{TASKS_SQL} WHERE t.id = {{}} FOR UPDATE OF t", task_id)
    if not rows or not actor.may_touch_product(rows[0]["product"]):
        return None
    return Row(rows[0])


async def assign_task(actor: Actor, task_id: int, assignee: str) -> Outcome[Row]:
    name = (assignee or "").strip()
    if len(name) > 150:
        return Outcome.fail("TOO_LONG", "An assignee is at most 150 characters.", "assignee")
    async with Task._meta.db.transaction():
        task = await _locked(actor, task_id)
        if task is None:
            return Outcome.fail("NOT_FOUND", "No such task.", "id")
        if task.assignee != name:
            await Task.update({Task.assignee: name}).where(Task.id == task_id)
            await record_audit(actor, "task.assign", "task", task_id, {"assignee": name})
            task.assignee = name
    return Outcome(task)


async def complete_task(actor: Actor, task_id: int, outcome: str) -> Outcome[Row]:
    """Done, with how it went. A call or DM ask's task says whether the customer was asked —
    then the ask counts as sent in the funnel — declined, or could not be reached."""
    async with Task._meta.db.transaction():
        task = await _locked(actor, task_id)
        if task is None:
            return Outcome.fail("NOT_FOUND", "No such task.", "id")
        if task.status == "done":
            return Outcome.fail("ALREADY_DONE", "This task is already done.", "id")
        if task.kind == "approval":
            # Done only by approving the held ask, or its ask would stay held with no task.
            return Outcome.fail("APPROVE_INSTEAD", "An approval task is done by approving its "
                                "ask (approveHeldAsk).", "id")
        allowed = tuple(ASK_OUTCOMES) if task.kind in ASK_TASKS else ("done",)
        if outcome not in allowed:
            # Named as clients send them (the TaskOutcome enum; the admin form takes either case).
            return Outcome.fail("INVALID_OUTCOME", f"A {task.kind.upper()} task ends as one of: "
                                f"{', '.join(o.upper() for o in allowed)}.", "outcome")
        now = dt.datetime.now(dt.UTC)
        await Task.update({Task.status: "done", Task.done_at: now, Task.outcome: outcome}).where(
            Task.id == task_id)
        if task.kind in ASK_TASKS and task.ask is not None:
            await Ask.update({Ask.status: ASK_OUTCOMES[outcome], Ask.updated_at: now}).where(
                (Ask.id == task.ask) & (Ask.status == "planned"))
            # The ask's touch is the call or the DM itself: sent when the customer was asked.
            if outcome == "asked":
                await AskTouch.raw("UPDATE ask_touch SET status = 'sent', sent_at = coalesce(sent_at, {}) "
                                   "WHERE ask = {} AND seq = 0 AND status = 'scheduled'", now, task.ask)
            else:
                await AskTouch.raw("UPDATE ask_touch SET status = 'cancelled', failure_reason = {} "
                                   "WHERE ask = {} AND status = 'scheduled'", outcome, task.ask)
        await record_audit(actor, "task.complete", "task", task_id, {"outcome": outcome})
        await record_event("task.completed", task.product, {
            "task": task_id, "kind": task.kind, "outcome": outcome, "ask": task.ask,
            "customer": task.customer}, occurred_at=now)
        task.status, task.done_at, task.outcome = "done", now, outcome
    return Outcome(task)
