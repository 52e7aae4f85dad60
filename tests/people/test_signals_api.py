"""Signals: the partner batch (idempotent, all or nothing), listing, product limits."""

import pytest

from tests.ids import gid

RECORD = """
mutation($p: ID, $s: [SignalInput!]!) {
  recordSignals(productId: $p, signals: $s) {
    results { index eventId status signalId }
    createdCount duplicateCount
    userErrors { field message code }
  }
}"""


@pytest.fixture
async def client(gql, make_token, product):
    from models.core.actors import SYSTEM
    from models.people.customers import upsert_customers

    await upsert_customers(SYSTEM, product.id, [
        {"external_id": f"c{i}", "email": f"c{i}@x.example"} for i in range(3)])
    return gql.as_token(await make_token("signals:write", "signals:read", "customers:read"))


def signal(i, **extra):
    return {"source": "helpdesk", "eventId": f"t-{i}", "customerExternalId": f"c{i % 3}",
            "kind": "TICKET_RESOLVED", "occurredAt": "2026-10-01T09:30:00+02:00", **extra}


async def test_replayed_events_are_reported_as_duplicates(client, product):
    first = (await client.data(RECORD, {"p": gid("Product", product.id), "s": [signal(0), signal(1)]}))
    assert first["recordSignals"]["createdCount"] == 2
    replay = (await client.data(RECORD, {"p": gid("Product", product.id), "s": [signal(1), signal(2)]}))
    payload = replay["recordSignals"]
    assert [(r["eventId"], r["status"]) for r in payload["results"]] == \
        [("t-1", "DUPLICATE"), ("t-2", "CREATED")]
    assert payload["results"][0]["signalId"] == first["recordSignals"]["results"][1]["signalId"]
    listing = await client.data("{ signals(first: 100) { nodes { eventId kind customerId } } }")
    assert sorted(n["eventId"] for n in listing["signals"]["nodes"]) == ["t-0", "t-1", "t-2"]


async def test_same_event_id_from_another_source_is_a_different_event(client, product):
    await client.data(RECORD, {"p": gid("Product", product.id), "s": [signal(0)]})
    other = (await client.data(RECORD, {"p": gid("Product", product.id), "s": [signal(0, source="billing")]}))
    assert other["recordSignals"]["createdCount"] == 1


async def test_batch_is_all_or_nothing_with_per_item_errors(client, product):
    batch = [
        signal(0),
        signal(1, customerExternalId="nobody"),
        signal(2, kind="NPS_ANSWER"),  # no score
        signal(3, npsScore=7),  # score on a non-NPS signal
        signal(4, occurredAt="2030-01-01T00:00:00Z"),
        signal(0),  # duplicate within the batch
    ]
    payload = (await client.data(RECORD, {"p": gid("Product", product.id), "s": batch}))["recordSignals"]
    assert payload["results"] == []
    assert {(e["field"][1], e["code"]) for e in payload["userErrors"]} == {
        ("1", "UNKNOWN_CUSTOMER"), ("2", "NPS_SCORE_REQUIRED"), ("3", "NPS_SCORE_UNEXPECTED"),
        ("4", "IN_FUTURE"), ("5", "DUPLICATE_IN_BATCH")}
    # A time without its offset is ambiguous: the DateTime scalar refuses it, naming the item.
    naive = await client(RECORD, {"p": gid("Product", product.id),
                                  "s": [signal(0), signal(1, occurredAt="2026-10-01T09:30:00")]})
    assert naive["data"] is None and "[1].occurredAt" in naive["errors"][0]["message"]
    assert "offset" in naive["errors"][0]["message"]
    listing = await client.data("{ signals { nodes { id } } }")
    assert listing["signals"]["nodes"] == []


async def test_nps_answers_keep_their_score(client, product):
    payload = await client.data(RECORD, {"p": gid("Product", product.id), "s": [
        signal(0, kind="NPS_ANSWER", npsScore=9)]})
    assert payload["recordSignals"]["userErrors"] == []
    data = await client.data('{ signals(filter: {kinds: [NPS_ANSWER]}) { nodes { npsScore '
                             'customer { externalId } } } }')
    assert data["signals"]["nodes"] == [{"npsScore": 9, "customer": {"externalId": "c0"}}]


async def test_out_of_range_nps_score(client, product):
    payload = (await client.data(RECORD, {"p": gid("Product", product.id), "s": [
        signal(0, kind="NPS_ANSWER", npsScore=11)]}))["recordSignals"]
    assert [e["code"] for e in payload["userErrors"]] == ["NPS_SCORE_RANGE"]


async def test_a_product_limited_token_writes_and_reads_only_its_product(gql, make_token, product,
                                                                        other_product):
    from models.core.actors import SYSTEM
    from models.people.customers import upsert_customers

    for prod in (product, other_product):
        await upsert_customers(SYSTEM, prod.id, [{"external_id": "same-id",
                                                  "email": f"{prod.slug}@x.example"}])
    limited = gql.as_token(await make_token("signals:write", "signals:read",
                                            product_id=other_product.id))
    refused = (await limited.data(RECORD, {"p": gid("Product", product.id),
                                           "s": [signal(0)]}))["recordSignals"]
    assert [e["code"] for e in refused["userErrors"]] == ["PRODUCT_FORBIDDEN"]
    # Without productId the token's own product is used.
    accepted = (await limited.data(RECORD, {"s": [signal(0, customerExternalId="same-id")]}))
    assert accepted["recordSignals"]["createdCount"] == 1
    full = gql.as_token(await make_token("signals:write", "signals:read"))
    await full.data(RECORD, {"p": gid("Product", product.id), "s": [signal(9, customerExternalId="same-id")]})
    seen = await limited.data("{ signals { nodes { eventId } } }")
    assert [n["eventId"] for n in seen["signals"]["nodes"]] == ["t-0"]


async def test_reading_signals_needs_the_scope(gql, make_token):
    writer_only = gql.as_token(await make_token("signals:write"))
    body = await writer_only("{ signals { nodes { id } } }")
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
