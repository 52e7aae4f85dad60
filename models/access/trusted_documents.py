"""Trusted documents: the GraphQL documents first-party clients send for ever (the admin's
dashboards, /demo, a customer's widget), registered ahead and addressed by the SHA-256 of
their exact text — the Automatic Persisted Queries protocol's `sha256Hash`.

A document is content-addressed, so it never changes once registered; an admin may remove it.
Whether the text is a valid document for the schema is the API layer's check (it parses and
validates it before calling `register`); the rules here are who may register and the bounds.
"""

from __future__ import annotations

import hashlib
import re

from piccolo.columns import Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from models.access.audit import record_audit
from models.core.actors import Actor
from models.core.pagination import Page, PageRequest, keyset_page
from models.core.results import Outcome

MAX_DOCUMENT = 100_000
HASH_RE = re.compile(r"^[0-9a-f]{64}$")


class TrustedDocument(Table, tablename="trusted_document"):
    sha256 = Varchar(length=64, unique=True)
    document = Text()
    name = Varchar(length=120, default="")
    created_by = Varchar(length=150, default="")
    created_at = Timestamptz(default=TimestamptzNow())


def sha256_of(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


def is_hash(value: object) -> bool:
    return isinstance(value, str) and bool(HASH_RE.match(value))


async def register(actor: Actor, document: str, name: str = "") -> Outcome[TrustedDocument]:
    """Register a document (already validated against the schema by the caller); registering the
    same text again returns the existing one."""
    if not actor.has_scope("admin") or actor.product_id is not None:
        return Outcome.fail("FORBIDDEN", "Only unlimited admins register trusted documents: they "
                            "decide what every client may run.")
    if not document or len(document) > MAX_DOCUMENT:
        return Outcome.fail("TOO_LONG", f"A document is 1 to {MAX_DOCUMENT} characters.", "document")
    if len(name) > 120:
        return Outcome.fail("TOO_LONG", "A name is at most 120 characters.", "name")
    digest = sha256_of(document)
    async with TrustedDocument._meta.db.transaction():
        await TrustedDocument.raw(
            "INSERT INTO trusted_document (sha256, document, name, created_by) VALUES ({}, {}, {}, {}) "
            "ON CONFLICT (sha256) DO NOTHING", digest, document, name.strip(), actor.name[:150])
        row = await TrustedDocument.objects().get(TrustedDocument.sha256 == digest)
        await record_audit(actor, "trusted_document.register", "trusted_document", row.id, {"sha256": digest})
    return Outcome(row)


async def document_for(digest: str) -> str | None:
    if not is_hash(digest):
        return None
    row = await TrustedDocument.select(TrustedDocument.document).where(
        TrustedDocument.sha256 == digest).first()
    return row["document"] if row else None


async def list_documents(page: PageRequest) -> Page:
    return await keyset_page(TrustedDocument.select(), TrustedDocument.id, page)
