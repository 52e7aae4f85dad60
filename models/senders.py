"""Senders: real team members asks are sent from (senior is better)."""

from __future__ import annotations

from piccolo.columns import Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.readable import Readable
from piccolo.table import Table

from models.actors import Actor
from models.audit import record_audit
from models.customers import EMAIL_RE
from models.results import Outcome, UserError


class Sender(Table, tablename="sender"):
    @classmethod
    def get_readable(cls) -> Readable:
        return Readable(template="%s", columns=[cls.name])

    name = Varchar(length=120)
    title = Varchar(length=150, default="", help_text="e.g. CEO — a senior title helps")
    email = Varchar(length=254, unique=True)
    photo_url = Varchar(length=500, default="")
    signature = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


def validate_sender_fields(data: dict) -> list[UserError]:
    errors: list[UserError] = []
    if "name" in data and not (data["name"] or "").strip():
        errors.append(UserError("NAME_REQUIRED", "A sender is a named person.", ("name",)))
    if "email" in data and not EMAIL_RE.match(data["email"] or ""):
        errors.append(UserError("INVALID_EMAIL", "Not an email address.", ("email",)))
    return errors


async def save_sender(actor: Actor, sender_id: int | None, data: dict) -> Outcome[Sender]:
    changes = {k: v for k, v in data.items() if v is not None}
    if "email" in changes:
        changes["email"] = changes["email"].strip().lower()
    errors = validate_sender_fields(changes if sender_id else {"name": "", "email": "", **changes})
    if errors:
        return Outcome(errors=errors)
    async with Sender._meta.db.transaction():
        if sender_id is None:
            sender = Sender(**changes)
        else:
            sender = await Sender.objects().get(Sender.id == sender_id)
            if sender is None:
                return Outcome.fail("NOT_FOUND", "No such sender.", "id")
            for key, value in changes.items():
                setattr(sender, key, value)
        if "email" in changes and await Sender.exists().where(
            (Sender.email == changes["email"]) & (Sender.id != (sender_id or 0))
        ):
            return Outcome.fail("EMAIL_TAKEN", "Another sender uses this email.", "email")
        await sender.save()
        await record_audit(actor, "sender.save", "sender", sender.id, changes)
    return Outcome(sender)


async def list_senders(search: str | None, first: int | None, after_id: int | None):
    from models.pagination import keyset_page

    query = Sender.select()
    if search:
        query = query.where(Sender.name.ilike(f"%{search}%") | Sender.email.ilike(f"%{search}%"))
    return await keyset_page(query, Sender.id, first, after_id)
