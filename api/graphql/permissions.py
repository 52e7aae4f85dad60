"""Permission classes, one per token scope, declared on fields.

Every root field and every field that crosses into another domain declares
one of these; tests/core/test_schema_contracts.py walks the schema to prove it.
"""

from __future__ import annotations

import functools
from typing import Any

from strawberry.exceptions import StrawberryGraphQLError
from strawberry.permission import BasePermission
from strawberry.types import Info


class ScopePermission(BasePermission):
    scope: str = ""
    error_extensions = {"code": "FORBIDDEN"}

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        actor = info.context.actor
        if not actor.is_authenticated:
            # Raised rather than set on self: Strawberry shares permission instances
            # across requests, so per-request state must not live on them.
            # (A presented token that fails never gets here: api/graphql/context.py answers 401.)
            raise StrawberryGraphQLError(
                "Authentication required: send `Authorization: Bearer <token>`.",
                extensions={"code": "UNAUTHENTICATED"})
        return actor.has_scope(self.scope)


@functools.cache
def needs(scope: str) -> type[BasePermission]:
    """The permission class that requires `scope` (the `admin` scope passes every check)."""
    return type(
        f"Needs{scope.title().replace(':', '').replace('_', '')}",
        (ScopePermission,),
        {"scope": scope, "message": f"This needs a token with the `{scope}` scope."},
    )


class Public(BasePermission):
    """Explicitly public: anyone, even without a token."""

    message = ""

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return True


class Authenticated(ScopePermission):
    """Any valid token; what it may read is then narrowed by its scopes (e.g. the event feed)."""

    message = "Authentication required: send `Authorization: Bearer <token>`."

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        super().has_permission(source, info, **kwargs)  # raises UNAUTHENTICATED without a token
        return True
