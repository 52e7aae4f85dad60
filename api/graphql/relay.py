"""Relay-style connections over the domain's keyset pages."""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

import strawberry

from models.core import global_ids
from models.core.pagination import MAX_ID, Page, PageRequest, PageSizeError, check_page_size

T = TypeVar("T")


class ArgumentError(Exception):
    """A bad argument a client can fix; its message is shown, not masked."""


def encode_cursor(row_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{row_id}".encode()).decode()


def decode_cursor(cursor: str | None, field: str = "after") -> int | None:
    if cursor is None:
        return None
    try:
        if len(cursor) > 40:
            raise ValueError
        kind, _, value = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        if kind != "id" or not (value.isascii() and value.isdigit()) or int(value) > MAX_ID:
            raise ValueError
        return int(value)
    except (ValueError, UnicodeError) as exc:
        raise ArgumentError(f"`{field}` is not a cursor returned by this API.") from exc


# The names of the Node types (api/graphql/nodes.py registers them): a well-formed id of any
# other name was not issued here.
NODE_TYPES: set[str] = set()


to_global_id = global_ids.to_global_id  # base64url of `Type:row id` (models/core/global_ids.py)


def from_global_id(value: str) -> tuple[str, int] | None:
    """(type name, row id) of a global id this API issued, else None."""
    text = str(value)
    if len(text) > 64 or not text.isascii():
        return None
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
    except (ValueError, UnicodeError):
        return None
    type_name, _, number = raw.partition(":")
    # Plain ASCII digits of a row id: not "1e3", " 1", "-1" or 0, and within `integer`.
    if not (type_name.isascii() and type_name.isidentifier() and number.isascii() and number.isdigit()
            and len(number) <= 10 and 0 < int(number) <= MAX_ID):
        return None
    # Canonical only: one row, one id string (no padding variants, no leading zeros).
    if to_global_id(type_name, int(number)) != text:
        return None
    return type_name, int(number)


def decode_id(value: strawberry.ID | None, field: str, type_name: str) -> int | None:
    """The row id of a global id of `type_name`; an ArgumentError for anything else."""
    if value is None:
        return None
    found = from_global_id(value)
    if found is None or found[0] not in NODE_TYPES:
        raise ArgumentError(f"`{field}` is not an id returned by this API.")
    if found[0] != type_name:
        raise ArgumentError(f"`{field}` must be the id of a {type_name}, not of a {found[0]}.")
    return found[1]


def decode_ids(values: list[strawberry.ID] | None, field: str, type_name: str) -> list[int] | None:
    if values is None:
        return None
    return [decode_id(v, f"{field}[{i}]", type_name) for i, v in enumerate(values)]  # type: ignore[misc]


def global_id(type_name: str, row_id: int | None) -> strawberry.ID | None:
    return None if row_id is None else strawberry.ID(to_global_id(type_name, row_id))


MAX_SEARCH = 200


def search_text(value: str | None, field: str = "search") -> str | None:
    """A search term, bounded: a 300 KB pattern would cost seconds of ILIKE per row scanned."""
    if value is not None and len(value) > MAX_SEARCH:
        raise ArgumentError(f"`{field}` is at most {MAX_SEARCH} characters.")
    return value


def page_size(first: int | None, field: str = "first") -> int:
    try:
        return check_page_size(first)
    except PageSizeError as exc:
        raise ArgumentError(str(exc).replace("`first`", f"`{field}`")) from exc


def page_request(first: int | None, after: str | None, last: int | None = None,
                 before: str | None = None) -> PageRequest:
    """Relay's arguments as the domain's PageRequest: `first`/`after` forwards (20 by
    default), `last`/`before` backwards."""
    if first is not None and last is not None:
        raise ArgumentError("Pass `first` or `last`, not both.")
    backward = last is not None
    return PageRequest(size=page_size(last, "last") if backward else page_size(first),
                       after=decode_cursor(after), before=decode_cursor(before, "before"),
                       backward=backward)


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    nodes: list[T]
    page_info: PageInfo
    _count: strawberry.Private[Callable[[], Awaitable[int]] | None] = None

    @strawberry.field(description="How many the whole list holds, filters applied (one `count(*)`, "
                                  "run only when this field is selected).")
    async def total_count(self) -> int:
        if self._count is None:
            return len(self.nodes)
        return await self._count()

    @classmethod
    def from_page(cls, page: Page) -> Connection:
        rows = page.rows
        edges = [Edge(cursor=encode_cursor(row["id"]), node=row) for row in rows]
        return cls(
            edges=edges,
            nodes=rows,
            page_info=PageInfo(
                has_next_page=page.has_next,
                has_previous_page=page.has_previous,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
            _count=page.count,
        )


async def paginate(fetch: Callable[[PageRequest], Awaitable[Page]], first: int | None,
                   after: str | None, last: int | None = None, before: str | None = None) -> Any:
    return await fetch(page_request(first, after, last, before))
