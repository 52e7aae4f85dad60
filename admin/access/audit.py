"""Audit hooks for Piccolo Admin's generic create/edit/delete, and read-only guards."""

from __future__ import annotations

from piccolo.columns import Column
from piccolo.table import Table
from piccolo_api.crud.hooks import Hook, HookType
from piccolo_api.crud.validators import Validators
from starlette.exceptions import HTTPException
from starlette.requests import Request

from models.access.audit import record_audit
from models.core.actors import admin_actor
from models.core.urls import url_problem


def _actor(request: Request):
    user = getattr(request.user, "user", None)
    return admin_actor(getattr(user, "username", "admin"))


def column_name(key) -> str:
    return key._meta.name if isinstance(key, Column) else str(key)


# Columns holding URLs, checked by the domain's one URL rule on the console's generic edits too.
URL_COLUMNS = {"url": {}, "profile_url": {"required": True}, "review_url": {"required": True},
               "website": {}, "photo_url": {}}


def _check_urls(values: dict) -> None:
    for key, value in values.items():
        rules = URL_COLUMNS.get(column_name(key))
        if rules is not None and (problem := url_problem(value, **rules)):
            raise HTTPException(status_code=400, detail=f"{column_name(key)}: {problem}")


def audit_hooks(table: type[Table]) -> list[Hook]:
    name = table._meta.tablename

    async def on_save(row, request: Request):
        _check_urls(row.to_dict())
        await record_audit(_actor(request), f"admin.{name}.create", name, "",
                           {k: str(v)[:200] for k, v in row.to_dict().items() if k != "id"})
        return row

    async def on_patch(row_id, values, request: Request):
        # piccolo_api passes the values keyed by Column objects, not by name.
        _check_urls(values)
        await record_audit(_actor(request), f"admin.{name}.update", name, row_id,
                           {column_name(k): str(v)[:200] for k, v in values.items()})
        return values

    async def on_delete(row_id, request: Request):
        await record_audit(_actor(request), f"admin.{name}.delete", name, row_id)

    return [Hook(HookType.pre_save, on_save), Hook(HookType.pre_patch, on_patch),
            Hook(HookType.pre_delete, on_delete)]


def combined_hooks(*lists: list[Hook]) -> list[Hook]:
    """Hooks of several sources, grouped by type in the order given. piccolo_api groups hooks
    with itertools.groupby and keeps the last group of a type: a type appearing twice, apart,
    would silently lose its first hooks."""
    hooks = [hook for group in lists for hook in group]
    return sorted(hooks, key=lambda hook: hook.hook_type.value)  # stable: order within a type kept


def _refuse_writes(reason: str):
    async def refuse(piccolo_crud, request: Request):
        raise HTTPException(status_code=405, detail=reason)

    return refuse


def read_only(reason: str) -> Validators:
    refuse = _refuse_writes(reason)
    return Validators(post_single=[refuse], put_single=[refuse], patch_single=[refuse],
                      delete_single=[refuse], delete_all=[refuse])


def no_put() -> Validators:
    return Validators(put_single=[_refuse_writes("Edit with PATCH: PUT would skip the audit trail.")])
