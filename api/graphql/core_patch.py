"""The one place Plaudit changes a library's internals, and why.

graphql-core gathers sibling fields with `gather_with_cancel`: when one fails, the others are
cancelled mid-flight. Cancelling a resolver in the middle of a query left asyncpg connections
mid-protocol (found by fuzzing: one held a lock forever). No extension point reaches it —
graphql-core calls the module-level function from inside `execute_fields`, `complete_list_value`
and friends — so `install()` replaces that function with one that lets siblings run to
completion and raises the first error after; results are dropped as before.

Checked against the graphql-core versions in CHECKED_VERSIONS; tests/core/test_graphql_core_patch.py
fails if the installed version is another, or if the executor no longer looks the function up by
that name (the patch would silently do nothing).
"""

from __future__ import annotations

import asyncio
from typing import Any

import graphql.execution.executor as executor

CHECKED_VERSIONS = ("3.3.2",)
PATCHED_NAME = "gather_with_cancel"


async def gather_without_cancelling(*awaitables: Any) -> list[Any]:
    results = await asyncio.gather(*awaitables, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results


def install() -> None:
    """Idempotent: the schema calls it when it is built."""
    current = getattr(executor, PATCHED_NAME)
    if current is gather_without_cancelling:
        return
    if getattr(current, "__module__", "").split(".")[0] != "graphql":
        raise RuntimeError(f"graphql.execution.executor.{PATCHED_NAME} was replaced by someone else")
    setattr(executor, PATCHED_NAME, gather_without_cancelling)
