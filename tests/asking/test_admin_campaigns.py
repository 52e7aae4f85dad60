"""The asking flow in the admin console, over real HTTP: preview, lifecycle, generic edits held
to the campaign rules, the read-only selection audit, approval of held asks, the funnel."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from piccolo.apps.user.tables import BaseUser
from piccolo_api.session_auth.tables import SessionsBase

from models.access.audit import AuditEvent
from models.asking.selection import run_campaign
from models.asking.tables import Ask, AskTouch, Campaign, SelectionRun, Task
from models.core.actors import SYSTEM
from models.core.outbox import OutboxMessage
from models.people.customers import Customer
from models.people.signals import record_signals
from tests.asking.fixtures import EN, FR, activate, make_campaign

USERNAME = "ada"
PASSWORD = "correct-horse-battery-staple"
PREVIEW_FORM = "/admin/api/forms/preview-campaign/"
LIFECYCLE_FORM = "/admin/api/forms/campaign-lifecycle/"
APPROVE_FORM = "/admin/api/forms/approve-held-ask/"
FUNNEL_FORM = "/admin/api/forms/campaign-funnel/"
CAMPAIGNS = "/admin/api/tables/campaign/"
# Lint errors: a rating steered towards 5 stars, and no review link.
STEERING_EN = {"subject": EN["subject"],
               "body": EN["body"].replace("to review", "to leave a 5-star review of")
                                 .replace("{{ review_link }}", "")}


async def create_admin_user() -> BaseUser:
    return await BaseUser.create_user(username=USERNAME, password=PASSWORD, admin=True,
                                      superuser=True, active=True)


async def csrf_headers(http) -> dict:
    response = await http.get("/admin/")
    assert response.status_code == 200
    return {"X-CSRFToken": http.cookies["csrftoken"]}


@pytest.fixture
async def logged_in(http):
    """`http`, logged in through the login form; returns the CSRF headers the writes need."""
    await create_admin_user()
    headers = await csrf_headers(http)
    response = await http.post("/admin/public/login/", json={"username": USERNAME,
                                                             "password": PASSWORD},
                               headers=headers)
    assert response.status_code == 200, response.text
    assert http.cookies.get("id")
    return headers


@pytest.fixture
async def admin(http):
    """Like `logged_in`, with the session the login form would create set directly: Piccolo
    Admin allows 20 logins per client per 5 minutes, and the test app lives for the whole run
    (tests/access/test_admin_http.py alone logs in 13 times)."""
    user = await create_admin_user()
    headers = await csrf_headers(http)
    session = await SessionsBase.create_session(user_id=user.id)
    http.cookies.set("id", session.token)
    return headers


async def submit(http, headers, form: str, data: dict, status: int = 200) -> str:
    response = await http.post(form, json=data, headers=headers)
    assert response.status_code == status, response.text
    body = response.json()
    return body["custom_form_success"] if status == 200 else body["custom_form_error"]


async def stored(campaign_id: int) -> Campaign:
    return await Campaign.objects().get(Campaign.id == campaign_id).output(load_json=True)


async def renewed(world, *external_ids: str) -> None:
    now = dt.datetime.now(dt.UTC)
    result = await record_signals(SYSTEM, world["product"].id, [
        {"source": "billing", "event_id": f"renewal-{ext}", "customer_external_id": ext,
         "kind": "renewed", "occurred_at": now} for ext in external_ids])
    assert not result.errors, result.errors


async def customer_id(external_id: str) -> int:
    row = await Customer.select(Customer.id).where(Customer.external_id == external_id).first()
    return row["id"]


# --- forms ----------------------------------------------------------------------------------


async def test_asking_forms_and_tables_are_listed(http, logged_in):
    forms = {f["slug"] for f in (await http.get("/admin/api/forms/")).json()}
    assert {"preview-campaign", "campaign-lifecycle", "approve-held-ask",
            "campaign-funnel"} <= forms
    tables = set((await http.get("/admin/api/tables/")).json())
    assert {"campaign", "selection_run", "ask", "ask_touch", "ask_click"} <= tables


async def test_preview_shows_every_locales_findings_and_the_rendered_message(http, admin, world):
    campaign = await make_campaign(world, templates={"en": STEERING_EN, "fr": FR})
    french = await customer_id("fr1")

    message = await submit(http, admin, PREVIEW_FORM, {"campaign_id": campaign.id,
                                                       "customer_id": french, "locale": ""})
    assert "[en] error NO_POSITIVE_REQUEST" in message
    assert "[en] error ONE_CTA" in message
    assert "[fr] no findings" in message
    assert "Subject: Votre avis sur Ledger ?" in message
    assert "Bonjour FR1, merci d'être notre client." in message
    assert "Camille Martin, CEO" in message

    english = await submit(http, admin, PREVIEW_FORM, {"campaign_id": campaign.id,
                                                       "customer_id": None, "locale": "en"})
    assert "Subject: Could you review Ledger on" in english
    assert "Hi Alex" in english  # the sample customer


async def test_preview_of_an_unknown_campaign_is_a_form_error(http, admin, world):
    error = await submit(http, admin, PREVIEW_FORM, {"campaign_id": 999}, status=422)
    assert "No such campaign" in error


async def test_lifecycle_form_activates_a_clean_campaign_and_queues_its_run(http, admin, world):
    campaign = await make_campaign(world)

    message = await submit(http, admin, LIFECYCLE_FORM, {"campaign_id": campaign.id,
                                                         "action": "activate"})
    assert "is now active" in message
    assert "handed to the worker now" in message
    assert (await stored(campaign.id)).status == "active"
    jobs = await OutboxMessage.select(OutboxMessage.job, OutboxMessage.args).output(load_json=True)
    assert [j["job"] for j in jobs] == ["run_campaign"]
    assert jobs[0]["args"] == {"campaign_id": campaign.id}
    assert await AuditEvent.count().where((AuditEvent.action == "campaign.activate")
                                          & (AuditEvent.actor == USERNAME)) == 1

    paused = await submit(http, admin, LIFECYCLE_FORM, {"campaign_id": campaign.id,
                                                        "action": "pause"})
    assert "is now paused" in paused
    assert "queued" not in paused


async def test_lifecycle_form_refuses_a_campaign_with_lint_errors(http, admin, world):
    campaign = await make_campaign(world, templates={"en": STEERING_EN, "fr": FR})

    error = await submit(http, admin, LIFECYCLE_FORM, {"campaign_id": campaign.id,
                                                       "action": "activate"}, status=422)
    assert "NO_POSITIVE_REQUEST" in error and "ONE_CTA" in error
    assert "[en]" in error
    assert (await stored(campaign.id)).status == "draft"
    assert await OutboxMessage.count() == 0


async def test_lifecycle_form_refuses_an_invalid_transition_and_an_unknown_action(http, admin,
                                                                                 world):
    campaign = await make_campaign(world)
    error = await submit(http, admin, LIFECYCLE_FORM, {"campaign_id": campaign.id,
                                                       "action": "resume"}, status=422)
    assert "Cannot resume a draft campaign" in error
    error = await submit(http, admin, LIFECYCLE_FORM, {"campaign_id": campaign.id,
                                                       "action": "launch"}, status=422)
    assert "Unknown action" in error
    assert (await stored(campaign.id)).status == "draft"


# --- generic create and edit ------------------------------------------------------------------


async def test_generic_patch_of_an_active_campaign_is_refused(http, admin, world):
    campaign = await activate(await make_campaign(world))

    response = await http.patch(f"{CAMPAIGNS}{campaign.id}/", json={"name": "Renamed"},
                                headers=admin)
    assert response.status_code == 400, response.text
    assert "active campaign cannot be edited" in response.json()["detail"]
    assert (await stored(campaign.id)).name == "Renewals"
    assert await AuditEvent.count().where(AuditEvent.action == "admin.campaign.update") == 0


async def test_generic_patch_with_a_sentiment_audience_is_refused(http, admin, world):
    campaign = await make_campaign(world, audience={"plans": ["pro"]})

    response = await http.patch(f"{CAMPAIGNS}{campaign.id}/",
                                json={"audience": json.dumps({"nps_min": 9})}, headers=admin)
    assert response.status_code == 400, response.text
    detail = response.json()["detail"]
    assert "SENTIMENT_RULE" in detail and "nps_min" in detail
    assert (await stored(campaign.id)).audience == {"plans": ["pro"]}
    assert await AuditEvent.count().where(AuditEvent.action == "admin.campaign.update") == 0


async def test_generic_patch_of_the_status_is_refused(http, admin, world):
    campaign = await make_campaign(world)

    response = await http.patch(f"{CAMPAIGNS}{campaign.id}/", json={"status": "active"},
                                headers=admin)
    assert response.status_code == 400, response.text
    assert "'Campaign lifecycle' form" in response.json()["detail"]
    assert (await stored(campaign.id)).status == "draft"
    assert await OutboxMessage.count() == 0


async def test_generic_edit_of_a_draft_saves_valid_changes_and_is_audited(http, admin, world):
    campaign = await make_campaign(world)
    # The console's edit form sends the whole row back, status and bookkeeping included.
    row = (await http.get(f"{CAMPAIGNS}{campaign.id}/")).json()
    row.pop("id")
    row |= {"name": "Renewals (EU)", "audience": json.dumps({"regions": ["EU"]}),
            "signal_watermark": 12345}

    response = await http.patch(f"{CAMPAIGNS}{campaign.id}/", json=row, headers=admin)
    assert response.status_code == 200, response.text
    saved = await stored(campaign.id)
    assert (saved.name, saved.audience, saved.status) == ("Renewals (EU)", {"regions": ["EU"]},
                                                          "draft")
    assert saved.signal_watermark == 0  # Plaudit's bookkeeping, not the form's
    assert saved.updated_at > campaign.updated_at
    assert await AuditEvent.count().where((AuditEvent.action == "admin.campaign.update")
                                          & (AuditEvent.actor == USERNAME)) == 1


async def test_generic_create_is_held_to_the_campaign_rules(http, admin, world):
    data = {"product": world["product"].id, "name": "Happy ones", "status": "draft",
            "trigger_kind": "signal", "trigger_signal": "renewed",
            "audience": json.dumps({"nps_min": 9}), "sampling": json.dumps({"rule": "everyone"}),
            "channel": "email", "sender": world["sender"].id,
            "templates": json.dumps({"en": EN}), "routing": json.dumps({"strategy": "need"}),
            "pacing": "{}", "follow_up": "{}", "cooldown_days": 90, "incentive": None,
            "created_at": dt.datetime.now(dt.UTC).isoformat(),
            "updated_at": dt.datetime.now(dt.UTC).isoformat(), "activated_at": None,
            "finished_at": None, "signal_watermark": 0, "sampling_counter": 0,
            "one_off_done": False}

    refused = await http.post(CAMPAIGNS, json=data, headers=admin)
    assert refused.status_code == 400, refused.text
    assert "SENTIMENT_RULE" in refused.json()["detail"]
    active = await http.post(CAMPAIGNS, json=data | {"audience": "{}", "status": "active"},
                             headers=admin)
    assert active.status_code == 400, active.text
    assert "starts as a draft" in active.json()["detail"]
    assert await Campaign.count() == 0

    created = await http.post(CAMPAIGNS, json=data | {"audience": "{}"}, headers=admin)
    assert created.status_code == 201, created.text
    rows = await Campaign.select(Campaign.name, Campaign.status)
    assert rows == [{"name": "Happy ones", "status": "draft"}]
    assert await AuditEvent.count().where(AuditEvent.action == "admin.campaign.create") == 1


async def test_put_cannot_bypass_the_campaign_rules(http, admin, world):
    campaign = await activate(await make_campaign(world))
    response = await http.put(f"{CAMPAIGNS}{campaign.id}/", json={"name": "x"}, headers=admin)
    assert response.status_code == 405, response.text
    assert (await stored(campaign.id)).name == "Renewals"


# --- selection audit, held asks, funnel -------------------------------------------------------


async def test_selection_runs_are_listed_and_read_only(http, admin, world):
    campaign = await activate(await make_campaign(world))
    await renewed(world, "us1", "insider")
    summary = await run_campaign(campaign.id)

    response = await http.get("/admin/api/tables/selection_run/")
    assert response.status_code == 200, response.text
    rows = response.json()["rows"]
    assert [(r["id"], r["campaign"], r["candidates"], r["planned"]) for r in rows] == [
        (summary.run_id, campaign.id, 2, 1)]

    url = f"/admin/api/tables/selection_run/{summary.run_id}/"
    created = await http.post("/admin/api/tables/selection_run/",
                              json={"campaign": campaign.id, "trigger": "forged"}, headers=admin)
    patched = await http.patch(url, json={"planned": 0}, headers=admin)
    deleted = await http.delete(url, headers=admin)
    assert (created.status_code, patched.status_code, deleted.status_code) == (405, 405, 405)
    assert "audit" in patched.json()["detail"]
    assert await SelectionRun.select(SelectionRun.planned) == [{"planned": 1}]


async def test_approve_held_form_plans_the_ask_to_a_notable_customer(http, admin, world):
    campaign = await activate(await make_campaign(world))
    await renewed(world, "notable")
    await run_campaign(campaign.id)
    ask = await Ask.select(Ask.id, Ask.status).first()
    assert ask["status"] == "held"
    assert await AskTouch.count() == 0

    message = await submit(http, admin, APPROVE_FORM, {"ask_id": ask["id"]})
    assert f"Ask #{ask['id']} is approved" in message
    assert (await Ask.select(Ask.status).first())["status"] == "planned"
    assert await AskTouch.count().where(AskTouch.ask == ask["id"]) == 1
    assert await Task.select(Task.kind, Task.status) == [{"kind": "approval", "status": "done"}]
    assert await AuditEvent.count().where((AuditEvent.action == "ask.approve")
                                          & (AuditEvent.actor == USERNAME)) == 1

    again = await submit(http, admin, APPROVE_FORM, {"ask_id": ask["id"]}, status=422)
    assert "not held" in again


async def test_asks_cannot_be_edited_generically(http, admin, world):
    campaign = await activate(await make_campaign(world))
    await renewed(world, "notable")
    await run_campaign(campaign.id)
    ask_id = (await Ask.select(Ask.id).first())["id"]
    response = await http.patch(f"/admin/api/tables/ask/{ask_id}/", json={"status": "planned"},
                                headers=admin)
    assert response.status_code == 405
    assert "Approve held ask" in response.json()["detail"]
    assert (await Ask.select(Ask.status).first())["status"] == "held"


async def test_funnel_form_returns_a_table_with_the_campaigns_row(http, admin, world):
    campaign = await activate(await make_campaign(world))
    other = await activate(await make_campaign(world, name="Upgrades",
                                               trigger_signal="upgraded"))
    await renewed(world, "us1", "us2", "notable")
    await run_campaign(campaign.id)
    await run_campaign(other.id)

    table = await submit(http, admin, FUNNEL_FORM, {"group_by": "campaign",
                                                    "campaign_id": campaign.id})
    header, *rows = table.splitlines()
    assert header.split() == ["campaign", "selected", "sent", "clicked", "reviewed", "bounced",
                              "unsubscribed"]
    assert [row.split() for row in rows] == [
        ["Renewals", f"(#{campaign.id})", "3", "0", "0", "0", "0", "0"]]

    by_channel = await submit(http, admin, FUNNEL_FORM, {"group_by": "channel"})
    assert by_channel.splitlines()[1].split() == ["email", "3", "0", "0", "0", "0", "0"]
    empty = await submit(http, admin, FUNNEL_FORM, {"group_by": "trigger",
                                                    "campaign_id": other.id})
    assert "No asks" in empty
    error = await submit(http, admin, FUNNEL_FORM, {"group_by": "mood"}, status=422)
    assert "Group by one of" in error
