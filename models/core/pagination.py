"""Keyset pagination: stable under inserts, one query per page.

Adapters encode and decode cursors; the domain only sees ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MAX_PAGE_SIZE = 100
# Row ids are PostgreSQL `integer` (serial): anything outside cannot name a row, and would
# overflow the query's parameter. Adapters refuse such ids and cursors as bad arguments.
MAX_ID = 2**31 - 1


class Row:
    """A selected row whose columns are plain attributes (and items).

    Adapters read rows with getattr; backing the instance with the row's own dict
    makes that an ordinary attribute lookup, with no copy of the data.
    """

    def __init__(self, columns: dict[str, Any]) -> None:
        self.__dict__ = columns

    def __getitem__(self, name: str) -> Any:
        return self.__dict__[name]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Row) and other.__dict__ == self.__dict__

    def __repr__(self) -> str:
        return f"Row({self.__dict__!r})"


class PageSizeError(ValueError):
    pass


@dataclass
class Page:
    rows: list[Any]
    has_next: bool
    has_previous: bool


def check_page_size(first: int | None) -> int:
    size = 20 if first is None else first
    if not 0 <= size <= MAX_PAGE_SIZE:
        raise PageSizeError(f"`first` must be between 0 and {MAX_PAGE_SIZE}.")
    return size


async def keyset_page(query, id_column, first: int | None, after_id: int | None) -> Page:
    """One page of a Piccolo select query, ordered by id, as Rows."""
    size = check_page_size(first)
    if after_id is not None:
        query = query.where(id_column > after_id)
    rows = await query.order_by(id_column).limit(size + 1)
    return Page(rows=[Row(r) for r in rows[:size]], has_next=len(rows) > size,
                has_previous=after_id is not None)
