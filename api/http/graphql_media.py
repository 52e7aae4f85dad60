"""GraphQL over HTTP: which media type a response is served as.

`application/graphql-response+json` tells the client what the status code means: 200 only
when the document was executed; 400, and no `data` entry, when it failed before execution
(unparsable, invalid, or its variables could not be coerced). `application/json` keeps the
legacy meaning: 200 for any well-formed request, with `data: null` on such failures.

The spec (https://graphql.github.io/graphql-over-http/draft/) and its audit suite
(graphql-http) have a client that sends no Accept header, or only `*/*`, treated as asking
for `application/json`; a client that lists both types equally gets the new one.
"""

from __future__ import annotations

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
MAX_ACCEPT = 2_000  # a header is bounded by the server, but parsing a huge one is pointless work


def _ranges(accept: str) -> list[tuple[str, float]]:
    found = []
    for part in accept[:MAX_ACCEPT].split(","):
        media, *params = (p.strip() for p in part.split(";"))
        if not media:
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        found.append((media.lower(), q))
    return found


def _quality(media: str, ranges: list[tuple[str, float]]) -> tuple[float, int]:
    """(q, specificity) of the most specific range matching `media`: exact 2, type/* 1, */* 0."""
    kind = media.split("/", 1)[0]
    best: tuple[float, int] | None = None
    for pattern, q in ranges:
        specificity = 2 if pattern == media else 1 if pattern == f"{kind}/*" else \
            0 if pattern == "*/*" else -1
        if specificity >= 0 and (best is None or specificity > best[1]):
            best = (q, specificity)
    return best or (0.0, -1)


def negotiate(accept: str | None) -> str | None:
    """The media type to answer with, or None when the client accepts neither (406)."""
    if accept is None or not accept.strip():
        return JSON
    ranges = _ranges(accept)
    new_q, new_specificity = _quality(GRAPHQL_RESPONSE, ranges)
    old_q, old_specificity = _quality(JSON, ranges)
    if new_q <= 0 and old_q <= 0:
        return None
    if new_q != old_q:
        return GRAPHQL_RESPONSE if new_q > old_q else JSON
    # Equal quality: the type named outright wins; named both (or neither), the new one only
    # when named — a bare wildcard keeps the legacy type.
    if new_specificity == 2:
        return GRAPHQL_RESPONSE
    return JSON
