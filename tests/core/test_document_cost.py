"""A GraphQL document's cost is bounded before anything walks it (api/graphql/document_limits.py).

Strawberry's depth and alias limiters expanded every fragment spread afresh: twenty fragments,
each spreading the next twice, cost seconds of CPU; a chain of 240 leaked "maximum recursion
depth exceeded". These tests hold the mechanism — one memoised pass, linear in the text — and
the refusals it makes, without timing anything.
"""

from __future__ import annotations

import pytest
from graphql import get_introspection_query, parse
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

import settings
from api.graphql import document_limits
from api.graphql.document_limits import document_cost


def fan_out(levels: int, width: int = 2, prefix: str = "F") -> str:
    """The attack of issue 10: each fragment spreads the next `width` times."""
    frags = " ".join(f"fragment {prefix}{i} on Query {{ {' '.join([f'...{prefix}{i + 1}'] * width)} }}"
                     for i in range(levels))
    return f"{{ ...{prefix}0 }} {frags} fragment {prefix}{levels} on Query {{ __typename }}"


def chain(length: int) -> str:
    frags = " ".join(f"fragment C{i} on Query {{ ...C{i + 1} }}" for i in range(length))
    return f"{{ ...C0 }} {frags} fragment C{length} on Query {{ __typename }}"


def codes(body: dict) -> list:
    return [(e.get("extensions") or {}).get("code") for e in body.get("errors") or []]


def count_measures(monkeypatch) -> dict:
    calls = {"n": 0}
    real = document_limits._measure

    def counting(selection_set, fragments):
        calls["n"] += 1
        return real(selection_set, fragments)

    monkeypatch.setattr(document_limits, "_measure", counting)
    return calls


def test_fan_out_is_measured_exactly_with_each_fragment_walked_once(monkeypatch):
    document = parse(fan_out(20))
    calls = count_measures(monkeypatch)
    cost = document_cost(document)["anonymous"]
    assert cost.size == 2 ** 20  # the expanded document, computed without expanding it
    assert cost.repeat == 2 ** 20
    assert cost.nesting == 21
    # One walk per selection set in the text: 21 fragments + the operation.
    assert calls["n"] == 22


@pytest.mark.parametrize("prefix", ["F", "Renamed"])
async def test_the_fan_out_attack_is_refused_before_validation(gql, monkeypatch, prefix):
    import strawberry.schema.schema as strawberry_schema

    validated = []
    real_validate = strawberry_schema.validate
    monkeypatch.setattr("strawberry.schema.schema.validate",
                        lambda *a, **k: validated.append(1) or real_validate(*a, **k))
    body = await gql(fan_out(20, prefix=prefix))  # anonymous, 1.2 KB
    assert body["data"] is None
    assert "DOCUMENT_TOO_COSTLY" in codes(body)
    assert any("1048576 fields" in e["message"] for e in body["errors"])
    assert validated == []  # graphql-core's rules never saw it


@pytest.mark.parametrize("length", [45, 240, 600])
async def test_long_fragment_chains_are_a_clear_error(gql, length):
    body = await gql(chain(length))
    assert body["data"] is None
    text = " ".join(e["message"] for e in body["errors"])
    assert "recursion" not in text.lower() and "Unexpected" not in text
    assert ("more than 40 levels deep" in text) or ("tokens" in text)


async def test_a_modest_fragment_chain_still_works(gql):
    assert (await gql.data(chain(30))) == {"__typename": "Query"}


async def test_deep_introspection_is_bounded_but_the_standard_query_passes(gql):
    deep = "{ __schema { " + "types { fields { type { " * 15 + "name" + " } } }" * 15 + " } }"
    body = await gql(deep)
    assert body["data"] is None and "DOCUMENT_TOO_COSTLY" in codes(body)
    standard = await gql.data(get_introspection_query())
    assert standard["__schema"]["queryType"]["name"] == "Query"


async def test_repeating_one_field_is_bounded(gql):
    body = await gql("{ " + "__typename " * 33 + "}")
    assert "DOCUMENT_TOO_COSTLY" in codes(body)
    assert (await gql.data("{ " + "__typename " * 32 + "}")) == {"__typename": "Query"}


async def test_expanded_size_is_bounded(gql):
    limit = settings.SETTINGS.graphql_max_fields
    # Distinct aliased-free names: two fragments spread side by side, each many fields wide.
    fields = " ".join(f"f{i}: __typename" for i in range(10))
    fragments = " ".join(f"fragment W{i} on Query {{ {fields} }}" for i in range(limit // 10 + 1))
    spreads = " ".join(f"...W{i}" for i in range(limit // 10 + 1))
    body = await gql(f"{{ {spreads} }} {fragments}")
    assert body["data"] is None
    assert any(f"the maximum is {limit}" in e["message"] for e in body["errors"])


def naive_size(selection_set, fragments, budget: list[int]) -> int:
    """Reference: expand every spread, as the old limiters did (stops once over budget)."""
    from graphql import FieldNode, FragmentSpreadNode

    total = 0
    for selection in selection_set.selections:
        if budget[0] <= 0:
            return total
        if isinstance(selection, FieldNode):
            budget[0] -= 1
            total += 1
            if selection.selection_set:
                total += naive_size(selection.selection_set, fragments, budget)
        elif isinstance(selection, FragmentSpreadNode):
            total += naive_size(fragments[selection.name.value].selection_set, fragments, budget)
        else:
            total += naive_size(selection.selection_set, fragments, budget)
    return total


@st.composite
def fragment_dags(draw):
    """Fragments 0..n-1, each with a few fields and spreads of later fragments (no cycles)."""
    n = draw(st.integers(min_value=1, max_value=14))
    parts = []
    for i in range(n):
        fields = draw(st.integers(min_value=0, max_value=3))
        spreads = draw(st.lists(st.integers(min_value=i + 1, max_value=n), max_size=4)) if i < n else []
        body = [f"a{i}_{j}: __typename" for j in range(fields)]
        body += [f"...G{k}" for k in spreads if k < n]
        parts.append(f"fragment G{i} on Query {{ {' '.join(body) or '__typename'} }}")
    return "{ ...G0 } " + " ".join(parts)


@hyp_settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fragment_dags())
def test_memoised_cost_matches_full_expansion_and_stays_linear(text):
    document = parse(text)
    fragments = {d.name.value: d for d in document.definitions if hasattr(d, "type_condition")}
    operation = document.definitions[0]
    cap = 200_000
    reference = naive_size(operation.selection_set, fragments, [cap])
    cost = document_cost(document)["anonymous"]
    if reference < cap:
        assert cost.size == reference
    else:
        assert cost.size >= cap
    # Whatever the fan-out, the walk is one pass per selection set in the text.
    selection_sets = text.count("{")
    calls = {"n": 0}
    real = document_limits._measure

    def counting(selection_set, memo):
        calls["n"] += 1
        return real(selection_set, memo)

    document_limits._measure = counting
    try:
        document_cost(document)
    finally:
        document_limits._measure = real
    assert calls["n"] <= selection_sets


@hyp_settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=60), st.integers(min_value=1, max_value=6))
def test_growing_fan_out_is_refused_once_over_the_bound(levels, width):
    """Generated documents of growing fan-out: whatever is accepted expands to at most the
    bound; everything past it is refused by the cost check, before graphql-core."""
    limits = document_limits.Limits(max_depth=10, max_aliases=15, max_size=500, max_nesting=40,
                                    max_repeat=32)
    document = parse(fan_out(levels, width), max_tokens=100_000)
    errors = document_limits.cost_errors(document, limits)
    expanded = width ** levels
    if expanded <= 32 and levels + 1 <= 40:
        assert errors == []
    else:
        assert errors
        assert all(e.extensions.get("code") == "DOCUMENT_TOO_COSTLY" for e in errors)


async def test_an_overlong_document_is_refused_before_parsing(gql):
    from api.graphql.schema import MAX_DOCUMENT_CHARS

    body = await gql("{ __typename }" + " " * MAX_DOCUMENT_CHARS)
    assert body["data"] is None and codes(body) == ["DOCUMENT_TOO_COSTLY"]


async def test_introspection_is_answered_from_memory(gql):
    from api.graphql import introspection_cache
    query = get_introspection_query() + "\n# fresh text for this test"
    before = dict(introspection_cache.stats)
    first = await gql.data(query)
    second = await gql.data(query)
    assert first == second and first["__schema"]["queryType"]["name"] == "Query"
    assert introspection_cache.stats["misses"] == before["misses"] + 1
    assert introspection_cache.stats["hits"] == before["hits"] + 1
    # A query that reads data as well is never cached.
    mixed = "{ __typename reviewPlatforms(first: 1) { nodes { key } } }"
    await gql.data(mixed)
    await gql.data(mixed)
    assert introspection_cache.stats["hits"] == before["hits"] + 1
