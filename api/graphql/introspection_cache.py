"""Introspection answered from memory: the same for every caller, costly to compute.

The standard introspection query (GraphiQL, codegen) walks the whole schema — about 100 ms of
CPU — and needs no token. Its answer depends only on the schema and the request, so operations
whose root fields are all introspection (`__schema`, `__type`, `__typename`) are kept, per
document, variables and operation name, in a small bounded cache: a stranger repeating it costs
a dictionary lookup. Strawberry's extension point: a result set in `on_execute` skips execution.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Iterator

from graphql import FieldNode, OperationDefinitionNode
from strawberry.extensions import SchemaExtension

INTROSPECTION_FIELDS = frozenset({"__schema", "__type", "__typename"})
MAX_ENTRIES = 16
_cache: OrderedDict = OrderedDict()
stats = {"hits": 0, "misses": 0}


def _selected_operation(document, name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is None:
        return operations[0] if len(operations) == 1 else None
    return next((o for o in operations if o.name and o.name.value == name), None)


def is_introspection(document, operation_name: str | None) -> bool:
    operation = _selected_operation(document, operation_name)
    return operation is not None and operation.operation.value == "query" and all(
        isinstance(s, FieldNode) and s.name.value in INTROSPECTION_FIELDS
        for s in operation.selection_set.selections)


class IntrospectionCache(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        key = None
        if context.query is not None and document is not None and \
                is_introspection(document, context.operation_name):
            key = (context.query, json.dumps(context.variables or {}, sort_keys=True, default=str),
                   context.operation_name)
            cached = _cache.get(key)
            if cached is not None:
                stats["hits"] += 1
                _cache.move_to_end(key)
                context.result = cached
                yield
                return
            stats["misses"] += 1
        yield
        result = context.result
        if key is not None and result is not None and not getattr(result, "errors", None):
            _cache[key] = result
            while len(_cache) > MAX_ENTRIES:
                _cache.popitem(last=False)
