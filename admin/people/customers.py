"""Customers in the admin: the 'Erase customer (on request)' form. The rule — what is removed,
what stays anonymised — is models/people/erasure.py's."""

from __future__ import annotations

from piccolo_admin.endpoints import FormConfig
from pydantic import BaseModel, Field
from starlette.requests import Request

from api.quotes.showcase_cache import clear_local_caches
from models.core.actors import admin_actor
from models.people.erasure import erase_customer_by_address


class EraseForm(BaseModel):
    email: str = Field(description="The address of the person who asked to be erased.")
    product_slug: str = Field(description="The product they are a customer of.")
    confirm: str = Field(description="Type ERASE: this cannot be undone.")


async def erase_endpoint(request: Request, data: EraseForm) -> str:
    if data.confirm.strip() != "ERASE":
        raise ValueError("Type ERASE in the confirmation field.")
    user = getattr(request.user, "user", None)
    outcome = await erase_customer_by_address(admin_actor(getattr(user, "username", "admin")),
                                              data.product_slug, data.email)
    if not outcome.ok:
        raise ValueError("; ".join(e.message for e in outcome.errors))
    clear_local_caches()
    done = outcome.value
    return (f"Customer #{done.customer_id} is erased: {done.signals} signals and {done.touches} "
            f"messages cleared, {done.reviews} reviews anonymised, {done.quotes} quotes and "
            f"{done.tasks} tasks deleted. The address will not be stored again.")


def customer_forms() -> list[FormConfig]:
    return [FormConfig(name="Erase customer (on request)", pydantic_model=EraseForm,
                       endpoint=erase_endpoint, form_group="Customers",
                       description="Removes the person's data everywhere; aggregates stay, anonymised.")]


def suppression_hooks() -> list:
    """The console's generic edit of a customer's email status sets `suppressed_at` with it (the
    database requires both together; editing the status alone was a raw constraint error)."""
    import datetime as dt

    from piccolo_api.crud.hooks import Hook, HookType

    from admin.access.audit import column_name

    def consistent(values: dict) -> dict:
        names = {column_name(k): k for k in values}
        if "email_status" in names and "suppressed_at" not in names:
            ok = values[names["email_status"]] == "ok"
            values["suppressed_at"] = None if ok else dt.datetime.now(dt.UTC)
        return values

    async def on_patch(row_id, values, request):
        return consistent(values)

    async def on_save(row, request):
        if getattr(row, "email_status", "ok") != "ok" and getattr(row, "suppressed_at", None) is None:
            row.suppressed_at = dt.datetime.now(dt.UTC)
        elif getattr(row, "email_status", "ok") == "ok":
            row.suppressed_at = None
        return row

    return [Hook(HookType.pre_patch, on_patch), Hook(HookType.pre_save, on_save)]

