"""Persisted and trusted documents over HTTP: the Automatic Persisted Queries protocol
(`extensions.persistedQuery = {version: 1, sha256Hash}`), so Apollo and urql clients work
unchanged, and the operator's switch `PLAUDIT_TRUSTED_DOCUMENTS_ONLY`.

- A request carrying only a hash runs the document registered under it (`registerTrustedDocument`,
  `plaudit trust-document`), or, with the switch off, one this process saw recently with its
  hash (APQ's second request); otherwise `PersistedQueryNotFound`, which Apollo answers by
  sending the text with the hash.
- A request carrying a text and a hash must match (`PERSISTED_QUERY_HASH_MISMATCH`); with the
  switch off the pair is remembered (a bounded LRU per process), as APQ servers do.
- With the switch on, only registered documents run — by hash or by their exact text.

Registered documents are read from the database once and kept (they are content-addressed:
a hash always names the same text); a removed one is forgotten within CACHE_SECONDS.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import OrderedDict

import strawberry
from graphql import GraphQLError, parse, validate
from graphql.error import GraphQLSyntaxError
from strawberry.types import Info

import settings
from api.graphql.errors import map_errors, user_error_type
from api.graphql.permissions import needs
from api.graphql.relay import Connection, paginate
from models.access import trusted_documents as domain

CACHE_SECONDS = 300.0
SEEN_MAX = 512


class Store:
    def __init__(self) -> None:
        self.trusted: dict[str, tuple[str, float]] = {}
        self.seen: OrderedDict[str, str] = OrderedDict()

    async def registered(self, digest: str) -> str | None:
        hit = self.trusted.get(digest)
        if hit is not None and time.monotonic() - hit[1] < CACHE_SECONDS:
            return hit[0]
        text = await domain.document_for(digest)
        if text is None:
            self.trusted.pop(digest, None)
            return None
        if len(self.trusted) > 4 * SEEN_MAX:
            self.trusted.clear()
        self.trusted[digest] = (text, time.monotonic())
        return text

    def remember(self, digest: str, text: str) -> None:
        self.seen[digest] = text
        self.seen.move_to_end(digest)
        while len(self.seen) > SEEN_MAX:
            self.seen.popitem(last=False)


STORE = Store()


def _error(message: str, code: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code})


async def resolve_document(query: str | None, extensions: object) -> tuple[str | None, GraphQLError | None]:
    """The document to run for a request, or why none runs."""
    only_trusted = settings.SETTINGS.trusted_documents_only
    persisted = extensions.get("persistedQuery") if isinstance(extensions, dict) else None
    if persisted is None:
        if only_trusted and query is not None and await STORE.registered(domain.sha256_of(query)) is None:
            return None, _error("This API runs trusted documents only: register the document, then "
                                "send its sha256Hash (extensions.persistedQuery).",
                                "TRUSTED_DOCUMENT_REQUIRED")
        return query, None
    if not (isinstance(persisted, dict) and persisted.get("version") == 1
            and domain.is_hash(persisted.get("sha256Hash"))):
        return None, _error("extensions.persistedQuery is {version: 1, sha256Hash: <64 lower-case hex "
                            "digits>}.", "PERSISTED_QUERY_INVALID")
    digest = persisted["sha256Hash"]
    if query is None:
        text = await STORE.registered(digest)
        if text is None and not only_trusted:
            text = STORE.seen.get(digest)
        if text is None:
            return None, _error("PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND")
        return text, None
    if domain.sha256_of(query) != digest:
        return None, _error("provided sha does not match query", "PERSISTED_QUERY_HASH_MISMATCH")
    if only_trusted and await STORE.registered(digest) is None:
        return None, _error("PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND")
    if not only_trusted:
        STORE.remember(digest, query)
    return query, None


# --- registration over GraphQL -------------------------------------------------------------------


@strawberry.type(name="TrustedDocument", description="A document clients may send by its hash.")
class TrustedDocumentType:
    name: str
    document: str
    created_by: str
    created_at: dt.datetime

    @strawberry.field(description="The SHA-256 of the exact text: what clients send.")
    def sha256_hash(self) -> str:
        return self.sha256  # type: ignore[attr-defined]  (self: the domain's row)


RegisterTrustedDocumentError = user_error_type("RegisterTrustedDocument", [
    "FORBIDDEN", "TOO_LONG", "INVALID_DOCUMENT"])


@strawberry.type
class RegisterTrustedDocumentPayload:
    document: TrustedDocumentType | None
    user_errors: list[RegisterTrustedDocumentError]  # type: ignore[valid-type]


def document_problems(document: str, graphql_schema) -> list[str]:
    """Why `document` is not a valid document for the schema (parsed and validated once)."""
    if len(document) > domain.MAX_DOCUMENT:
        return [f"A document is at most {domain.MAX_DOCUMENT} characters."]
    try:
        tree = parse(document)
    except GraphQLSyntaxError as exc:
        return [exc.message]
    return [e.message for e in validate(graphql_schema, tree)][:5]


async def register_document(actor, document: str, name: str, graphql_schema):
    """Validate then register: what the mutation and the CLI share."""
    from models.core.results import Outcome

    problems = document_problems(document, graphql_schema)
    if problems:
        return Outcome.fail("INVALID_DOCUMENT", "; ".join(problems), "document")
    return await domain.register(actor, document, name)


@strawberry.type
class TrustedDocumentQueries:
    @strawberry.field(permission_classes=[needs("admin")], description="Registered documents, oldest first.")
    async def trusted_documents(self, first: int | None = None, after: str | None = None,
                                last: int | None = None, before: str | None = None
                                ) -> Connection[TrustedDocumentType]:
        page = await paginate(domain.list_documents, first, after, last, before)
        return Connection.from_page(page)


@strawberry.type
class TrustedDocumentMutations:
    @strawberry.mutation(permission_classes=[needs("admin")],
                         description="Register a document clients may then send by its sha256Hash "
                                     "(Automatic Persisted Queries); validated against the schema.")
    async def register_trusted_document(self, info: Info, document: str,
                                        name: str = "") -> RegisterTrustedDocumentPayload:
        outcome = await register_document(info.context.actor, document, name, info.schema._schema)
        return RegisterTrustedDocumentPayload(
            document=outcome.value,
            user_errors=map_errors(RegisterTrustedDocumentError, outcome.errors))
