"""Keyset pagination: stable under inserts, one query per page.

Adapters encode and decode cursors; the domain only sees ids.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
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


@dataclass(frozen=True)
class PageRequest:
    """Which slice of a keyset-ordered list: forward (`first` after a row) or backward
    (`last` before a row), or exactly some rows by id (global object identification)."""

    size: int = 20
    after: int | None = None
    before: int | None = None
    backward: bool = False
    ids: tuple[int, ...] | None = None

    @classmethod
    def only(cls, ids: list[int]) -> PageRequest:
        return cls(size=len(ids), ids=tuple(ids))


@dataclass
class Page:
    rows: list[Any]
    has_next: bool
    has_previous: bool
    # How many rows the whole list has (filters applied, no slicing); run only when asked.
    count: Callable[[], Awaitable[int]] | None = None


def check_page_size(first: int | None) -> int:
    size = 20 if first is None else first
    if not 0 <= size <= MAX_PAGE_SIZE:
        raise PageSizeError(f"`first` must be between 0 and {MAX_PAGE_SIZE}.")
    return size


def page_of(rows: list[Any], page: PageRequest, count=None) -> Page:
    """A Page from rows fetched with `LIMIT size + 1` in the request's direction."""
    size = page.size
    more = len(rows) > size
    rows = [r if isinstance(r, Row) else Row(r) for r in rows[:size]]
    if page.backward:
        rows.reverse()
        return Page(rows=rows, has_next=page.before is not None, has_previous=more, count=count)
    return Page(rows=rows, has_next=more,
                has_previous=page.after is not None and page.ids is None, count=count)


def empty_page() -> Page:
    async def zero() -> int:
        return 0

    return Page(rows=[], has_next=False, has_previous=False, count=zero)


async def keyset_page(query, id_column, page: PageRequest) -> Page:
    """One page of a Piccolo select query, ordered by id, as Rows (one query; a second,
    `count(*)` over the same filters, only if the count is asked for)."""
    if page.ids is not None:
        query = query.where(id_column.is_in(list(page.ids) or [0]))
    counted = query.querystrings[0]  # a snapshot: the keyset conditions below are not counted

    async def count() -> int:
        rows = await id_column._meta.table.raw("SELECT count(*) AS n FROM ({}) AS listed", counted)
        return rows[0]["n"]

    if page.after is not None:
        query = query.where(id_column > page.after)
    if page.before is not None:
        query = query.where(id_column < page.before)
    query = query.order_by(id_column, ascending=not page.backward)
    rows = await query.limit(page.size + 1)
    return page_of(rows, page, count)


async def raw_keyset_page(table, select_sql: str, where: list[str], args: list[Any], id_sql: str,
                          page: PageRequest, *, key_sql: str | None = None,
                          key_of_id: str | None = None) -> Page:
    """keyset_page for hand-written SQL: `select_sql` ends before WHERE; `where` holds
    conditions with `{}` placeholders for `args` (Piccolo's raw parameters).

    Rows are ordered by `id_sql`, or by `key_sql` (a row value such as `(e.tx, e.id)`) when the
    order is not the id's; `key_of_id` is then the SQL giving the key of the row a cursor's id
    names (one `{}` placeholder, used twice)."""
    filtered = " AND ".join(where) or "TRUE"
    base_args = list(args)

    async def count() -> int:
        rows = await table.raw(f"SELECT count(*) AS n FROM ({select_sql} WHERE {filtered}) AS listed",
                               *base_args)
        return rows[0]["n"]

    conditions, values = [filtered], list(args)
    key, bound = (key_sql, key_of_id) if key_sql and key_of_id else (id_sql, "{}")
    slots = bound.count("{}")
    if page.after is not None:
        conditions.append(f"{key} > {bound}")
        values.extend([page.after] * slots)
    if page.before is not None:
        conditions.append(f"{key} < {bound}")
        values.extend([page.before] * slots)
    order = "DESC" if page.backward else "ASC"
    ordering = ", ".join(f"{part.strip()} {order}" for part in key.strip("()").split(","))
    rows = await table.raw(f"{select_sql} WHERE {' AND '.join(conditions)} "
                           f"ORDER BY {ordering} LIMIT {{}}", *values, page.size + 1)
    return page_of(rows, page, count)
