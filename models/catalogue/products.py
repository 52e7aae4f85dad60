"""Products: a company lists several, each with its own platform listings."""

from __future__ import annotations

import re

from piccolo.columns import DoublePrecision, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.readable import Readable
from piccolo.table import Table

from models.access.audit import record_audit
from models.core.actors import Actor
from models.core.pagination import PageRequest
from models.core.results import Outcome, UserError
from models.core.urls import check_url

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")


class Product(Table, tablename="product"):
    @classmethod
    def get_readable(cls) -> Readable:
        return Readable(template="%s", columns=[cls.name])

    slug = Varchar(length=60, unique=True, help_text="Lower-case identifier used in URLs")
    name = Varchar(length=120)
    website = Varchar(length=400, default="")
    brand_color = Varchar(length=7, default="#4f46e5", help_text="Hex colour for cards")
    created_at = Timestamptz(default=TimestamptzNow())
    praise_min_rating = DoublePrecision(default=4.0, help_text="From this rating: quote candidates")
    outreach_min_rating = DoublePrecision(default=3.0,
                                          help_text="From this rating (below praise): outreach")

    def __str__(self) -> str:
        return self.name


def validate_product_fields(data: dict) -> list[UserError]:
    errors: list[UserError] = []
    if "slug" in data and not SLUG_RE.match(data["slug"] or ""):
        errors.append(UserError("INVALID_SLUG", "Use lower-case letters, digits and dashes.", ("slug",)))
    if "name" in data and not (data["name"] or "").strip():
        errors.append(UserError("NAME_REQUIRED", "A product needs a name.", ("name",)))
    errors += check_url(data.get("website"), "website", max_length=400)
    if data.get("brand_color") is not None and not COLOR_RE.match(data["brand_color"]):
        errors.append(UserError("INVALID_COLOR", "Use a hex colour such as #4f46e5.", ("brandColor",)))
    return errors


async def create_product(actor: Actor, data: dict) -> Outcome[Product]:
    if actor.product_id is not None:
        return Outcome.fail("PRODUCT_FORBIDDEN", "A product-limited token cannot create products.")
    errors = validate_product_fields({"slug": data.get("slug"), "name": data.get("name"), **data})
    if errors:
        return Outcome(errors=errors)
    async with Product._meta.db.transaction():
        if await Product.exists().where(Product.slug == data["slug"]):
            return Outcome.fail("SLUG_TAKEN", f"A product with slug {data['slug']!r} exists.", "slug")
        product = Product(**{k: v for k, v in data.items() if v is not None})
        await product.save()
        await record_audit(actor, "product.create", "product", product.id, {"slug": product.slug})
    return Outcome(product)


async def update_product(actor: Actor, product_id: int, data: dict) -> Outcome[Product]:
    if not actor.may_touch_product(product_id):
        return Outcome.fail("PRODUCT_FORBIDDEN", "This token is limited to another product.", "id")
    changes = {k: v for k, v in data.items() if v is not None}
    errors = validate_product_fields(changes)
    if errors:
        return Outcome(errors=errors)
    async with Product._meta.db.transaction():
        product = await Product.objects().get(Product.id == product_id)
        if product is None:
            return Outcome.fail("NOT_FOUND", "No such product.", "id")
        if "slug" in changes and changes["slug"] != product.slug and await Product.exists().where(
            Product.slug == changes["slug"]
        ):
            return Outcome.fail("SLUG_TAKEN", f"A product with slug {changes['slug']!r} exists.", "slug")
        for key, value in changes.items():
            setattr(product, key, value)
        await product.save()
        await record_audit(actor, "product.update", "product", product.id, changes)
    return Outcome(product)


async def list_products(actor: Actor, slug: str | None, page: PageRequest):
    from models.core.pagination import keyset_page

    query = Product.select()
    if actor.product_id is not None:
        query = query.where(Product.id == actor.product_id)
    if slug is not None:
        query = query.where(Product.slug == slug)
    return await keyset_page(query, Product.id, page)


async def products_by_id(ids: list[int]) -> dict[int, dict]:
    from models.core.pagination import Row

    return {r["id"]: Row(r) for r in await Product.select().where(Product.id.is_in(ids or [0]))}
