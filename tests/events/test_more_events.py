"""The events many paths cause: task.created, quote.* and consent.* (database triggers on the rows
themselves), ask.bounced and customer.erased — each in the feed with its ids."""

from __future__ import annotations

from models.asking.selection import run_campaign
from models.asking.suppression import suppress_address
from models.asking.tables import Ask
from models.core.actors import SYSTEM
from models.people.erasure import erase_customer
from models.quotes.consent import decide_consent, revoke_consent
from models.quotes.quotes import approve_quote
from models.quotes.tables import Quote
from tests.asking.fixtures import activate, make_campaign
from tests.ids import gid
from tests.quotes.fixtures import EDITOR

FEED = """query($types: [EventType!]) { events(first: 100, filter: {types: $types}) {
  nodes { type productId quoteId customerId taskId taskKind askId campaignId placement reason channel } } }"""


async def events(client, *types: str) -> list[dict]:
    return (await client.data(FEED, {"types": list(types) or None}))["events"]["nodes"]


async def test_a_quotes_life_is_in_the_feed(gql, make_token, world, candidate):
    client = gql.as_token(await make_token("quotes:read", "tasks:read"))
    product = gid("Product", world["product"].id)
    # The 5★ import made a thank-you task: its creation is an event.
    created = await events(client, "TASK_CREATED")
    assert [(e["taskKind"], e["productId"]) for e in created] == [("THANK_YOU", product)]
    assert created[0]["taskId"] and created[0]["customerId"]

    await approve_quote(EDITOR, candidate.id, ["home_page", "ad"])
    quote = gid("Quote", candidate.id)
    await decide_consent(candidate.id, {"home_page": True, "ad": False})
    decided = await events(client, "CONSENT_GRANTED", "CONSENT_DECLINED")
    assert [(e["type"], e["placement"], e["quoteId"]) for e in decided] == [
        ("CONSENT_GRANTED", "HOME_PAGE", quote), ("CONSENT_DECLINED", "AD", quote)]
    status = (await Quote.objects().get(Quote.id == candidate.id)).status
    life = [e["type"] for e in await events(client, "QUOTE_APPROVED", "QUOTE_PUBLISHED")]
    assert life == (["QUOTE_APPROVED", "QUOTE_PUBLISHED"] if status == "published" else ["QUOTE_APPROVED"])

    await revoke_consent(candidate.id)
    revoked = await events(client, "CONSENT_REVOKED", "QUOTE_WITHDRAWN")
    assert ("CONSENT_REVOKED", "HOME_PAGE") in [(e["type"], e["placement"]) for e in revoked]
    if status == "published":
        withdrawn = [e for e in revoked if e["type"] == "QUOTE_WITHDRAWN"]
        assert [(e["quoteId"], e["reason"]) for e in withdrawn] == [(quote, "rejected")]
    # A token without quotes:read sees none of it.
    tasks_only = gql.as_token(await make_token("tasks:read"))
    assert {e["type"] for e in await events(tasks_only)} == {"TASK_CREATED"}


async def test_a_bounce_and_an_erasure_are_in_the_feed(gql, make_token, world):
    client = gql.as_token(await make_token("asks:read", "customers:read"))
    campaign = await make_campaign(world, trigger_kind="one_off", trigger_signal=None)
    await activate(campaign)
    await run_campaign(campaign.id)
    ask = await Ask.objects().where(Ask.campaign == campaign.id).first()
    customer = await ask.get_related(Ask.customer)
    await suppress_address(SYSTEM, customer.email, "bounce")
    bounced = await events(client, "ASK_BOUNCED")
    assert [(e["askId"], e["customerId"], e["campaignId"], e["channel"]) for e in bounced] == [
        (gid("Ask", ask.id), gid("Customer", customer.id), gid("Campaign", campaign.id), "EMAIL")]
    assert (await erase_customer(SYSTEM, customer.id)).ok
    erased = await events(client, "CUSTOMER_ERASED")
    assert [(e["customerId"], e["productId"]) for e in erased] == [
        (gid("Customer", customer.id), gid("Product", world["product"].id))]
