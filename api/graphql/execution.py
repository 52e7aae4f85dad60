"""A faster path through graphql-core for plain leaf fields.

Most fields of a typical response are plain attributes (id, email, occurredAt…):
no resolver, no arguments, a scalar or enum type. graphql-core still gives each
one the full treatment — resolve info, argument parsing, awaitable checks, value
completion — which was ~60% of a 20-customer query's time. For exactly those
fields this context reads the attribute and coerces it directly, and hands every
other case (and every error) back to the standard path, so results and error
reporting are unchanged. tests/core/test_execution_fast_path.py compares both paths.
"""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

from graphql import GraphQLField, Undefined, get_nullable_type, is_leaf_type, is_non_null_type
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from api.graphql.nodes import is_global_id_field
from api.graphql.relay import to_global_id

_NOT_PLANNED = object()
# Strong references: the event loop only keeps weak ones to running tasks.
_SETTLING: set[asyncio.Future] = set()




class SettledExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """When a non-null root field fails, graphql-core drops its siblings' results and settles
    their coroutines "in the background", referenced only by this execution context. Once the
    response is sent the context is collected, and a sibling caught inside a database
    transaction was garbage-collected there: its connection stayed idle in transaction forever
    (found by tests/core/test_fuzz_schema.py). Here a sibling that has not started is discarded
    unrun — its result would be thrown away anyway — and one that has started is kept alive
    until it finishes.
    """

    def execute_operation(self, *args: Any, **kwargs: Any):
        # Parsed, validated and its variables coerced: what GraphQL over HTTP calls executed.
        if hasattr(self.context_value, "executed"):
            self.context_value.executed = True
        return super().execute_operation(*args, **kwargs)

    def settle_in_background(self, awaitables) -> None:
        started = []
        for awaitable in awaitables:
            if inspect.iscoroutine(awaitable) and \
                    inspect.getcoroutinestate(awaitable) == inspect.CORO_CREATED:
                awaitable.close()
            else:
                started.append(awaitable)
        if started:
            future = asyncio.gather(*started, return_exceptions=True)
            _SETTLING.add(future)
            future.add_done_callback(_SETTLING.discard)


def plan_for(field_def: GraphQLField, parent_type: Any = None) -> tuple[str, Any, bool] | None:
    """(attribute, coerce, nullable) for a plain leaf field, else None."""
    if parent_type is not None and is_global_id_field(field_def):
        # Node.id: the row's id, encoded with its type's name (api/graphql/nodes.py).
        type_name = parent_type.name
        return "id", lambda row_id: to_global_id(type_name, row_id), False
    resolve = field_def.resolve
    definition = (field_def.extensions or {}).get("strawberry-definition")
    if (field_def.args or resolve is None or not getattr(resolve, "_is_default", False)
            or definition is None or definition.base_resolver is not None
            or definition.default_resolver is not getattr):
        return None
    inner = get_nullable_type(field_def.type)
    if not is_leaf_type(inner):
        return None
    return definition.python_name, inner.coerce_output_value, not is_non_null_type(field_def.type)


class FastLeafExecutionContext(SettledExecutionContext):
    _plans: dict[int, tuple[str, Any, bool] | None] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Strawberry always installs a manager; it only matters when an extension
        # hooks into field resolution (then every field takes the standard path).
        manager = self.middleware_manager
        self._fast_path = manager is None or not manager.middlewares

    def execute_field(self, parent_type, source, field_details_list, path, position_context):
        node = field_details_list[0].node
        field_def = self.schema.get_field(parent_type, node.name.value)
        if field_def is not None and not node.arguments and self._fast_path:
            plan = self._plans.get(id(field_def), _NOT_PLANNED)
            if plan is _NOT_PLANNED:
                plan = self._plans[id(field_def)] = plan_for(field_def, parent_type)
            if plan is not None:
                attribute, coerce, nullable = plan
                try:
                    value = getattr(source, attribute)
                    if value is None:
                        if nullable:
                            return None
                    else:
                        coerced = coerce(value)
                        if coerced is not None and coerced is not Undefined:
                            return coerced
                except Exception:  # noqa: S110 — the standard path reports it properly
                    pass
        return super().execute_field(parent_type, source, field_details_list, path,
                                     position_context)
