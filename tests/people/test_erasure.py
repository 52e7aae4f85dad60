"""Erase on request: no trace of the person in any column of any table; aggregates intact; the
address is refused from then on; their published quote leaves the showcase at once."""

from __future__ import annotations

from jobs.asking.asks import send_touch
from models.asking.tables import Ask, AskTouch, Task
from models.core.actors import SYSTEM
from models.people.customers import Customer, upsert_customers
from models.quotes.consent import decide_consent
from models.quotes.quotes import approve_quote
from models.quotes.showcase import load_showcase
from models.reviews.reviews import Review
from tests.asking.test_asking_sending import first_touch, planned_world
from tests.ids import gid
from tests.quotes.fixtures import EDITOR, quotes_from

ERASE = """mutation($id: ID!) { eraseCustomer(id: $id) { erasedId signalsCleared messagesCleared
  reviewsAnonymised quotesDeleted tasksDeleted userErrors { code message } } }"""


async def traces(database, *needles: str) -> list[str]:
    """Every (table.column) in the database whose text contains one of the needles."""
    columns = await database.run_ddl("""
        SELECT table_name, column_name FROM information_schema.columns
        WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'jsonb',
              'character', 'ARRAY') AND table_name NOT IN ('piccolo_migration')""")
    found = []
    for column in columns:
        for needle in needles:
            rows = await database.run_ddl(
                f'SELECT 1 FROM "{column["table_name"]}" WHERE "{column["column_name"]}"::text '
                f"ILIKE '%{needle}%' LIMIT 1")
            if rows:
                found.append(f"{column['table_name']}.{column['column_name']} ~ {needle}")
    return found


async def test_erasure_leaves_no_trace_and_keeps_the_aggregates(gql, make_token, database, world,
                                                                smtp_sink):
    await Customer.update({Customer.last_name: "Zyxwvut", Customer.company: "Quuxcorp"}).where(
        Customer.external_id == "us1")
    await planned_world(world, "us1", "gb1")
    assert await send_touch({"job_try": 1}, (await first_touch("us1"))["id"]) == "sent"
    quote = (await quotes_from(world, "cap-e", "us1@client.example", reviewer_name="Ana Zyxwvut",
                               reviewer_company="Quuxcorp"))[0]
    await approve_quote(EDITOR, quote.id, ["home_page"])
    await decide_consent(quote.id, {"home_page": True})
    assert len((await load_showcase(SYSTEM, world["product"].id, "home_page")).quotes) == 1
    needles = ("us1@client.example", "Zyxwvut", "Quuxcorp")
    assert await traces(database, *needles)  # the check can fail: the data is there
    before = (await Review.count(), await Ask.count(), await AskTouch.count(),
              [r["rating"] for r in await Review.select(Review.rating)])

    customer = await Customer.objects().get(Customer.external_id == "us1")
    client = gql.as_token(await make_token("customers:write"))
    erased = (await client.data(ERASE, {"id": gid("Customer", customer.id)}))["eraseCustomer"]
    assert erased["userErrors"] == [] and erased["quotesDeleted"] == 2  # both sentences
    assert erased["messagesCleared"] >= 1 and erased["reviewsAnonymised"] == 1

    assert await traces(database, *needles) == []
    assert (await Review.count(), await Ask.count(), await AskTouch.count(),
            [r["rating"] for r in await Review.select(Review.rating)]) == before
    assert (await load_showcase(SYSTEM, world["product"].id, "home_page")).quotes == []
    assert await Task.count().where(Task.customer == customer.id) == 0
    again = (await client.data(ERASE, {"id": gid("Customer", customer.id)}))["eraseCustomer"]
    assert [e["code"] for e in again["userErrors"]] == ["ALREADY_ERASED"]

    back = await upsert_customers(SYSTEM, world["product"].id, [
        {"external_id": "us1-new", "email": "US1@client.example"}])
    assert [(e.code, e.field) for e in back.errors] == [("ERASED", ("customers", "0", "email"))]
    assert await Customer.count().where(Customer.email == "us1@client.example") == 0


async def test_the_admin_form_erases_by_address(http, world):
    from models.people.erasure import erase_customer_by_address
    from tests.quotes.fixtures import EDITOR
    from tests.reviews.test_admin_reviews import admin as _admin  # noqa: F401

    missing = await erase_customer_by_address(EDITOR, "ledger", "nobody@client.example")
    assert [e.code for e in missing.errors] == ["NOT_FOUND"]
    done = await erase_customer_by_address(EDITOR, "ledger", " GB1@client.example ")
    assert done.ok and await Customer.count().where(Customer.email == "gb1@client.example") == 0


async def test_erasure_scrubs_the_audit_trail_of_admin_edits_and_imports(http, gql, make_token,
                                                                         database, world, smtp_sink):
    """Issue 10, Medium 7: after an admin edit the email and name stayed in clear in
    audit_event.detail. Edits through the console, a creation there, an import, a mail — then
    nothing of the person anywhere, the audit trail included (its events stay)."""
    from models.access.audit import AuditEvent
    from tests.access.test_admin_http import PASSWORD, USERNAME, create_admin_user, csrf_token

    await create_admin_user()
    csrf = await csrf_token(http)
    assert (await http.post("/admin/public/login/", json={"username": USERNAME, "password": PASSWORD},
                            headers={"X-CSRFToken": csrf})).status_code == 200
    customer = await Customer.objects().get(Customer.external_id == "us1")
    edited = await http.patch(f"/admin/api/tables/customer/{customer.id}/", headers={"X-CSRFToken": csrf},
                              json={"last_name": "Zyxwvut", "company": "Quuxcorp",
                                    "email": "ana.zyxwvut@client.example"})
    assert edited.status_code == 200, edited.text
    created = await http.post("/admin/api/tables/customer/", headers={"X-CSRFToken": csrf}, json={
        **{k: v for k, v in (await http.get(f"/admin/api/tables/customer/{customer.id}/")).json().items()
           if k not in ("id",)},
        "external_id": "twin", "email": "twin.zyxwvut@client.example"})
    assert created.status_code in (200, 201), created.text
    await planned_world(world, "us1")
    assert await send_touch({"job_try": 1}, (await first_touch("us1"))["id"]) == "sent"
    await quotes_from(world, "cap-z", "ana.zyxwvut@client.example", reviewer_name="Ana Zyxwvut",
                      reviewer_company="Quuxcorp")
    needles = ("ana.zyxwvut@client.example", "us1@client.example", "Zyxwvut", "Quuxcorp")
    assert any(t.startswith("audit_event.") for t in await traces(database, *needles))
    events = {r["id"] for r in await AuditEvent.select(AuditEvent.id)}

    client = gql.as_token(await make_token("customers:write"))
    assert (await client.data(ERASE, {"id": gid("Customer",
                                                customer.id)}))["eraseCustomer"]["userErrors"] == []
    twin = await Customer.objects().get(Customer.external_id == "twin")
    assert (await client.data(ERASE, {"id": gid("Customer", twin.id)}))["eraseCustomer"]["userErrors"] == []
    assert await traces(database, *needles) == []
    after = {r["id"] for r in await AuditEvent.select(AuditEvent.id)}
    assert events < after  # every event kept (details scrubbed), the erasures recorded
