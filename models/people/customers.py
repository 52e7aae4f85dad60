"""Customers: contacts at client companies, pushed by partners or entered by admins."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from piccolo.columns import (
    JSONB,
    Boolean,
    Date,
    ForeignKey,
    OnDelete,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.readable import Readable
from piccolo.table import Table

from models.catalogue.products import Product
from models.core.actors import Actor
from models.core.batches import BatchResult, ItemResult, batch_target
from models.core.pagination import Page, PageRequest, keyset_page

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
LOCALES = ("en", "fr")
EMAIL_STATUSES = ("ok", "bounced", "unsubscribed", "complained", "erased")


class Customer(Table, tablename="customer"):
    @classmethod
    def get_readable(cls) -> Readable:
        return Readable(template="%s", columns=[cls.email])

    product = ForeignKey(references=Product, on_delete=OnDelete.restrict, null=False)
    external_id = Varchar(length=120, help_text="The CRM's id for this contact")
    email = Varchar(length=254)
    first_name = Varchar(length=100, default="")
    last_name = Varchar(length=100, default="")
    title = Varchar(length=150, default="")
    company = Varchar(length=200, default="")
    plan = Varchar(length=60, default="")
    customer_since = Date(null=True, default=None)
    country = Varchar(length=2, default="", help_text="ISO 3166-1 alpha-2")
    locale = Varchar(length=5, default="en", choices=None)
    time_zone = Varchar(length=60, default="UTC")
    social_handles = JSONB(default={})
    is_insider = Boolean(default=False, help_text="Employee or relative: never asked by default")
    is_notable = Boolean(default=False, help_text="Handle with extra care")
    email_status = Varchar(length=20, default="ok")
    suppressed_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    account_owner = Varchar(length=150, default="", help_text="Who owns the account (outreach)")

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} <{self.email}>".strip()


# Fields a partner may set, with the value a new customer gets when omitted.
UPSERT_FIELDS: dict[str, Any] = {
    "email": None,
    "first_name": "",
    "last_name": "",
    "title": "",
    "company": "",
    "plan": "",
    "customer_since": None,
    "country": "",
    "locale": "en",
    "time_zone": "UTC",
    "social_handles": {},
    "is_insider": False,
    "is_notable": False,
    "account_owner": "",
}



@dataclass
class CustomerFilter:
    product_id: int | None = None
    plan: str | None = None
    country: str | None = None
    locale: str | None = None
    email: str | None = None
    search: str | None = None  # name, company or email contains
    external_ids: list[str] | None = None
    suppressed: bool | None = None


async def list_customers(actor: Actor, flt: CustomerFilter, page: PageRequest) -> Page:
    query = Customer.select()
    if actor.product_id is not None:
        query = query.where(Customer.product == actor.product_id)
    if flt.product_id is not None:
        query = query.where(Customer.product == flt.product_id)
    if flt.plan is not None:
        query = query.where(Customer.plan == flt.plan)
    if flt.country is not None:
        query = query.where(Customer.country == flt.country.upper())
    if flt.locale is not None:
        query = query.where(Customer.locale == flt.locale)
    if flt.email is not None:
        query = query.where(Customer.email == flt.email.strip().lower())
    if flt.external_ids:
        query = query.where(Customer.external_id.is_in(flt.external_ids))
    if flt.suppressed is not None:
        query = query.where(Customer.email_status != "ok" if flt.suppressed
                            else Customer.email_status == "ok")
    if flt.search:
        term = f"%{flt.search}%"
        query = query.where(
            Customer.email.ilike(term) | Customer.company.ilike(term)
            | Customer.first_name.ilike(term) | Customer.last_name.ilike(term)
        )
    return await keyset_page(query, Customer.id, page)


# --- batch upsert -----------------------------------------------------------------------


def normalise_customer_item(item: dict) -> tuple[dict, list[tuple[str, str, str]]]:
    """Clean one partner item; return it and (field, code, message) problems."""
    clean = {k: v for k, v in item.items() if v is not None}
    problems: list[tuple[str, str, str]] = []
    ext = (clean.get("external_id") or "").strip()
    if not ext:
        problems.append(("externalId", "REQUIRED", "externalId is required."))
    elif len(ext) > 120:
        problems.append(("externalId", "TOO_LONG", "externalId is at most 120 characters."))
    clean["external_id"] = ext
    if "email" in clean:
        clean["email"] = clean["email"].strip().lower()
        if not EMAIL_RE.match(clean["email"]) or len(clean["email"]) > 254:
            problems.append(("email", "INVALID_EMAIL", f"{clean['email']!r} is not an email address."))
    if "country" in clean:
        clean["country"] = clean["country"].strip().upper()
        if clean["country"] and not COUNTRY_RE.match(clean["country"]):
            problems.append(("country", "INVALID_COUNTRY", "Use an ISO 3166-1 alpha-2 code like FR."))
    if "locale" in clean and clean["locale"] not in LOCALES:
        problems.append(("locale", "INVALID_LOCALE", f"Supported locales: {', '.join(LOCALES)}."))
    if "time_zone" in clean:
        try:
            import zoneinfo

            zoneinfo.ZoneInfo(clean["time_zone"])
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            problems.append(("timeZone", "INVALID_TIME_ZONE", f"Unknown time zone {clean['time_zone']!r}."))
    since = clean.get("customer_since")
    if since is not None and since > dt.date.today():
        problems.append(("customerSince", "IN_FUTURE", "customerSince cannot be in the future."))
    for name, limit in (("first_name", 100), ("last_name", 100), ("title", 150),
                        ("company", 200), ("plan", 60)):
        if len(clean.get(name, "")) > limit:
            problems.append((name, "TOO_LONG", f"{name} is at most {limit} characters."))
    handles = clean.get("social_handles")
    if handles is not None and (not isinstance(handles, dict) or len(handles) > MAX_HANDLES or any(
            not isinstance(k, str) or not isinstance(v, str) or not 0 < len(k) <= 30 or len(v) > 200
            for k, v in handles.items())):
        problems.append(("socialHandles", "TOO_LONG", f"At most {MAX_HANDLES} social handles: a "
                         "network of up to 30 characters, a handle of up to 200."))
    return clean, problems


MAX_HANDLES = 10


_COLUMNS = ("product", "external_id", *UPSERT_FIELDS)


async def upsert_customers(actor: Actor, product_id: int | None, items: list[dict]) -> BatchResult:
    """Create or update customers by (product, external id), all or nothing.

    Omitted fields keep their stored value on update. Suppression state is never
    changed here: only unsubscribe, bounce and erasure change it.
    """
    from models.access.audit import record_audit
    from models.core.results import UserError

    result = BatchResult()
    product_id, result.errors = batch_target(actor, product_id, len(items), "customers")
    if result.errors:
        return result

    cleaned: list[dict] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        clean, problems = normalise_customer_item(item)
        ext = clean["external_id"]
        if ext and ext in seen:
            problems.append(("externalId", "DUPLICATE_IN_BATCH", f"Also given at index {seen[ext]}."))
        seen.setdefault(ext, index)
        for fld, code, message in problems:
            result.errors.append(UserError(code, message, ("customers", str(index), fld)))
        cleaned.append(clean)

    from models.people.erased import address_digest, erased_digests

    async with Customer._meta.db.transaction():
        if not await Product.exists().where(Product.id == product_id):
            result.errors.append(UserError("NOT_FOUND", "No such product.", ("productId",)))
        if result.errors:
            return result
        existing = {
            row["external_id"]: row
            for row in await Customer.select(Customer.id, *[getattr(Customer, c) for c in _COLUMNS])
            .where((Customer.product == product_id) & Customer.external_id.is_in(list(seen) or [""]))
        }
        rows, statuses = [], []
        for index, clean in enumerate(cleaned):
            old = existing.get(clean["external_id"])
            if old is None:
                if "email" not in clean:
                    result.errors.append(UserError("REQUIRED", "email is required for a new customer.",
                                                   ("customers", str(index), "email")))
                    continue
                row = {c: clean.get(c, UPSERT_FIELDS.get(c)) for c in _COLUMNS}
                row["product"] = product_id
                statuses.append("CREATED")
            else:
                row = {c: clean.get(c, old[c]) for c in _COLUMNS}
                row["product"] = product_id
                statuses.append("UNCHANGED" if all(row[c] == old[c] for c in _COLUMNS) else "UPDATED")
            rows.append(row)
        erased = await erased_digests([row["email"] for row in rows])
        for index, row in enumerate(rows):
            if erased and address_digest(row["email"]) in erased:
                result.errors.append(UserError(
                    "ERASED", "This person asked to be erased: their address is not stored again.",
                    ("customers", str(index), "email")))
        if result.errors:
            return result
        to_write = [row for row, status in zip(rows, statuses, strict=True) if status != "UNCHANGED"]
        ids = {ext: old["id"] for ext, old in existing.items()}
        if to_write:
            written = await _write_customers(to_write)
            ids.update(written)
        for index, (row, status) in enumerate(zip(rows, statuses, strict=True)):
            result.items.append(ItemResult(index, row["external_id"], status, ids[row["external_id"]]))
        await record_audit(actor, "customers.upsert", "customer", "", {
            "product": product_id, "created": result.count("CREATED"),
            "updated": result.count("UPDATED"), "unchanged": result.count("UNCHANGED"),
        })
    return result


async def _write_customers(rows: list[dict]) -> dict[str, int]:
    """One INSERT … ON CONFLICT for the whole batch; returns external id → id."""
    import json

    payload = json.dumps([
        {**row, "customer_since": row["customer_since"].isoformat() if row["customer_since"] else None}
        for row in rows
    ])
    cols = ", ".join(_COLUMNS)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in UPSERT_FIELDS)
    records = await Customer.raw(
        f"INSERT INTO customer ({cols}) "
        f"SELECT {cols} FROM jsonb_populate_recordset(NULL::customer, {{}}::jsonb) "
        f"ON CONFLICT (product, external_id) DO UPDATE SET {updates}, updated_at = now() "
        f"RETURNING id, external_id",
        payload,
    )
    return {r["external_id"]: r["id"] for r in records}
