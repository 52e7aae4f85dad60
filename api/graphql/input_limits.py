"""Bounds on every string a GraphQL request carries, literal or variable.

PostgreSQL text cannot hold U+0000 (found by fuzzing: a masked 500), and no field needs more than
MAX_STRING characters — the longest, a review's text, is bounded lower by the domain. Both are
refused up front with a clear error, before any resolver or query sees the value. Fields with a
tighter meaning (search terms, review fields, names) are bounded again where they are used.
"""

from __future__ import annotations

from graphql import GraphQLError, ValidationRule

MAX_STRING = 50_000
NUL_MESSAGE = "Strings may not contain the NUL character (\\u0000)."
LONG_MESSAGE = f"Strings are at most {MAX_STRING} characters."


def variables_problem(value) -> str | None:
    """Why the variables cannot be used, or None. The JSON decoder bounds their nesting."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return NUL_MESSAGE
            if len(item) > MAX_STRING:
                return LONG_MESSAGE
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


class StringLimits(ValidationRule):
    """The same bounds on string literals in the document."""

    def enter_string_value(self, node, *_args):
        if "\x00" in node.value:
            self.report_error(GraphQLError(NUL_MESSAGE, node))
        elif len(node.value) > MAX_STRING:
            self.report_error(GraphQLError(LONG_MESSAGE, node))
