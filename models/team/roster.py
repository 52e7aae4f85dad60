"""The team roster: the people customers may name (support, success, sales, the senders).

A member has a name, first-name aliases, a role and an email, per product. Senders are team
members too: the matcher also knows every sender of the product (and the shared ones), and the
first time one is named they join the roster (models/team/shout_outs.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from models.access.audit import record_audit
from models.catalogue.products import Product
from models.core.actors import Actor
from models.core.pagination import Page, PageRequest, raw_keyset_page
from models.core.results import Outcome, UserError
from models.people.customers import EMAIL_RE
from models.team.mentions import Member
from models.team.tables import TeamMember

MAX_ALIASES = 10
ALIAS_RE = re.compile(r"^[^\W\d_]+(?:['’-][^\W\d_]+)*$")
LOCALES = ("en", "fr")
FIELDS = ("name", "aliases", "role", "email", "locale", "active")


def check_member(data: dict) -> list[UserError]:
    errors: list[UserError] = []
    if "name" in data and not (data["name"] or "").strip():
        errors.append(UserError("NAME_REQUIRED", "A team member has a name.", ("name",)))
    if len(data.get("name") or "") > 120 or len(data.get("role") or "") > 120:
        errors.append(UserError("TOO_LONG", "Names and roles are at most 120 characters.", ("name",)))
    if "email" in data and not (EMAIL_RE.match(data["email"] or "") and len(data["email"]) <= 254):
        errors.append(UserError("INVALID_EMAIL", "Not an email address.", ("email",)))
    aliases = data.get("aliases") or []
    if len(aliases) > MAX_ALIASES or any(not (2 <= len(a.strip()) <= 40 and ALIAS_RE.match(a.strip()))
                                         for a in aliases):
        errors.append(UserError("INVALID_ALIAS", f"Up to {MAX_ALIASES} aliases, each one word of 2 to "
                                "40 letters (a first name they go by).", ("aliases",)))
    if data.get("locale") is not None and data["locale"] not in LOCALES:
        errors.append(UserError("INVALID_LOCALE", f"The locale is one of {', '.join(LOCALES)}.",
                                ("locale",)))
    return errors


async def save_member(actor: Actor, member_id: int | None, data: dict,
                      product_id: int | None = None) -> Outcome[TeamMember]:
    """Add a member to a product's roster, or change one (within the actor's product)."""
    changes = {k: v for k, v in data.items() if k in FIELDS and v is not None}
    if "email" in changes:
        changes["email"] = changes["email"].strip().lower()
    if "name" in changes:
        changes["name"] = changes["name"].strip()
    if "aliases" in changes:
        changes["aliases"] = [a.strip() for a in changes["aliases"]]
    errors = check_member(changes if member_id else {"name": "", "email": "", **changes})
    if errors:
        return Outcome(errors=errors)
    async with TeamMember._meta.db.transaction():
        if member_id is None:
            if product_id is None or not actor.may_touch_product(product_id) or not await Product.exists(
                    ).where(Product.id == product_id):
                return Outcome.fail("NOT_FOUND", "No such product.", "productId")
            member = TeamMember(product=product_id, **changes)
        else:
            member = await TeamMember.objects().get(TeamMember.id == member_id)
            if member is None or not actor.may_touch_product(member.product):
                return Outcome.fail("NOT_FOUND", "No such team member.", "id")
            for key, value in changes.items():
                setattr(member, key, value)
        if await TeamMember.exists().where((TeamMember.product == member.product)
                                           & (TeamMember.email == member.email)
                                           & (TeamMember.id != (member_id or 0))):
            return Outcome.fail("EMAIL_TAKEN", "Someone on this product's roster has this email.", "email")
        await member.save()
        await record_audit(actor, "team.save_member", "team_member", member.id,
                           {k: v for k, v in changes.items() if k != "email"})
    return Outcome(member)


@dataclass(frozen=True)
class MemberFilter:
    product_id: int | None = None
    active: bool | None = None


MEMBERS_SQL = ("SELECT m.id, m.product, m.name, m.aliases, m.role, m.email, m.locale, m.sender, "
               "m.active, m.created_at FROM team_member m")


async def list_members(actor: Actor, flt: MemberFilter, page: PageRequest) -> Page:
    where, args = [], []
    for product in (actor.product_id, flt.product_id):
        if product is not None:
            where.append("m.product = {}")
            args.append(product)
    if flt.active is not None:
        where.append("m.active = {}")
        args.append(flt.active)
    if page.ids is not None:
        where.append("m.id = ANY({}::int[])")
        args.append(list(page.ids))
    return await raw_keyset_page(TeamMember, MEMBERS_SQL, where, args, "m.id", page)


ROSTER_SQL = """
SELECT 'm' || m.id AS key, m.name, m.aliases, m.role FROM team_member m
WHERE m.product = {} AND m.active
UNION ALL
SELECT 's' || s.id, s.name, ARRAY[]::varchar[], s.title FROM sender s
WHERE (s.product = {} OR s.product IS NULL)
  AND NOT EXISTS (SELECT 1 FROM team_member m WHERE m.product = {} AND m.email = lower(s.email))
"""


async def roster_for(product_id: int) -> list[Member]:
    """Who can be named on this product: its active members and its senders ('m12', 's3')."""
    rows = await TeamMember.raw(ROSTER_SQL, product_id, product_id, product_id)
    return [Member(r["key"], r["name"], tuple(r["aliases"] or ()), r["role"]) for r in rows]


async def member_for(product_id: int, key: str) -> int:
    """The roster id behind a matcher key; a sender named for the first time joins the roster."""
    if key.startswith("m"):
        return int(key[1:])
    rows = await TeamMember.raw(
        "INSERT INTO team_member (product, name, role, email, sender) "
        "SELECT {}, s.name, left(s.title, 120), lower(s.email), s.id FROM sender s WHERE s.id = {} "
        "ON CONFLICT (product, email) DO UPDATE SET sender = EXCLUDED.sender RETURNING id",
        product_id, int(key[1:]))
    return rows[0]["id"]
