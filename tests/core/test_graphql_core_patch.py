"""api/graphql/core_patch.py replaces one graphql-core internal; this fails the day it would
silently stop working (another version, or the executor no longer calling it by that name)."""

from __future__ import annotations

import asyncio
import types
from importlib import metadata

import graphql.execution.executor as executor
import pytest

from api.graphql import core_patch

GATHERING = ("execute_fields", "complete_async_iterator_value", "complete_iterable_value",
             "gather_async_work")


def names_used(code: types.CodeType) -> set[str]:
    """Global names a function's code (nested functions included) looks up."""
    found = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            found |= names_used(const)
    return found


def test_the_installed_graphql_core_is_one_the_patch_was_checked_against():
    assert metadata.version("graphql-core") in core_patch.CHECKED_VERSIONS


@pytest.mark.parametrize("method", GATHERING)
def test_the_executor_still_gathers_through_the_patched_name(method):
    function = getattr(executor.Executor, method)
    assert core_patch.PATCHED_NAME in names_used(function.__code__)


def test_the_patch_is_installed_once_the_schema_exists():
    import api.graphql.schema  # noqa: F401 (builds the schema)

    assert executor.gather_with_cancel is core_patch.gather_without_cancelling
    core_patch.install()  # idempotent
    assert executor.gather_with_cancel is core_patch.gather_without_cancelling


async def test_siblings_run_to_completion_and_the_first_error_is_raised():
    finished = []

    async def slow():
        await asyncio.sleep(0.01)
        finished.append("slow")
        return 1

    async def failing():
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        await core_patch.gather_without_cancelling(failing(), slow())
    assert finished == ["slow"]  # not cancelled
