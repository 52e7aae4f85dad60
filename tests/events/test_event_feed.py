"""The event log: written with the change, read in order, resumable, scoped, never skipping."""

import asyncpg

import settings
from models.events.events import record_event
from tests.core import test_partner_flow as partner
from tests.ids import gid

FEED = """query($after: String, $first: Int, $f: EventFilter) {
  events(first: $first, after: $after, filter: $f) { totalCount
    edges { cursor node { id type occurredAt productId askId touchId customerId campaignId reviewId
                          taskId channel sequence lane platform taskKind outcome } } } }"""


async def feed(client, **variables):
    return (await client.data(FEED, variables))["events"]


async def test_the_partners_flow_leaves_its_events_in_order(gql, http, make_token, smtp_sink, redis):
    await partner.test_a_partner_drives_the_whole_flow_over_graphql_and_http(gql, http, make_token,
                                                                             smtp_sink, redis)
    client = gql.as_token(await make_token("admin"))
    events = [e["node"] for e in (await feed(client, first=100))["edges"]]
    types = [e["type"] for e in events]
    assert types.count("ASK_PLANNED") == 2 and types.count("ASK_SENT") == 2
    first = {t: types.index(t) for t in reversed(types)}  # the first index of each type
    assert first["CAMPAIGN_ACTIVATED"] < first["ASK_PLANNED"] < first["ASK_SENT"] \
        < first["ASK_CLICKED"] < first["REVIEW_RECEIVED"] < first["ASK_REVIEWED"] < first["TASK_COMPLETED"]
    clicked = events[first["ASK_CLICKED"]]
    sent = [e for e in events if e["type"] == "ASK_SENT" and e["askId"] == clicked["askId"]][0]
    assert (sent["sequence"], sent["channel"], sent["touchId"]) == (0, "EMAIL", clicked["touchId"])
    received = events[first["REVIEW_RECEIVED"]]
    assert (received["lane"], received["platform"]) == ("OUTREACH", "g2")
    assert received["askId"] == clicked["askId"] and received["customerId"] == clicked["customerId"]
    done = events[first["TASK_COMPLETED"]]
    assert (done["taskKind"], done["outcome"]) == ("OUTREACH", "DONE")
    assert all(e["occurredAt"].endswith("Z") and e["productId"] for e in events)

    # Resuming from a cursor gives the rest, each once.
    head = (await feed(client, first=3))["edges"]
    rest = (await feed(client, first=100, after=head[-1]["cursor"]))["edges"]
    assert [e["node"]["id"] for e in head + rest] == [e["id"] for e in events]

    # Scopes pick the families; a filter narrows further.
    asks_only = gql.as_token(await make_token("asks:read"))
    assert {e["node"]["type"] for e in (await feed(asks_only, first=100))["edges"]} == {
        "ASK_PLANNED", "ASK_SENT", "ASK_CLICKED", "ASK_REVIEWED", "ASK_BOUNCED"}
    clicks = await feed(client, first=100, f={"types": ["ASK_CLICKED"]})
    assert clicks["totalCount"] == 1


async def test_a_product_limited_token_reads_only_its_products_events(gql, make_token, product,
                                                                      other_product):
    await record_event("campaign.activated", product.id, {"campaign": 1})
    await record_event("campaign.activated", other_product.id, {"campaign": 2})
    mine = gql.as_token(await make_token("campaigns:read", product_id=product.id))
    edges = (await feed(mine, first=10))["edges"]
    assert [e["node"]["productId"] for e in edges] == [gid("Product", product.id)]
    refused = (await feed(mine, first=10, f={"productId": gid("Product", other_product.id)}))["edges"]
    assert refused == []
    anonymous = await gql("{ events { totalCount } }")
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    nothing = gql.as_token(await make_token("customers:write"))
    assert (await feed(nothing, first=10))["totalCount"] == 0


async def test_an_event_committing_late_is_not_skipped_by_a_reader_resuming(gql, make_token, product,
                                                                            database):
    client = gql.as_token(await make_token("campaigns:read"))
    await record_event("campaign.activated", product.id, {"campaign": 1})
    seen = (await feed(client, first=10))["edges"]
    assert len(seen) == 1
    cursor = seen[-1]["cursor"]
    slow = await asyncpg.connect(settings.SETTINGS.database_url)
    try:
        transaction = slow.transaction()
        await transaction.start()
        # Takes the lower id, then stays uncommitted while a later event commits.
        await slow.execute("INSERT INTO domain_event (type, product, payload) "
                           "VALUES ('campaign.activated', $1, '{\"campaign\": 2}')", product.id)
        await record_event("campaign.activated", product.id, {"campaign": 3})
        # The committed later event is held back too: serving it would move the reader's
        # cursor past the id the slow transaction holds.
        assert (await feed(client, first=10, after=cursor))["edges"] == []
        await transaction.commit()
    finally:
        await slow.close()
    after = [e["node"]["campaignId"] for e in (await feed(client, first=10, after=cursor))["edges"]]
    assert after == [gid("Campaign", 2), gid("Campaign", 3)]


async def test_an_older_transaction_committing_a_higher_id_first_does_not_skip_the_lower(
        gql, make_token, product):
    """Ids are not commit order either way: a transaction that began first (lower xid) may insert
    after a younger one and commit first. The feed serves by transaction, so the younger
    transaction's lower id still comes after what the reader has seen."""
    client = gql.as_token(await make_token("campaigns:read"))
    older = await asyncpg.connect(settings.SETTINGS.database_url)
    younger = await asyncpg.connect(settings.SETTINGS.database_url)
    insert = ("INSERT INTO domain_event (type, product, payload) "
              "VALUES ('campaign.activated', $1, jsonb_build_object('campaign', $2::int))")
    try:
        old_tx, young_tx = older.transaction(), younger.transaction()
        await old_tx.start()
        await older.fetchval("SELECT pg_current_xact_id()")  # the older transaction id
        await young_tx.start()
        await younger.execute(insert, product.id, 1)  # the lower event id, younger transaction
        await older.execute(insert, product.id, 2)
        await old_tx.commit()
        seen = (await feed(client, first=10))["edges"]
        assert [e["node"]["campaignId"] for e in seen] == [gid("Campaign", 2)]
        await young_tx.commit()
    finally:
        await older.close()
        await younger.close()
    rest = (await feed(client, first=10, after=seen[-1]["cursor"]))["edges"]
    assert [e["node"]["campaignId"] for e in rest] == [gid("Campaign", 1)]


def test_the_docs_show_an_example_of_every_event_type():
    from pathlib import Path

    from models.events.events import TYPES

    text = (Path(__file__).parents[2] / "docs" / "events.md").read_text()
    missing = [t for t in TYPES if f'"type": "{t}"' not in text]
    assert missing == []
