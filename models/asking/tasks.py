"""Tasks: work for a human (call or DM asks, thank-yous, outreach, replies, approvals): their states."""

from __future__ import annotations

from models.asking.tables import Task


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
