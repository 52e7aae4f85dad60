"""What validating a GraphQL document costs: Plaudit's one memoised cost pass in front of
graphql-core's rules, beside Strawberry's depth and alias limiters in front of the same rules
(what Plaudit ran before issue 10), on the same documents, in one process, side by side.

    .venv/bin/python benchmarks/graphql_validation.py [--rounds 5] [--json PATH]

Documents: an ordinary query (the customers benchmark's), the issue's attack (fragments that
each spread the next twice: 16 and 20 levels), a chain of 240 fragments, and one field repeated
1,000 times. Times are medians over rounds of the mean wall-clock time per validation (after a
warm-up call), on whatever the machine is doing — run it on a quiet machine. Needs DATABASE_URL
(importing the schema builds the engine).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("PICCOLO_CONF", "piccolo_conf")
os.environ.setdefault("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")

ORDINARY = """query { customers(first: 20) { edges { cursor node { id externalId email firstName
  lastName company plan country signals(last: 5) { id kind source occurredAt npsScore } } }
  pageInfo { hasNextPage endCursor } } }"""
BUDGET_MS = 50.0  # issue 10: any document refused or validated well under this


def fan_out(levels: int) -> str:
    frags = " ".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels))
    return f"{{ ...F0 }} {frags} fragment F{levels} on Query {{ __typename }}"


def chain(length: int) -> str:
    frags = " ".join(f"fragment C{i} on Query {{ ...C{i + 1} }}" for i in range(length))
    return f"{{ ...C0 }} {frags} fragment C{length} on Query {{ __typename }}"


DOCUMENTS = {
    "ordinary customers query": ORDINARY,
    "fan-out, 16 fragments": fan_out(16),
    "fan-out, 20 fragments (1.2 KB)": fan_out(20),
    "chain of 240 fragments": chain(240),
    "one field 1,000 times": "{ " + "__typename " * 1000 + "}",
}


def validators():
    from graphql import parse, specified_rules, validate
    from strawberry.extensions import MaxAliasesLimiter, QueryDepthLimiter

    import settings
    from api.graphql.document_limits import Limits, cost_errors
    from api.graphql.schema import build_schema

    cfg = settings.SETTINGS
    schema = build_schema()._schema
    old_rules = [*QueryDepthLimiter(max_depth=cfg.graphql_max_depth).validation_rules,
                 *MaxAliasesLimiter(max_alias_count=cfg.graphql_max_aliases).validation_rules]
    limits = Limits(max_depth=cfg.graphql_max_depth, max_aliases=cfg.graphql_max_aliases,
                    max_size=cfg.graphql_max_fields, max_nesting=cfg.graphql_max_depth + 30,
                    max_repeat=32)

    def plaudit(text: str) -> str:
        document = parse(text, max_tokens=100_000)
        errors = cost_errors(document, limits) or validate(schema, document)
        return "refused" if errors else "valid"

    def strawberry_limiters(text: str) -> str:
        document = parse(text, max_tokens=100_000)
        try:
            errors = validate(schema, document, [*specified_rules, *old_rules])
        except RecursionError:
            return "RecursionError"
        return "refused" if errors else "valid"

    return plaudit, strawberry_limiters


def timed(fn, text: str, rounds: int, cap_s: float) -> tuple[float, str]:
    """Median milliseconds per validation: a warm-up call first (caches of graphql-core's type
    info), then `rounds` rounds, each the mean of as many calls as fit in ~50 ms."""
    started = time.perf_counter()
    outcome = fn(text)
    first = time.perf_counter() - started
    per_round = max(1, int(0.05 / max(first, 1e-6)))
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(per_round):
            outcome = fn(text)
        times.append((time.perf_counter() - started) / per_round)
        if sum(times) * per_round > cap_s:
            break
    return statistics.median(times) * 1000, outcome


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--cap", type=float, default=20.0, help="seconds per document and path")
    parser.add_argument("--json", metavar="PATH", help="also write the summary rows (run_all.py)")
    args = parser.parse_args(argv)
    plaudit, reference = validators()
    from harness import machine_summary

    print("=" * 78)
    print("Validation of one GraphQL document: Plaudit's cost pass vs Strawberry's limiters")
    print("=" * 78)
    for line in machine_summary():
        print(line)
    print(f"{'document':<32} {'plaudit ms':>11} {'':>8} {'limiters ms':>12} {'':>15} {'ratio':>7}")
    rows = []
    for name, text in DOCUMENTS.items():
        ours, our_outcome = timed(plaudit, text, args.rounds, args.cap)
        theirs, their_outcome = timed(reference, text, args.rounds, args.cap)
        ratio = theirs / ours if ours else float("inf")
        print(f"{name:<32} {ours:>11.2f} {our_outcome:>8} {theirs:>12.2f} {their_outcome:>15} {ratio:>6.1f}x")
        verdict = f"{'meets' if ours < BUDGET_MS else 'OVER'} < {BUDGET_MS:.0f} ms"
        rows.append((f"GraphQL validation, {name} (ms; limiters: {their_outcome})", f"{ours:.2f}",
                     f"{theirs:.2f}", f"{theirs / ours:.1f}x faster" if ours else "", verdict))
    print("=" * 78)
    if args.json:
        from harness import write_rows

        write_rows(args.json, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
