"""Per-request GraphQL context: who is calling, and fresh DataLoaders."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from strawberry.litestar import BaseContext

from api.graphql.loaders import Loaders
from api.http.rate_limits import count_refused, remember_good
from models.access.tokens import authenticate
from models.core.actors import ANONYMOUS, Actor

REFUSED_MESSAGE = "The API token is unknown, revoked or expired."


class CredentialRefused(Exception):
    """A presented bearer token did not authenticate: the request is answered 401, unread."""


class Context(BaseContext, kw_only=True):
    actor: Actor
    queue: Any = None  # jobs.outbox.Relay, or None when no worker queue is configured
    loaders: Loaders
    unavailable: bool = False  # set when the database could not be reached: answer 503
    executed: bool = False  # set once execution starts: the document parsed, validated, coerced
    connection_params: Any = None  # WebSocket: the connection_init payload (api/events/live.py)


def bearer_token(connection: ASGIConnection) -> str | None:
    header = connection.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


async def context_getter(request: ASGIConnection) -> Context:
    actor = ANONYMOUS
    presented = bearer_token(request)
    if presented is not None:
        # An unknown, revoked or expired token is refused outright — not served as anonymous,
        # not even the public catalogue — and counted against the client's address.
        authenticated = await authenticate(presented)
        if authenticated is None:
            await count_refused(request.scope)
            raise CredentialRefused(REFUSED_MESSAGE)
        remember_good(request.scope)
        actor = authenticated
    return Context(actor=actor, queue=getattr(request.app.state, "relay", None), loaders=Loaders())
