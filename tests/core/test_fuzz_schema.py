"""Fuzzing the live schema (hypothesis-graphql): well-formed queries and mutations generated from
schema.graphql, run as each kind of caller — anonymous, an invalid token, each scope alone
(limited to product A), every non-admin scope together and admin, both limited to product A,
and an unlimited admin. For every operation:

- no 5xx;
- no unmasked error (internal messages never leak) and no masked one either (an "Unexpected
  error." on a well-formed operation is a bug: bad input must be a clear error);
- no data outside the token's reach: a root field whose scope the token lacks returns null, and
  nothing of product B (its customers, reviews, quotes, campaign) shows through a token limited
  to product A.

- and afterwards, no database connection left inside a transaction (the fuzzer found one: see
  models/core/database.py, SafeTransaction).

FUZZ_EXAMPLES (default 60 per caller, 23 callers: 1,380 operations) sets the budget; the
operations are the same every run unless FUZZ_RANDOM=1.
"""

from __future__ import annotations

import datetime as dt
import json
import os

import graphql
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import from_schema, nodes

from api.graphql.schema import schema
from models.catalogue.products import Product
from models.core.actors import SCOPES, SYSTEM
from models.people.customers import upsert_customers
from models.quotes.tables import Quote
from models.reviews.intake import import_reviews
from tests.core.test_schema_contracts import _permission_classes

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "60"))
MARKERS = ("markerb@other.example", "Othercorpb", "Reviewerb", "Campaignb")
INTERNAL = ("Traceback", "asyncpg", "psycopg", "piccolo", "Exception", "line ", ".py")
SCALARS = {
    "Date": st.dates(dt.date(1990, 1, 1), dt.date(2100, 1, 1)).map(lambda d: nodes.String(d.isoformat())),
    "DateTime": st.datetimes(dt.datetime(1990, 1, 1), dt.datetime(2100, 1, 1),
                             timezones=st.just(dt.UTC)).map(lambda d: nodes.String(d.isoformat())),
    "JSON": st.just(graphql.ObjectValueNode(fields=())),
}


def root_scopes() -> dict[str, str | None]:
    """GraphQL root field name -> the scope it needs (None: public)."""
    found = {}
    for root in (schema.query, schema.mutation):
        for field in root.__strawberry_definition__.fields:
            name = schema.config.name_converter.get_graphql_name(field)
            scopes = [getattr(p, "scope", None) for p in _permission_classes(field)]
            found[name] = next((s for s in scopes if s), None)
    return found


def generate(strategy, count: int) -> list[str]:
    collected: list[str] = []

    # Deterministic in CI (the same 1,380 operations every run); FUZZ_RANDOM=1 explores anew.
    @settings(max_examples=count, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck), derandomize=not os.environ.get("FUZZ_RANDOM"))
    @given(strategy)
    def collect(document):
        collected.append(document)

    collect()
    return collected


@pytest.fixture
async def two_products(world, other_product):
    await upsert_customers(SYSTEM, other_product.id, [
        {"external_id": "b1", "email": "markerb@other.example", "company": "Othercorpb",
         "first_name": "Reviewerb"}])
    from models.catalogue.platforms import PlatformProfile, ReviewPlatform

    capterra = await ReviewPlatform.select(ReviewPlatform.id).where(ReviewPlatform.key == "capterra").first()
    await PlatformProfile.insert(PlatformProfile(product=other_product.id, platform=capterra["id"],
                                                 profile_url="https://capterra.example/b",
                                                 review_url="https://capterra.example/b/write"))
    await import_reviews(SYSTEM, other_product.id, [{
        "platform_key": "capterra", "external_id": "b-1", "original_rating": 5, "original_scale": 5,
        "sub_ratings": {}, "title": "", "pros": "Othercorpb loves the reporting features a lot.",
        "cons": "", "body": "", "reviewer_name": "Reviewerb", "reviewer_title": "",
        "reviewer_company": "Othercorpb", "reviewer_email": "markerb@other.example",
        "reviewed_on": dt.date.today(), "language": "en", "url": "", "incentivized": False,
        "insider": False, "ask_token": ""}])
    from tests.asking.fixtures import make_campaign

    await make_campaign({"product": other_product, "sender": world["sender"]}, name="Campaignb")
    assert await Quote.count().where(Quote.product == other_product.id) >= 1
    return world["product"], other_product


def callers(product_a: Product):
    yield "anonymous", None, frozenset(), None
    yield "invalid", "pld_" + "x" * 43, frozenset(), None
    for scope in sorted(set(SCOPES) - {"admin"}):
        yield f"{scope}@A", scope, frozenset({scope}), product_a.id
    # Every scope but admin, then admin itself, limited to product A: what one caller can chain.
    yield "mix@A", "mix", frozenset(set(SCOPES) - {"admin"}), product_a.id
    yield "admin@A", "admin", frozenset({"admin"}), product_a.id
    yield "admin", "admin", frozenset({"admin"}), None


def reachable(scope: str | None, scopes: frozenset[str]) -> bool:
    return scope is None or "admin" in scopes or scope in scopes


async def test_fuzzing_the_live_schema_with_each_scope(two_products, gql, make_token, database):
    product_a, _ = two_products
    sdl = schema.as_str()
    strategy = from_schema(sdl, custom_scalars=SCALARS)
    needs = root_scopes()
    problems: list[str] = []
    operations = 0
    kinds = list(callers(product_a))
    documents = generate(strategy, EXAMPLES * len(kinds))  # distinct operations for each caller
    for index, (name, scope, scopes, product_id) in enumerate(kinds):
        if scope is None or scope.startswith("pld_"):
            client = gql.as_token(scope)
        else:
            client = gql.as_token(await make_token(*sorted(scopes), product_id=product_id))
        for document in documents[index::len(kinds)]:
            operations += 1
            response = await client.http.post(
                "/graphql", json={"query": document},
                headers={"Authorization": f"Bearer {client.token}"} if client.token else {})
            where = f"[{name}] {document[:300]}"
            if response.status_code >= 500:
                problems.append(f"{response.status_code} {where}")
                continue
            body = response.json()
            for error in body.get("errors") or []:
                message = error.get("message", "")
                if message == "Unexpected error.":
                    problems.append(f"masked internal error at {error.get('path')} {where}")
                elif any(marker in message for marker in INTERNAL):
                    problems.append(f"unmasked error {message[:200]!r} {where}")
            data = body.get("data") or {}
            parsed = graphql.parse(document)
            for operation in parsed.definitions:
                for selection in getattr(operation, "selection_set", None).selections:
                    if not isinstance(selection, graphql.FieldNode):
                        continue
                    key = selection.alias.value if selection.alias else selection.name.value
                    field = selection.name.value
                    if field in needs and not reachable(needs[field], scopes) and data.get(key) is not None:
                        problems.append(f"{field} answered without `{needs[field]}` {where}")
            if product_id is not None:
                text = json.dumps(data)
                leaked = [m for m in MARKERS if m.lower() in text.lower()]
                if leaked:
                    problems.append(f"product B data {leaked} {where}")
    import asyncio

    await asyncio.sleep(0.2)
    open_transactions = await database.run_ddl(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() "
        "AND state LIKE 'idle in transaction%'")
    assert open_transactions[0]["n"] == 0
    assert operations >= 1000 or EXAMPLES < 50
    assert not problems, f"{len(problems)} problems in {operations} operations:\n" + "\n".join(problems[:15])
