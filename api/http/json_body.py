"""Request bodies as JSON, bounded: one decoder for /graphql (bodies and GET variables) and the
webhooks. Invalid UTF-8, malformed JSON and nesting past a fixed depth are a `BadJson` with a
message for the client — never a RecursionError deep inside a handler."""

from __future__ import annotations

import msgspec

MAX_NESTING = 64


class BadJson(ValueError):
    """The body is not JSON we accept; the message says why."""


def decode_json_body(data: str | bytes) -> object:
    try:
        value = msgspec.json.decode(data)
    except RecursionError as exc:
        raise BadJson(f"The JSON nests more than {MAX_NESTING} levels.") from exc
    except (msgspec.DecodeError, UnicodeError, ValueError) as exc:
        raise BadJson(f"The body is not valid UTF-8 JSON: {exc}") from exc
    # msgspec recurses in C up to Python's recursion limit; bound it much lower, without
    # recursion, so nothing later (the NUL check, argument coercion) walks a deep structure.
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_NESTING:
            raise BadJson(f"The JSON nests more than {MAX_NESTING} levels.")
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return value
