"""Tasks: work for a human (call or DM asks, thank-yous, outreach, replies, approvals)."""

from __future__ import annotations

from piccolo.columns import ForeignKey, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from models.asking.asks import Ask
from models.people.customers import Customer
from models.reviews.reviews import Review

TASK_KINDS = ("call_ask", "social_ask", "thank_you", "outreach", "reply", "approval")


class Task(Table, tablename="task"):
    kind = Varchar(length=20)
    title = Varchar(length=300)
    body = Text(default="", help_text="Script or context")
    link = Varchar(length=500, default="")
    status = Varchar(length=10, default="open")
    assignee = Varchar(length=150, default="")
    customer = ForeignKey(references=Customer, on_delete=OnDelete.cascade, null=True)
    review = ForeignKey(references=Review, on_delete=OnDelete.cascade, null=True)
    ask = ForeignKey(references=Ask, on_delete=OnDelete.cascade, null=True)
    due_at = Timestamptz(null=True, default=None)
    done_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


async def set_task_state(actor, task_id: int, *, done: bool | None = None,
                         assignee: str | None = None):
    """Mark a task done or undo it, and/or (re)assign it; every change is audited."""
    import datetime as dt

    from models.access.audit import record_audit
    from models.core.results import Outcome

    async with Task._meta.db.transaction():
        task = await Task.objects().get(Task.id == task_id).lock_rows("NO KEY UPDATE")
        if task is None:
            return Outcome.fail("NOT_FOUND", "No such task.", "id")
        changes = {}
        if done is not None and (task.status == "done") != done:
            task.status = "done" if done else "open"
            task.done_at = dt.datetime.now(dt.UTC) if done else None
            changes["status"] = task.status
        if assignee is not None and assignee.strip()[:150] != task.assignee:
            task.assignee = assignee.strip()[:150]
            changes["assignee"] = task.assignee
        if changes:
            await task.save()
            await record_audit(actor, "task.update", "task", task.id, changes)
    return Outcome(task)
