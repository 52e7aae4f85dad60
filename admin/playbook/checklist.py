"""The product's home in the console: the guide's checklist computed from its data, then the
listing report (models/playbook/checklist.py, models/catalogue/listings.py)."""

from __future__ import annotations

from piccolo_admin.endpoints import FormConfig
from pydantic import BaseModel, Field
from starlette.requests import Request

from admin.catalogue.listings import product_id, render_report
from models.catalogue.listings import listing_report
from models.core.actors import admin_actor
from models.playbook.checklist import playbook_checklist

MARKS = {"done": "✓", "partly": "◐", "todo": "✗"}


class HomeForm(BaseModel):
    product_slug: str = Field(max_length=60, description="The product's home: how it does on the "
                                                         "guide's checklist.")


async def home_endpoint(request: Request, data: HomeForm) -> str:
    user = getattr(request.user, "user", None)
    actor = admin_actor(getattr(user, "username", "admin"))
    pid = await product_id(data.product_slug)
    checklist = await playbook_checklist(actor, pid)
    lines = [f"{checklist.done} of {len(checklist.checks)} checks done."]
    for i, check in enumerate(checklist.checks, 1):
        lines.append(f"{MARKS[check.status]} {i}. {check.title} — {' '.join(check.evidence)}"
                     + (f" Next: {check.next_step}" if check.next_step else ""))
    lines.append("")
    lines.append(render_report(await listing_report(actor, pid)))
    return "\n".join(lines)


def playbook_forms() -> list[FormConfig]:
    return [FormConfig(name="Product home", pydantic_model=HomeForm, endpoint=home_endpoint,
                       form_group="Playbook", description="The guide's ten checks, computed from the "
                                                          "product's data, and its listings.")]
