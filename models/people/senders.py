"""Senders: real team members asks are sent from (senior is better)."""

from __future__ import annotations

from piccolo.columns import ForeignKey, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.readable import Readable
from piccolo.table import Table

from models.access.audit import record_audit
from models.catalogue.products import Product
from models.core.actors import Actor
from models.core.pagination import PageRequest
from models.core.results import Outcome, UserError
from models.core.urls import check_url
from models.people.customers import EMAIL_RE


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
    product = ForeignKey(references=Product, on_delete=OnDelete.cascade, null=True, default=None,
                         help_text="Empty: shared by every product (managed by unlimited admins only)")

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


def validate_sender_fields(data: dict) -> list[UserError]:
    errors: list[UserError] = []
    if "name" in data and not (data["name"] or "").strip():
        errors.append(UserError("NAME_REQUIRED", "A sender is a named person.", ("name",)))
    if "email" in data and not EMAIL_RE.match(data["email"] or ""):
        errors.append(UserError("INVALID_EMAIL", "Not an email address.", ("email",)))
    errors += check_url(data.get("photo_url"), "photoUrl")
    return errors


def may_use_sender(actor: Actor, sender_product: int | None) -> bool:
    """Shared senders are read by all; a product's own only by actors who may touch it."""
    return sender_product is None or actor.may_touch_product(sender_product)


async def save_sender(actor: Actor, sender_id: int | None, data: dict,
                      product_id: int | None = None) -> Outcome[Sender]:
    """Create a sender (for `product_id`, or shared when None) or change one.

    A product-limited actor creates senders for its own product only, and changes only those:
    shared senders appear in every product's mail.
    """
    if sender_id is None and actor.product_id is not None:
        if product_id not in (None, actor.product_id):
            return Outcome.fail("PRODUCT_FORBIDDEN", "This token may only create senders for its "
                                "own product.", "productId")
        product_id = actor.product_id
    changes = {k: v for k, v in data.items() if v is not None}
    if "email" in changes:
        changes["email"] = changes["email"].strip().lower()
    errors = validate_sender_fields(changes if sender_id else {"name": "", "email": "", **changes})
    if errors:
        return Outcome(errors=errors)
    async with Sender._meta.db.transaction():
        if sender_id is None:
            if product_id is not None and not await Product.exists().where(Product.id == product_id):
                return Outcome.fail("NOT_FOUND", "No such product.", "productId")
            sender = Sender(**changes, product=product_id)
        else:
            sender = await Sender.objects().get(Sender.id == sender_id)
            if sender is None or (actor.product_id is not None and sender.product != actor.product_id):
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


async def list_senders(actor: Actor, search: str | None, page: PageRequest):
    from models.core.pagination import keyset_page

    query = Sender.select()
    if actor.product_id is not None:
        query = query.where(Sender.product.is_null() | (Sender.product == actor.product_id))
    if search:
        query = query.where(Sender.name.ilike(f"%{search}%") | Sender.email.ilike(f"%{search}%"))
    return await keyset_page(query, Sender.id, page)
