"""The asking flow over GraphQL, and through a real arq worker into a real SMTP server."""

import datetime as dt

import pytest
from arq.worker import Worker

import settings
from jobs.outbox import Relay
from jobs.worker import worker_settings
from models.asking.tables import Ask, AskTouch
from models.core.actors import SYSTEM
from models.people.signals import record_signals
from tests.asking.fixtures import EN, FR
from tests.ids import gid

CREATE = """mutation($i: CampaignInput!) { createCampaign(input: $i) {
  campaign { id status } userErrors { field message code } } }"""
ACTIVATE = """mutation($id: ID!) { activateCampaign(id: $id) { campaign { status }
  userErrors { field message code } } }"""


@pytest.fixture
async def client(gql, make_token):
    return gql.as_token(await make_token("campaigns:read", "campaigns:write", "asks:read"))


def campaign_input(world, **overrides):
    return {"productId": gid("Product", world["product"].id), "name": "Renewals FR/EN",
            "triggerKind": "SIGNAL", "triggerSignal": "RENEWED", "channel": "EMAIL",
            "senderId": gid("Sender", world["sender"].id),
            "templates": [{"locale": "EN", **EN}, {"locale": "FR", **FR}],
            "pacing": {"businessHoursStart": 0, "businessHoursEnd": 24,
                       "businessDays": ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY",
                                        "SATURDAY", "SUNDAY"], "jitterMinutes": 0}} | overrides


async def test_create_refuses_gating_and_activation_refuses_lint_errors(client, world):
    # Review gating cannot even be written: the audience has no field for sentiment.
    gated = await client(CREATE, {"i": campaign_input(world, audience={"csatOver": 4})})
    assert gated["data"] is None and "csatOver" in gated["errors"][0]["message"]
    draft = await client.data(CREATE, {"i": campaign_input(world, templates=[{
        "locale": "EN", "subject": "Hello", "body": "Leave us a five-star review {{ review_link }}"}])})
    campaign_id = draft["createCampaign"]["campaign"]["id"]
    lint = await client.data('query($id: ID!) { campaignLint(id: $id) { rule severity } }',
                             {"id": campaign_id})
    assert {"NO_POSITIVE_REQUEST", "SUBJECT_SAYS_WHAT"} <= {f["rule"] for f in lint["campaignLint"]}
    refused = await client.data(ACTIVATE, {"id": campaign_id})
    assert refused["activateCampaign"]["campaign"] is None
    assert {e["code"] for e in refused["activateCampaign"]["userErrors"]} == {"LINT_ERRORS"}


async def test_preview_shows_the_rendered_message_for_a_customer(client, world):
    from models.people.customers import Customer

    created = await client.data(CREATE, {"i": campaign_input(world)})
    campaign_id = created["createCampaign"]["campaign"]["id"]
    fr1 = (await Customer.select(Customer.id).where(Customer.external_id == "fr1"))[0]["id"]
    preview = await client.data(
        """query($id: ID!, $c: ID) { campaignPreview(id: $id, customerId: $c) {
             preview { locale platform routingReason subject text findings { rule } }
             userErrors { code } } }""", {"id": campaign_id, "c": gid("Customer", fr1)})
    shown = preview["campaignPreview"]["preview"]
    assert shown["locale"] == "FR" and shown["subject"] == "Votre avis sur Ledger ?"
    assert "Bonjour FR1" in shown["text"] and shown["findings"] == []
    assert shown["platform"] and shown["platform"] in shown["routingReason"]


async def test_the_whole_flow_through_the_worker(client, world, smtp_sink, redis):
    """Activate → signal → campaign run (cron) → paced sends (dispatcher) → SMTP, with a test send."""
    created = await client.data(CREATE, {"i": campaign_input(world)})
    campaign_id = created["createCampaign"]["campaign"]["id"]
    activated = await client.data(ACTIVATE, {"id": campaign_id})
    assert activated["activateCampaign"]["campaign"]["status"] == "ACTIVE"
    test = await client.data('mutation($id: ID!) { testSendCampaign(id: $id, locale: EN) { queued '
                             'userErrors { code } } }', {"id": campaign_id})
    assert test["testSendCampaign"]["queued"]
    await record_signals(SYSTEM, world["product"].id, [
        {"source": "billing", "event_id": f"r-{ext}", "customer_external_id": ext, "kind": "renewed",
         "occurred_at": dt.datetime.now(dt.UTC)} for ext in ("us1", "fr1", "insider")])

    async def startup(ctx):
        ctx["relay"] = Relay(ctx["redis"], settings.SETTINGS.queue_name)

    from jobs.asking.asks import dispatch_touches
    from jobs.asking.campaigns import run_active_campaigns

    worker = Worker(**worker_settings(burst=True, handle_signals=False, on_startup=startup,
                                      on_shutdown=None, cron_jobs=[]))
    try:
        ctx = {"redis": redis}
        await run_active_campaigns(ctx)
        await AskTouch.update({AskTouch.scheduled_at: dt.datetime.now(dt.UTC)}, force=True)
        assert await dispatch_touches(ctx) == 2
        await worker.run_check()
    finally:
        await worker.close()
    assert sorted(m["To"].addresses[0].addr_spec for m in smtp_sink.messages) == [
        "camille@acme.example", "fr1@client.example", "us1@client.example"]
    assert [m["Subject"] for m in smtp_sink.to("camille@")][0].startswith("[Test] ")
    assert {r["status"] for r in await Ask.select(Ask.status)} == {"sent"}
    runs = await client.data('query($id: ID!) { selectionRuns(campaignId: $id) { nodes { '
                             'candidates selected planned skipped { reason count } } } }',
                             {"id": campaign_id})
    assert runs["selectionRuns"]["nodes"] == [
        {"candidates": 3, "selected": 3, "planned": 2,
         "skipped": [{"reason": "deferred_escalation", "count": 0},
                     {"reason": "held_for_approval", "count": 0}, {"reason": "insider", "count": 1}]}]
    funnel = await client.data("{ campaignFunnel(groupBy: TRIGGER) { key selected sent clicked } }")
    assert funnel["campaignFunnel"] == [{"key": "renewed", "selected": 2, "sent": 2, "clicked": 0}]


async def test_in_app_asks_are_served_once_due_with_a_tracked_link(client, world):
    from models.asking.selection import run_campaign
    from tests.asking.fixtures import activate, make_campaign

    campaign = await activate(await make_campaign(world, channel="in_app"))
    await record_signals(SYSTEM, world["product"].id, [{
        "source": "billing", "event_id": "r-us1", "customer_external_id": "us1", "kind": "renewed",
        "occurred_at": dt.datetime.now(dt.UTC)}])
    await run_campaign(campaign.id)
    await AskTouch.update({AskTouch.scheduled_at: dt.datetime.now(dt.UTC)}, force=True)
    query = 'query($p: ID) { inAppAsks(customerExternalId: "us1", productId: $p) { platform link } }'
    served = (await client.data(query, {"p": gid("Product", world["product"].id)}))["inAppAsks"]
    assert len(served) == 1 and "/r/" in served[0]["link"]
    assert (await Ask.select(Ask.status))[0]["status"] == "sent"
    other = await client.data('query($p: ID) { inAppAsks(customerExternalId: "us2", productId: $p) '
                              '{ link } }', {"p": gid("Product", world["product"].id)})
    assert other["inAppAsks"] == []


async def test_approving_a_held_ask_plans_it(client, world):
    from models.asking.selection import run_campaign
    from models.asking.tables import Task
    from tests.asking.fixtures import activate, make_campaign

    campaign = await activate(await make_campaign(world))
    await record_signals(SYSTEM, world["product"].id, [{
        "source": "billing", "event_id": "r-n", "customer_external_id": "notable", "kind": "renewed",
        "occurred_at": dt.datetime.now(dt.UTC)}])
    await run_campaign(campaign.id)
    ask = (await Ask.select(Ask.id, Ask.status))[0]
    assert ask["status"] == "held" and await AskTouch.count() == 0
    approve = 'mutation($id: ID!) { approveHeldAsk(askId: $id) { askId userErrors { code } } }'
    done = await client.data(approve, {"id": gid("Ask", ask["id"])})
    assert done["approveHeldAsk"]["userErrors"] == []
    assert (await Ask.select(Ask.status))[0]["status"] == "planned" and await AskTouch.count() == 1
    assert (await Task.select(Task.status).where(Task.kind == "approval"))[0]["status"] == "done"
    again = await client.data(approve, {"id": gid("Ask", ask["id"])})
    assert [e["code"] for e in again["approveHeldAsk"]["userErrors"]] == ["NOT_HELD"]


async def test_activation_and_resume_hand_the_run_to_the_worker_at_once(client, world, redis):
    """The first run starts within seconds of the commit, not when the sweeper next looks (its
    grace period made activation wait 30–60 s)."""
    from arq.jobs import Job

    from models.core.outbox import OutboxMessage

    created = await client.data(CREATE, {"i": campaign_input(world)})
    campaign_id = created["createCampaign"]["campaign"]["id"]
    for action in ("activate", "pause", "resume"):
        payload = await client.data(f"""mutation($id: ID!) {{ {action}Campaign(id: $id) {{
            campaign {{ status }} userErrors {{ code }} }} }}""", {"id": campaign_id})
        assert payload[f"{action}Campaign"]["userErrors"] == []
    runs = await OutboxMessage.select().where(OutboxMessage.job == "run_campaign")
    assert len(runs) == 2  # activate and resume
    assert all(r["enqueued_at"] is not None for r in runs)
    queued = await redis.queued_jobs(queue_name=settings.SETTINGS.queue_name)
    assert sorted(j.args[0] for j in queued if j.function == "run_outbox_message") == \
        sorted(r["id"] for r in runs)
    assert Job  # the arq job type the queue holds
