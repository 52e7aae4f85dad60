"""Tasks over GraphQL (issue 12): a call or DM campaign's asks become tasks a partner's tool can
list, assign and complete; an ASKED outcome makes the ask count as sent in the funnel."""

from __future__ import annotations

import datetime as dt

from models.asking.selection import run_campaign
from models.asking.tables import Ask, AskTouch, Task
from models.core.actors import SYSTEM
from models.people.signals import record_signals
from tests.asking.fixtures import activate, make_campaign
from tests.ids import gid, row_id

TASKS = """query($f: TaskFilter) { tasks(first: 50, filter: $f) {
  nodes { id kind status outcome assignee productId customerId askId body link } } }"""
COMPLETE = """mutation($id: ID!, $o: TaskOutcome!) { completeTask(id: $id, outcome: $o) {
  task { status outcome doneAt } userErrors { code field } } }"""
ASSIGN = """mutation($id: ID!, $a: String!) { assignTask(id: $id, assignee: $a) {
  task { assignee } userErrors { code } } }"""


async def call_asks(world, *externals):
    campaign = await activate(await make_campaign(world, channel="call"))
    await record_signals(SYSTEM, world["product"].id, [
        {"source": "billing", "event_id": f"c-{ext}", "customer_external_id": ext, "kind": "renewed",
         "occurred_at": dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)} for ext in externals])
    await run_campaign(campaign.id)
    return campaign


async def test_a_call_task_is_listed_assigned_and_completed(gql, make_token, world):
    campaign = await call_asks(world, "us1", "fr1")
    client = gql.as_token(await make_token("tasks:read", "tasks:write", "campaigns:read",
                                           product_id=world["product"].id))
    listed = (await client.data(TASKS, {"f": {"kinds": ["CALL_ASK"], "status": "OPEN"}}))["tasks"]["nodes"]
    assert len(listed) == 2
    assert {t["productId"] for t in listed} == {gid("Product", world["product"].id)}
    # The script and the link to paste carry the ask's tracked link, not the raw review URL.
    assert all(t["askId"] and "/r/" in t["link"] and t["link"] in t["body"] for t in listed)
    assert not any("review" in t["link"] for t in listed)
    first, second = listed
    assigned = await client.data(ASSIGN, {"id": first["id"], "a": "Marie"})
    assert assigned["assignTask"] == {"task": {"assignee": "Marie"}, "userErrors": []}
    assert [t["id"] for t in (await client.data(TASKS, {"f": {"assignee": "Marie"}}))["tasks"]["nodes"]] == [
        first["id"]]

    wrong = await client.data(COMPLETE, {"id": first["id"], "o": "DONE"})
    assert wrong["completeTask"]["userErrors"] == [{"code": "INVALID_OUTCOME", "field": ["outcome"]}]
    done = (await client.data(COMPLETE, {"id": first["id"], "o": "ASKED"}))["completeTask"]
    assert done["task"]["status"] == "DONE" and done["task"]["outcome"] == "ASKED"
    assert (await Ask.select(Ask.status).where(Ask.id == row_id(first["askId"])).first())["status"] == "sent"
    declined = (await client.data(COMPLETE, {"id": second["id"], "o": "DECLINED"}))["completeTask"]
    assert declined["userErrors"] == []
    assert (await Ask.select(Ask.status).where(Ask.id == row_id(second["askId"])).first())["status"] == \
        "cancelled"
    touches = {t["ask"]: t for t in await AskTouch.select(AskTouch.ask, AskTouch.status,
                                                           AskTouch.sent_at, AskTouch.failure_reason)}
    asked, refused = touches[row_id(first["askId"])], touches[row_id(second["askId"])]
    assert asked["status"] == "sent" and asked["sent_at"] is not None
    assert (refused["status"], refused["failure_reason"]) == ("cancelled", "declined")
    again = await client.data(COMPLETE, {"id": first["id"], "o": "ASKED"})
    assert again["completeTask"]["userErrors"] == [{"code": "ALREADY_DONE", "field": ["id"]}]

    funnel = await client.data("{ campaignFunnel(groupBy: CAMPAIGN) { key selected sent } }")
    # The asked call counts as sent (before, call and DM asks stayed "planned" for ever).
    assert funnel["campaignFunnel"] == [{"key": f"{campaign.name} (#{campaign.id})", "selected": 2,
                                         "sent": 1}]


async def test_other_tasks_end_as_done_and_other_products_are_out_of_reach(gql, make_token, world,
                                                                           other_product):
    await call_asks(world, "us1")
    thank_you = Task(kind="thank_you", title="Thank Ana", customer=(await Ask.select(
        Ask.customer).first())["customer"])
    await thank_you.save()
    outsider = gql.as_token(await make_token("tasks:read", "tasks:write", product_id=other_product.id))
    assert (await outsider.data(TASKS))["tasks"]["nodes"] == []
    refused = await outsider.data(COMPLETE, {"id": gid("Task", thank_you.id), "o": "DONE"})
    assert refused["completeTask"]["userErrors"] == [{"code": "NOT_FOUND", "field": ["id"]}]
    owner = gql.as_token(await make_token("tasks:write"))
    assert (await owner.data(COMPLETE, {"id": gid("Task", thank_you.id), "o": "ASKED"}))["completeTask"][
        "userErrors"] == [{"code": "INVALID_OUTCOME", "field": ["outcome"]}]
    done = await owner.data(COMPLETE, {"id": gid("Task", thank_you.id), "o": "DONE"})
    assert done["completeTask"]["task"]["outcome"] == "DONE"


async def test_an_approval_task_is_done_by_approving_its_ask(gql, make_token, world):
    approval = Task(kind="approval", title="Approve ask")
    await approval.save()
    client = gql.as_token(await make_token("tasks:write"))
    refused = await client.data(COMPLETE, {"id": gid("Task", approval.id), "o": "DONE"})
    assert refused["completeTask"]["userErrors"] == [{"code": "APPROVE_INSTEAD", "field": ["id"]}]
    assert (await Task.select(Task.status).where(Task.id == approval.id).first())["status"] == "open"


async def test_a_click_on_a_pasted_call_link_counts_before_the_task_is_closed(gql, http, make_token,
                                                                                world):
    from urllib.parse import urlsplit

    await call_asks(world, "us1")
    client = gql.as_token(await make_token("tasks:read", "asks:read"))
    task = (await client.data(TASKS, {"f": {"kinds": ["CALL_ASK"]}}))["tasks"]["nodes"][0]
    response = await http.get(urlsplit(task["link"]).path, headers={
        "User-Agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0"})
    assert response.status_code in (302, 303, 307)
    assert urlsplit(response.headers["location"]).path.endswith("/write-review")
    ask = (await client.data("query($id: ID!) { node(id: $id) { ... on Ask { status "
                             "touches { status sentAt } clicks { counted } } } }",
                             {"id": task["askId"]}))["node"]
    assert ask["status"] == "CLICKED" and ask["clicks"] == [{"counted": True}]
    assert ask["touches"][0]["status"] == "SENT" and ask["touches"][0]["sentAt"]
