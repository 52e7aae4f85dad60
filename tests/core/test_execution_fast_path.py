"""The fast path for plain leaf fields must give exactly what graphql-core gives."""

import datetime as dt

from api.graphql.context import Context
from api.graphql.loaders import Loaders
from api.graphql.schema import build_schema, schema
from models.core.actors import SYSTEM
from models.people.customers import upsert_customers
from models.people.signals import record_signals

reference = build_schema(execution_context_class=None)  # graphql-core's own executor

QUERIES = [
    """{ customers(first: 10) { edges { cursor node { id externalId email firstName customerSince
        country locale emailStatus suppressedAt isInsider socialHandles { network handle } createdAt productId
        signals(last: 3) { id kind source occurredAt npsScore note payload } } }
        pageInfo { hasNextPage endCursor startCursor } } }""",
    """{ reviewPlatforms { nodes { key ratingScale subRatings vendorMayAsk rules: rulesNote } } }""",
    """{ platformProfiles { nodes { targetRating targetCount latestRating { average } } } }""",
    """{ customers { nodes { email __typename } } alias: customers(first: 1) { nodes { id } } }""",
]


async def run(target, query):
    ctx = Context(actor=SYSTEM, queue=None, loaders=Loaders())
    result = await target.execute(query, context_value=ctx)
    return result.data, [e.formatted for e in result.errors or []]


async def test_fast_path_results_equal_graphql_core_results(product):
    await upsert_customers(SYSTEM, product.id, [
        {"external_id": f"c{i}", "email": f"c{i}@x.example", "locale": "fr" if i % 2 else "en",
         "customer_since": dt.date(2024, 1, 1 + i) if i % 3 else None} for i in range(12)])
    await record_signals(SYSTEM, product.id, [
        {"source": "crm", "event_id": f"e{i}", "customer_external_id": f"c{i % 12}",
         "kind": "nps_answer" if i % 4 == 0 else "renewed", "nps_score": 7 if i % 4 == 0 else None,
         "occurred_at": dt.datetime(2026, 5, 1, tzinfo=dt.UTC) + dt.timedelta(hours=i)}
        for i in range(30)])
    for query in QUERIES:
        fast, standard = await run(schema, query), await run(reference, query)
        assert fast == standard
        assert fast[0] is not None and fast[1] == []


async def test_a_broken_leaf_value_is_reported_like_graphql_core_does(product, monkeypatch):
    from models.core import pagination
    await upsert_customers(SYSTEM, product.id, [{"external_id": "c", "email": "c@x.example"}])
    original = pagination.Row.__init__

    def corrupt(self, columns):
        original(self, {**columns, "email": None, "locale": "klingon"})

    monkeypatch.setattr(pagination.Row, "__init__", corrupt)
    query = "{ customers { nodes { id email } } }"
    fast, standard = await run(schema, query), await run(reference, query)
    assert fast == standard and fast[1]  # a non-null violation, reported the same way
    query = "{ customers { nodes { locale } } }"
    fast, standard = await run(schema, query), await run(reference, query)
    assert fast == standard and fast[1]
