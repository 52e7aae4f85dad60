"""What a GraphQL document may cost, bounded before anything walks it.

Strawberry's depth and alias limiters expand every fragment spread afresh: a 1.2 KB document
whose twenty fragments each spread the next one twice costs 2^20 walks (seconds of CPU), and a
chain of a few hundred fragments overflows Python's stack. Here one pass measures every
operation with each fragment summarised once (memoised, in dependency order, no recursion from
fragment to fragment):

- depth: nesting of fields with selections, introspection fields not counted (the same measure
  as Strawberry's `QueryDepthLimiter`, so the limit keeps its meaning);
- aliases: aliased fields, fragments expanded (as `MaxAliasesLimiter` counts them);
- size: fields once every fragment is expanded — what any later walk over the document costs;
- nesting: levels of fields and fragment spreads, introspection included (graphql-core's rules
  recurse that deep; a chain of ~200 spreads exhausts Python's stack);
- repeat: fields sharing one response name in one selection set, fragments expanded
  (graphql-core's overlapping-fields rule compares those pairwise).

A document over a limit is refused before graphql-core's own validation runs, and the walk here
is linear in the document's text, whatever its fragments do. Nesting counting introspection
fields too is bounded separately (the depth limit ignores them, as Strawberry's does).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)
from strawberry.extensions import ValidationCache

# Saturate sums and products here: a cost past this is refused anyway, and the numbers stay small.
CAP = 1 << 40


@dataclass(frozen=True)
class Cost:
    depth: int = 0
    size: int = 0
    aliases: int = 0
    nesting: int = 0  # levels of fields and fragments, introspection included
    repeat: int = 0  # most fields with one response name in one selection set


@dataclass(frozen=True)
class Measured:
    cost: Cost
    names: dict[str, int]  # response name -> fields with it at the top level, fragments expanded


ZERO = Cost()
EMPTY = Measured(ZERO, {})


@dataclass(frozen=True)
class Limits:
    max_depth: int
    max_aliases: int
    max_size: int
    max_nesting: int
    max_repeat: int


def _spreads(selection_set: SelectionSetNode | None) -> Iterator[str]:
    """Names of the fragments spread anywhere in a selection set (not through other fragments)."""
    stack = [selection_set] if selection_set else []
    while stack:
        for selection in stack.pop().selections:
            if isinstance(selection, FragmentSpreadNode):
                yield selection.name.value
            elif selection.selection_set is not None:
                stack.append(selection.selection_set)


def _measure(selection_set: SelectionSetNode | None, fragments: dict[str, Measured]) -> Measured:
    """The cost of a selection set, given the costs of the fragments it may spread.

    Recursion here follows only the text's own nesting (graphql-core's parser bounds it); a
    spread of a fragment not yet measured — unknown, or part of a cycle — counts nothing:
    graphql-core's rules report both.
    """
    if selection_set is None:
        return EMPTY
    depth = size = aliases = nesting = repeat = 0
    names: dict[str, int] = {}
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            inner = ZERO if selection.selection_set is None else (
                _measure(selection.selection_set, fragments).cost)
            key = selection.alias.value if selection.alias else selection.name.value
            names[key] = min(names.get(key, 0) + 1, CAP)
            size += 1 + inner.size
            aliases += inner.aliases + (selection.alias is not None)
            repeat = max(repeat, inner.repeat)
            if selection.selection_set is not None:
                nesting = max(nesting, 1 + inner.nesting)
                if not selection.name.value.startswith("__"):
                    depth = max(depth, 1 + inner.depth)
            continue
        if isinstance(selection, InlineFragmentNode):
            measured = _measure(selection.selection_set, fragments)
        else:
            measured = fragments.get(selection.name.value, EMPTY)
        inner = measured.cost
        for key, count in measured.names.items():
            names[key] = min(names.get(key, 0) + count, CAP)
        size, aliases = size + inner.size, aliases + inner.aliases
        depth, nesting = max(depth, inner.depth), max(nesting, 1 + inner.nesting)
        repeat = max(repeat, inner.repeat)
    repeat = max(repeat, max(names.values(), default=0))
    cost = Cost(depth=depth, size=min(size, CAP), aliases=min(aliases, CAP), nesting=nesting,
                repeat=repeat)
    return Measured(cost, names)


def fragment_costs(document: DocumentNode) -> dict[str, Measured]:
    """Each fragment's cost, spreads expanded, computed once each in dependency order."""
    definitions: dict[str, FragmentDefinitionNode] = {}
    for definition in document.definitions:
        if isinstance(definition, FragmentDefinitionNode):
            definitions.setdefault(definition.name.value, definition)
    costs: dict[str, Measured] = {}
    state: dict[str, int] = {}  # 1: on the stack, 2: measured
    for root in definitions:
        if root in state:
            continue
        # Iterative depth-first search: a fragment is measured after everything it spreads.
        stack = [(root, iter(list(_spreads(definitions[root].selection_set))))]
        state[root] = 1
        while stack:
            name, pending = stack[-1]
            child = next(pending, None)
            if child is None:
                stack.pop()
                costs[name] = _measure(definitions[name].selection_set, costs)
                state[name] = 2
            elif child in definitions and child not in state:
                state[child] = 1
                stack.append((child, iter(list(_spreads(definitions[child].selection_set)))))
    return costs


def document_cost(document: DocumentNode) -> dict[str, Cost]:
    """The cost of each operation in the document (fragments expanded), by operation name."""
    fragments = fragment_costs(document)
    return {
        (definition.name.value if definition.name else "anonymous"):
            _measure(definition.selection_set, fragments).cost
        for definition in document.definitions
        if isinstance(definition, OperationDefinitionNode)
    }


def cost_errors(document: DocumentNode, limits: Limits) -> list[GraphQLError]:
    costs = document_cost(document)
    errors = [
        GraphQLError(f"'{name}' exceeds maximum operation depth of {limits.max_depth}")
        for name, cost in costs.items() if cost.depth > limits.max_depth
    ]
    errors += [
        GraphQLError(f"'{name}' nests fields and fragments more than {limits.max_nesting} levels deep",
                     extensions={"code": "DOCUMENT_TOO_COSTLY"})
        for name, cost in costs.items()
        if cost.depth <= limits.max_depth and cost.nesting > limits.max_nesting
    ]
    errors += [
        GraphQLError(f"'{name}' selects one field under the same name more than "
                     f"{limits.max_repeat} times in one selection",
                     extensions={"code": "DOCUMENT_TOO_COSTLY"})
        for name, cost in costs.items() if cost.repeat > limits.max_repeat
    ]
    aliases = sum(cost.aliases for cost in costs.values())
    if aliases > limits.max_aliases:
        errors.append(GraphQLError(f"{min(aliases, CAP)} aliases found. Allowed: {limits.max_aliases}"))
    size = sum(cost.size for cost in costs.values())
    if size > limits.max_size:
        shown = f"{size}" if size < CAP else f"more than {CAP}"
        errors.append(GraphQLError(
            f"The document selects {shown} fields once its fragments are expanded; the maximum "
            f"is {limits.max_size}.", extensions={"code": "DOCUMENT_TOO_COSTLY"}))
    return errors


class BoundedValidation(ValidationCache):
    """Validation, cached, after the document's cost is known to be within the limits.

    A subclass of Strawberry's `ValidationCache` (its extension point for validation): the
    cost check runs first and, when it refuses, graphql-core's rules never see the document.
    """

    def __init__(self, limits: Limits, maxsize: int = 512) -> None:
        super().__init__(maxsize=maxsize)
        self.limits = limits
        self.maxsize = maxsize
        # Keyed on the text, like ParserCache: hashing a parsed document walks all of it.
        self._costs = _COSTS

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        errors: tuple[GraphQLError, ...] = ()
        if document is not None:
            key = (context.query, self.limits)
            errors = self._costs.get(key) if context.query is not None else None
            if errors is None:
                errors = tuple(cost_errors(document, self.limits))
                if context.query is not None:
                    self._costs[key] = errors
                    if len(self._costs) > self.maxsize:
                        self._costs.popitem(last=False)
        if errors:
            self.execution_context.pre_execution_errors = list(errors)
            yield
            return
        yield from super().on_validate()


# Shared by every request's extension instance (Strawberry builds one per request).
_COSTS: OrderedDict = OrderedDict()
