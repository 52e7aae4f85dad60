"""The task inbox in the admin: work for a person (thank-yous, outreach, replies, approvals,
call and social asks). Done/undo and (re)assignment go through the domain's set_task_state,
from the 'Update task' form or the generic edit, so done_at always follows the status and
every change is audited. Tasks are created by Plaudit, never typed here."""

from __future__ import annotations

from typing import Any

from piccolo_admin.endpoints import FormConfig, TableConfig
from piccolo_api.crud.endpoints import OrderBy
from piccolo_api.crud.hooks import Hook, HookType
from piccolo_api.crud.validators import Validators
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException
from starlette.requests import Request

from admin.access.audit import audit_hooks, column_name
from models.asking.tables import Task
from models.asking.tasks import complete_task, set_task_state
from models.core.actors import admin_actor

GROUP = "Inbox"
UPDATE_FORM = "'Update task' form"
ACTIONS = {"done": True, "undo": False, "keep": None}
STATUSES = {"done": True, "open": False}
UNASSIGN = "-"
# Set by Plaudit when it creates the task: what it is about.
LINKS = ("kind", "customer", "review", "ask")
# Follow the status (done_at) or are Plaudit's own (created_at): the edit form sends them back.
BOOKKEEPING = ("done_at", "created_at")
# A person may reword a task or move its due date.
FREE = ("title", "body", "link", "due_at")


def _actor(request: Request):
    user = getattr(request.user, "user", None)
    return admin_actor(getattr(user, "username", "admin"))


def _refuse(detail: str, status_code: int = 400):
    raise HTTPException(status_code=status_code, detail=detail)


def _messages(errors) -> str:
    return "; ".join(e.message for e in errors)


# --- generic edit -------------------------------------------------------------------------------


async def _guard_patch(row_id: Any, values: dict, request: Request) -> dict:
    task = await Task.objects().get(Task.id == int(row_id))
    if task is None:
        _refuse("No such task.", 404)
    given = {column_name(k): v for k, v in values.items()}
    relinked = [name for name in LINKS if name in given and given[name] != getattr(task, name)]
    if relinked:
        _refuse(f"A task's {', '.join(relinked)} are set by Plaudit and cannot be changed.")
    status = given.get("status")
    if status is not None and status not in STATUSES:
        _refuse(f"A task is open or done, not {status!r}; or use the {UPDATE_FORM}.")
    free = {k: v for k, v in values.items()
            if column_name(k) in FREE and v != getattr(task, column_name(k))}
    audit = {hook.hook_type: hook for hook in audit_hooks(Task)}[HookType.pre_patch]
    # Everything is written here, in one transaction: a refused title leaves the status alone.
    async with Task._meta.db.transaction():
        if free:
            await Task.update(free).where(Task.id == task.id)
            await audit.callable(task.id, free, request)
        outcome = await set_task_state(
            _actor(request), task.id, done=None if status is None else STATUSES[status],
            assignee=given.get("assignee"))
        if not outcome.ok:
            _refuse(_messages(outcome.errors))
    task = outcome.value
    # piccolo_api then writes these values again, unchanged: done_at stays with the status.
    return {**free, Task.status: task.status, Task.done_at: task.done_at,
            Task.assignee: task.assignee}


def task_table_configs() -> list[TableConfig]:
    async def refuse(piccolo_crud, request: Request):
        raise HTTPException(status_code=405, detail=(
            "Tasks are created by Plaudit (asks, reviews, approvals) and kept once done: mark "
            f"them done or undo them with the {UPDATE_FORM} or the edit form."))

    return [
        TableConfig(Task,
                    visible_columns=[Task.id, Task.kind, Task.title, Task.status, Task.assignee,
                                     Task.due_at, Task.customer, Task.review, Task.created_at],
                    visible_filters=[Task.kind, Task.status, Task.assignee],
                    menu_group=GROUP, order_by=[OrderBy(Task.id, ascending=False)],
                    hooks=[Hook(HookType.pre_patch, _guard_patch)],
                    # PUT would skip the hook.
                    validators=Validators(post_single=[refuse], put_single=[refuse],
                                          delete_single=[refuse], delete_all=[refuse])),
    ]


# --- the form -------------------------------------------------------------------------------------


class UpdateTaskForm(BaseModel):
    task_id: int = Field(description="The task's id, as listed under Inbox → Task.")
    action: str = Field(default="keep", description="done (mark it done), undo (reopen it) or "
                        "keep (leave the status as it is).")
    outcome: str = Field(default="", description="With done: how it went — asked, declined or "
                         "not_reached for a call or DM ask (asked counts the ask as sent); done "
                         "(the default) for any other task.")
    assignee: str | None = Field(default=None, description="Who does it; empty = unchanged, "
                                 f"'{UNASSIGN}' = nobody.")


def _described(task: Task) -> str:
    state = f"done since {task.done_at:%Y-%m-%d %H:%M} UTC" if task.status == "done" else "open"
    who = f"assigned to {task.assignee}" if task.assignee else "unassigned"
    return f"Task #{task.id} '{task.title}' is {state}, {who}."


async def update_task_endpoint(request: Request, data: UpdateTaskForm) -> str:
    action = data.action.strip().lower() or "keep"
    if action not in ACTIONS:
        raise ValueError(f"Unknown action {data.action!r}: {', '.join(ACTIONS)}.")
    assignee = (data.assignee or "").strip() or None
    if assignee == UNASSIGN:
        assignee = ""
    if ACTIONS[action] is None and assignee is None:
        raise ValueError("Nothing to change: choose done or undo, or give an assignee.")
    actor = _actor(request)
    async with Task._meta.db.transaction():  # all of it or nothing
        outcome = await set_task_state(actor, data.task_id,
                                       done=None if action == "done" else ACTIONS[action],
                                       assignee=assignee)
        if outcome.ok and action == "done":
            # The domain's completion: a call or DM ask moves with its outcome.
            outcome = await complete_task(actor, data.task_id, data.outcome.strip().lower() or "done")
        if not outcome.ok:
            raise ValueError(f"Task #{data.task_id}: {_messages(outcome.errors)}")
    return _described(await Task.objects().get(Task.id == data.task_id))


def task_forms() -> list[FormConfig]:
    return [
        FormConfig(name="Update task", pydantic_model=UpdateTaskForm,
                   endpoint=update_task_endpoint, form_group=GROUP,
                   description="Mark a task done, undo it, and/or (re)assign it. Every change "
                               "is audited."),
    ]
