"""The team in the console: the roster (added and changed through a form, so the domain's rules
apply) and the shout-outs customers gave it (read-only, filtered by member and polarity)."""

from __future__ import annotations

from typing import Literal

from piccolo_admin.endpoints import FormConfig, TableConfig
from piccolo_api.crud.endpoints import OrderBy
from pydantic import BaseModel, Field
from starlette.requests import Request

from admin.access.audit import read_only
from admin.catalogue.listings import product_id
from models.core.actors import admin_actor
from models.team.roster import save_member
from models.team.tables import ShoutOut, TeamMember

GROUP = "Team"


class MemberForm(BaseModel):
    product_slug: str = Field(max_length=60)
    name: str = Field(max_length=120)
    email: str = Field(max_length=254, description="Their own address: praise is mailed to them.")
    role: str = Field(default="", max_length=120, description="e.g. Support")
    aliases: str = Field(default="", max_length=440, description="First names they go by, comma-separated.")
    locale: Literal["en", "fr"] = "en"
    member_id: int | None = Field(default=None, gt=0, lt=2**31, description="To change a member.")


def _actor(request: Request):
    user = getattr(request.user, "user", None)
    return admin_actor(getattr(user, "username", "admin"))


async def member_endpoint(request: Request, data: MemberForm) -> str:
    product = await product_id(data.product_slug)
    fields = {"name": data.name, "email": data.email, "role": data.role, "locale": data.locale,
              "aliases": [a.strip() for a in data.aliases.split(",") if a.strip()]}
    outcome = await save_member(_actor(request), data.member_id, fields, product)
    if not outcome.ok:
        raise ValueError(" ".join(e.message for e in outcome.errors))
    return (f"{outcome.value.name} is on {data.product_slug.strip().title()}'s roster "
            f"(member {outcome.value.id}).")


def team_table_configs() -> list[TableConfig]:
    return [
        TableConfig(TeamMember, menu_group=GROUP,
                    visible_columns=[TeamMember.id, TeamMember.name, TeamMember.aliases, TeamMember.role,
                                     TeamMember.email, TeamMember.product, TeamMember.active],
                    visible_filters=[TeamMember.product, TeamMember.active, TeamMember.role],
                    order_by=[OrderBy(TeamMember.id)],
                    validators=read_only("Use the 'Save team member' form: names and aliases are checked.")),
        TableConfig(ShoutOut, menu_group=GROUP,
                    visible_columns=[ShoutOut.id, ShoutOut.member, ShoutOut.written, ShoutOut.words,
                                     ShoutOut.polarity, ShoutOut.routed_to, ShoutOut.source,
                                     ShoutOut.created_at],
                    visible_filters=[ShoutOut.product, ShoutOut.member, ShoutOut.polarity, ShoutOut.source,
                                     ShoutOut.created_at],
                    order_by=[OrderBy(ShoutOut.id, ascending=False)],
                    validators=read_only("Shout-outs are found in customers' words, not typed.")),
    ]


def team_forms() -> list[FormConfig]:
    return [FormConfig(name="Save team member", pydantic_model=MemberForm, endpoint=member_endpoint,
                       form_group=GROUP, description="Add someone customers may name, or change them.")]
