"""Global object identification (Relay): the Node interface, and `node` / `nodes`.

Every domain type a client may hold an id of implements `Node`; its `id` is opaque
(api/graphql/relay.py) and names the type, so `node(id:)` knows where to look. Each
type registers how to fetch its rows *as the actor sees them*: the same domain list
function that serves its connection, restricted to ids, so scopes and product limits
are the connection's own. An id of another product's row answers null, exactly like
an id that never existed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import strawberry
from strawberry.exceptions import StrawberryGraphQLError
from strawberry.types import Info
from strawberry.types.base import has_object_definition
from strawberry.types.cast import get_strawberry_type_cast

from api.graphql.permissions import Public
from api.graphql.relay import NODE_TYPES, ArgumentError, from_global_id, to_global_id
from models.core.pagination import MAX_PAGE_SIZE

Fetch = Callable[[Any, list[int]], Awaitable[list[Any]]]


def _node_id(root: Any, info: Info) -> strawberry.ID:
    # The fast path (api/graphql/execution.py) encodes the same without this call.
    return strawberry.ID(to_global_id(info._raw_info.parent_type.name, root.id))


@strawberry.interface(description="An object with an opaque global id; `node(id:)` fetches it.")
class Node:
    id: strawberry.ID = strawberry.field(
        resolver=_node_id, description="Opaque and global: names the type too. Send it back as is.")

    @classmethod
    def is_type_of(cls, obj: Any, info: Any) -> bool:
        # Resolvers return domain rows, not instances: a row is taken at the field's word,
        # except where it was cast (node/nodes) to name its type.
        cast = get_strawberry_type_cast(obj)
        if cast is not None:
            return cast is cls
        return isinstance(obj, cls) or not has_object_definition(obj)


def is_global_id_field(field_def: Any) -> bool:
    definition = (field_def.extensions or {}).get("strawberry-definition")
    resolver = getattr(definition, "base_resolver", None)
    return resolver is not None and resolver.wrapped_func is _node_id


@dataclass(frozen=True)
class NodeKind:
    cls: type
    scope: str | None  # None: public information, like the platform catalogue
    fetch: Fetch  # (actor, row ids) -> the rows of those ids this actor may see
    wrap: Callable[[Any], Any] | None = None


KINDS: dict[str, NodeKind] = {}


def node_kind(scope: str | None, fetch: Fetch, wrap: Callable[[Any], Any] | None = None):
    """Registers a Node type: put it above `@strawberry.type`."""

    def register(cls: type) -> type:
        if not (isinstance(cls, type) and issubclass(cls, Node)):
            raise TypeError(f"@node_kind decorates a Node type, not {cls!r}")
        name = cls.__strawberry_definition__.name  # type: ignore[attr-defined]
        KINDS[name] = NodeKind(cls, scope, fetch, wrap)
        NODE_TYPES.add(name)
        return cls

    return register


def _check_scope(info: Info, kind: NodeKind) -> None:
    if kind.scope is None:
        return
    actor = info.context.actor
    if not actor.is_authenticated:
        raise StrawberryGraphQLError("Authentication required: send `Authorization: Bearer <token>`.",
                                     extensions={"code": "UNAUTHENTICATED"})
    if not actor.has_scope(kind.scope):
        raise StrawberryGraphQLError(f"This needs a token with the `{kind.scope}` scope.",
                                     extensions={"code": "FORBIDDEN"})


async def fetch_nodes(info: Info, ids: list[strawberry.ID], field: str) -> list[Any]:
    wanted: list[tuple[str, int] | None] = []
    for index, value in enumerate(ids):
        found = from_global_id(value)
        if found is None or found[0] not in KINDS:
            where = field if len(ids) == 1 and field == "id" else f"{field}[{index}]"
            raise ArgumentError(f"`{where}` is not an id returned by this API.")
        wanted.append(found)
    by_kind: dict[str, set[int]] = {}
    for type_name, row_id in wanted:  # type: ignore[misc]
        by_kind.setdefault(type_name, set()).add(row_id)
    found_rows: dict[tuple[str, int], Any] = {}
    for type_name, row_ids in by_kind.items():
        kind = KINDS[type_name]
        _check_scope(info, kind)
        for row in await kind.fetch(info.context.actor, sorted(row_ids)):
            node = kind.wrap(row) if kind.wrap else row
            found_rows[(type_name, row["id"])] = strawberry.cast(kind.cls, node)
    return [found_rows.get(key) for key in wanted]  # type: ignore[arg-type]


@strawberry.type
class NodeQueries:
    @strawberry.field(permission_classes=[Public],
                      description="Any object by its global id; null if this token cannot see it.")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        return (await fetch_nodes(info, [id], "id"))[0]

    @strawberry.field(permission_classes=[Public],
                      description=f"Objects by global ids, in order (at most {MAX_PAGE_SIZE}); "
                                  "null where this token cannot see one.")
    async def nodes(self, info: Info, ids: list[strawberry.ID]) -> list[Node | None]:
        if len(ids) > MAX_PAGE_SIZE:
            raise ArgumentError(f"`ids` holds at most {MAX_PAGE_SIZE} ids.")
        return await fetch_nodes(info, ids, "ids")


async def page_rows(page: Awaitable[Any]) -> list[Any]:
    """The rows of a domain Page (None, for a list scoped to something unseen, is no rows)."""
    found = await page
    return [] if found is None else found.rows
