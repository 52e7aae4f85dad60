"""Relay-style connections over the domain's keyset pages."""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

import strawberry

from models.core.pagination import MAX_ID, Page, PageSizeError, check_page_size

T = TypeVar("T")


class ArgumentError(Exception):
    """A bad argument a client can fix; its message is shown, not masked."""


def encode_cursor(row_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{row_id}".encode()).decode()


def decode_cursor(cursor: str | None) -> int | None:
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
        raise ArgumentError("`after` is not a cursor returned by this API.") from exc


def decode_id(value: strawberry.ID | None, field: str = "id") -> int | None:
    if value is None:
        return None
    text = str(value)
    # Plain ASCII digits of a row id: not "1e3", " 1", "١٢", "-1" or 0, and within `integer`.
    if not (text.isascii() and text.isdigit() and len(text) <= 10 and 0 < int(text) <= MAX_ID):
        raise ArgumentError(f"`{field}` is not a valid id.")
    return int(text)


MAX_SEARCH = 200


def search_text(value: str | None, field: str = "search") -> str | None:
    """A search term, bounded: a 300 KB pattern would cost seconds of ILIKE per row scanned."""
    if value is not None and len(value) > MAX_SEARCH:
        raise ArgumentError(f"`{field}` is at most {MAX_SEARCH} characters.")
    return value


def page_size(first: int | None) -> int:
    try:
        return check_page_size(first)
    except PageSizeError as exc:
        raise ArgumentError(str(exc)) from exc


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
        )


async def paginate(fetch: Callable[[int, int | None], Awaitable[Page]], first: int | None,
                   after: str | None) -> Any:
    return await fetch(page_size(first), decode_cursor(after))
