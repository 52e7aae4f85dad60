"""Reviews and tasks in the admin console, over real HTTP: the CSV import form, the review inbox
(read-only, filtered by lane and rating), improvements (status only), the task inbox with
done/undo and assignment through the domain, and the audit trail they leave."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from piccolo.apps.user.tables import BaseUser
from piccolo_api.session_auth.tables import SessionsBase

from models.access.audit import AuditEvent
from models.asking.tables import Task
from models.reviews.reviews import Improvement, Review

USERNAME = "ada"
PASSWORD = "correct-horse-battery-staple"
FIXTURES = Path(__file__).parent.parent / "fixtures" / "reviews"
IMPORT_FORM = "/admin/api/forms/import-reviews-(csv)/"
TASK_FORM = "/admin/api/forms/update-task/"
REVIEWS = "/admin/api/tables/review/"
IMPROVEMENTS = "/admin/api/tables/improvement/"
TASKS = "/admin/api/tables/task/"


@pytest.fixture
async def admin(http):
    """`http` with an admin session, created directly: Piccolo Admin allows 20 logins per client
    per 5 minutes (see tests/asking/test_admin_campaigns.py); returns the CSRF headers writes need."""
    user = await BaseUser.create_user(username=USERNAME, password=PASSWORD, admin=True,
                                      superuser=True, active=True)
    response = await http.get("/admin/")
    assert response.status_code == 200
    session = await SessionsBase.create_session(user_id=user.id)
    http.cookies.set("id", session.token)
    return {"X-CSRFToken": http.cookies["csrftoken"]}


async def submit(http, headers, form: str, data: dict, status: int = 200) -> str:
    response = await http.post(form, json=data, headers=headers)
    assert response.status_code == status, response.text
    body = response.json()
    return body["custom_form_success"] if status == 200 else body["custom_form_error"]


def encoded(name: str) -> str:
    return base64.b64encode((FIXTURES / name).read_bytes()).decode()


async def import_csv(http, headers, name: str = "capterra.csv", status: int = 200,
                     **fields) -> str:
    data = {"product_slug": "ledger", "csv_file": encoded(name), "file_format": "",
            "default_platform": "", "skip_invalid": False} | fields
    return await submit(http, headers, IMPORT_FORM, data, status)


async def rows(http, url: str, **params) -> list[dict]:
    response = await http.get(url, params=params)
    assert response.status_code == 200, response.text
    return response.json()["rows"]


async def task_id(kind: str, title_part: str) -> int:
    row = await Task.select(Task.id).where((Task.kind == kind)
                                           & Task.title.like(f"%{title_part}%")).first()
    return row["id"]


async def stored_task(task_id_: int) -> dict:
    return await Task.select(Task.status, Task.done_at, Task.assignee, Task.title).where(
        Task.id == task_id_).first()


# --- listing -----------------------------------------------------------------------------------


async def test_review_and_task_tables_and_forms_are_listed(http, admin):
    forms = {f["slug"] for f in (await http.get("/admin/api/forms/")).json()}
    assert {"import-reviews-(csv)", "update-task"} <= forms
    grouped = (await http.get("/admin/api/tables/grouped/")).json()["grouped"]
    assert {"review", "improvement"} <= set(grouped["Reviews"])
    assert set(grouped["Quotes"]) == {"quote_desk", "quote", "quote_consent"}
    assert grouped["Inbox"] == ["task"]
    form = (await http.get(f"{IMPORT_FORM}")).json()
    assert "capterra" in form["description"] and "trustradius" in form["description"]
    fields = (await http.get(f"{IMPORT_FORM}schema/")).json()["properties"]
    assert list(fields) == ["product_slug", "csv_file", "file_format", "default_platform",
                            "skip_invalid"]
    assert list((await http.get(f"{TASK_FORM}schema/")).json()["properties"]) == [
        "task_id", "action", "outcome", "assignee"]

    schema = (await http.get(f"{REVIEWS}schema/")).json()["extra"]
    assert schema["visible_column_names"] == ["id", "profile", "rating", "lane", "title",
                                              "reviewer_name", "reviewed_on", "customer",
                                              "match_confidence"]
    assert schema["visible_filter_names"] == ["profile", "lane", "rating", "reviewed_on",
                                              "incentivized"]
    assert schema["order_by"][0] == {"column": "reviewed_on", "ascending": False}
    tasks = (await http.get(f"{TASKS}schema/")).json()["extra"]
    assert tasks["visible_filter_names"] == ["kind", "status", "assignee"]
    assert tasks["order_by"] == [{"column": "id", "ascending": False}]


# --- the CSV import form ------------------------------------------------------------------------


async def test_import_form_imports_the_capterra_export_with_its_tasks(http, admin, world):
    message = await import_csv(http, admin)
    assert message == "5 new, 0 already known (capterra format)."
    reviews = await Review.select(Review.external_id, Review.lane, Review.source).order_by(
        Review.external_id)
    assert [(r["external_id"], r["lane"]) for r in reviews] == [
        ("CAP-1001", "praise"), ("CAP-1002", "praise"), ("CAP-1003", "outreach"),
        ("CAP-1004", "improve"), ("CAP-1005", "improve")]
    assert {r["source"] for r in reviews} == {"csv"}
    assert await Task.count().where(Task.kind == "thank_you") == 5
    assert await Task.count().where(Task.kind == "outreach") == 1
    assert await Task.count().where(Task.kind == "reply") == 2
    assert await Improvement.count() == 2
    assert await AuditEvent.count().where((AuditEvent.action == "reviews.import")
                                          & (AuditEvent.actor == USERNAME)) == 1

    # The CSV text itself, as a script would post it: the same reviews, recognised.
    text = (FIXTURES / "capterra.csv").read_text()
    again = await import_csv(http, admin, csv_file=text, file_format="capterra")
    assert again == "0 new, 5 already known (capterra format)."
    assert await Review.count() == 5 and await Task.count().where(Task.kind == "thank_you") == 5


async def test_a_broken_file_lists_its_lines_and_writes_nothing(http, admin, world):
    error = await import_csv(http, admin, "broken_bad_rating.csv", status=422)
    lines = error.splitlines()
    assert lines[0] == ("Nothing imported: 6 problem(s) (tick skip_invalid to import the "
                        "valid rows).")
    assert [line.split(":")[0].strip() for line in lines[1:]] == [
        "line 2", "line 3", "line 4", "line 5", "line 7", "line 8"]
    assert "line 2: original_rating: 6 is outside 0–5" in error
    assert await Review.count() == 0 and await Task.count() == 0
    assert await AuditEvent.count().where(AuditEvent.action == "reviews.import") == 0

    partial = await import_csv(http, admin, "broken_bad_rating.csv", skip_invalid=True)
    assert partial.startswith("1 new, 0 already known (capterra format). 6 problem(s), those "
                              "rows skipped:")
    assert "line 8: value_for_money" in partial
    assert await Review.select(Review.external_id) == [{"external_id": "BR-7"}]


async def test_import_form_errors_name_the_product_format_and_header(http, admin, world):
    assert "No product with slug 'nope'" in await import_csv(http, admin, product_slug="nope",
                                                             status=422)
    unknown_format = await import_csv(http, admin, file_format="yelp", status=422)
    assert "Unknown format 'yelp'" in unknown_format and "capterra" in unknown_format
    header = await import_csv(http, admin, "broken_unknown_header.csv", status=422)
    assert "line 1: row: the header matches no known review export" in header
    assert "The file is empty" in await import_csv(http, admin, csv_file=" ", status=422)
    assert await Review.count() == 0


async def test_more_than_twenty_problems_are_summed_up(http, admin, world):
    header = (FIXTURES / "capterra.csv").read_text().splitlines()[0]
    bad = "\n".join([header] + [f"X-{i},03/01/2026,,,,,,,,,,,,9,T,,,,No," for i in range(25)])
    error = await import_csv(http, admin, csv_file=bad, file_format="capterra", status=422)
    assert error.splitlines()[0].startswith("Nothing imported: 25 problem(s)")
    assert len(error.splitlines()) == 1 + 20 + 1
    assert error.splitlines()[-1].strip() == "… and 5 more."


# --- the review inbox ---------------------------------------------------------------------------


async def test_review_inbox_filters_by_lane_and_rating_band(http, admin, world):
    await import_csv(http, admin)

    improve = await rows(http, REVIEWS, lane="improve", __order="id")
    assert [(r["external_id"], r["rating"]) for r in improve] == [("CAP-1004", 2.0),
                                                                   ("CAP-1005", 1.0)]
    high = await rows(http, REVIEWS, rating=4, rating__operator="gte", __order="-rating")
    assert [r["external_id"] for r in high] == ["CAP-1001", "CAP-1002"]
    low = await rows(http, REVIEWS, rating=3, rating__operator="lt", __order="-rating")
    assert [r["external_id"] for r in low] == ["CAP-1004", "CAP-1005"]
    band = await rows(http, REVIEWS, rating=3, rating__operator="lte", lane="outreach")
    assert [r["external_id"] for r in band] == ["CAP-1003"]

    capterra = (await rows(http, REVIEWS, __page_size=1))[0]["profile"]
    newest = await rows(http, REVIEWS, profile=capterra, __order="-reviewed_on,-id",
                        __readable="true")
    assert [r["external_id"] for r in newest] == ["CAP-1002", "CAP-1001", "CAP-1004",
                                                  "CAP-1003", "CAP-1005"]


async def test_reviews_cannot_be_created_edited_or_deleted_generically(http, admin, world):
    await import_csv(http, admin)
    review = (await rows(http, REVIEWS, lane="improve", __order="id"))[0]
    url = f"{REVIEWS}{review['id']}/"

    created = await http.post(REVIEWS, json={k: v for k, v in review.items() if k != "id"}
                              | {"external_id": "forged", "rating": 5}, headers=admin)
    patched = await http.patch(url, json={"rating": 5, "lane": "praise"}, headers=admin)
    put = await http.put(url, json=review | {"rating": 5}, headers=admin)
    deleted = await http.delete(url, headers=admin)
    assert [r.status_code for r in (created, patched, put, deleted)] == [405] * 4
    assert "Import reviews (CSV)" in patched.json()["detail"]
    assert await Review.select(Review.rating, Review.lane).where(Review.id == review["id"]) == [
        {"rating": 2.0, "lane": "improve"}]
    assert await Review.count() == 5


# --- improvements ---------------------------------------------------------------------------


async def test_only_an_improvements_status_can_be_edited(http, admin, world):
    await import_csv(http, admin)
    listed = await rows(http, IMPROVEMENTS, __order="id")
    assert len(listed) == 2
    row = (await http.get(f"{IMPROVEMENTS}{listed[0]['id']}/")).json()
    url = f"{IMPROVEMENTS}{row['id']}/"

    summary = await http.patch(url, json={"summary": "Rewritten"}, headers=admin)
    assert summary.status_code == 400, summary.text
    assert "summary" in summary.json()["detail"]
    bad = await http.patch(url, json={"status": "someday"}, headers=admin)
    assert bad.status_code == 422, bad.text
    assert await AuditEvent.count().where(AuditEvent.action == "admin.improvement.update") == 0

    # The console's edit form sends the whole row back.
    whole = {k: v for k, v in row.items() if k != "id"} | {"status": "planned"}
    planned = await http.patch(url, json=whole, headers=admin)
    assert planned.status_code == 200, planned.text
    assert await Improvement.select(Improvement.status, Improvement.summary).where(
        Improvement.id == row["id"]) == [{"status": "planned", "summary": row["summary"]}]
    assert await AuditEvent.count().where((AuditEvent.action == "admin.improvement.update")
                                          & (AuditEvent.actor == USERNAME)) == 1
    assert (await rows(http, IMPROVEMENTS, status="planned"))[0]["id"] == row["id"]

    created = await http.post(IMPROVEMENTS, json=whole, headers=admin)
    deleted = await http.delete(url, headers=admin)
    assert (created.status_code, deleted.status_code) == (405, 405)
    assert await Improvement.count() == 2


# --- tasks --------------------------------------------------------------------------------------


async def test_task_form_marks_done_undoes_and_assigns(http, admin, world):
    await import_csv(http, admin)
    tid = await task_id("thank_you", "Dana Whitfield")

    done = await submit(http, admin, TASK_FORM, {"task_id": tid, "action": "done",
                                                 "assignee": "grace"})
    assert done.startswith(f"Task #{tid} 'Thank Dana Whitfield for their Capterra review' is "
                           "done since ")
    assert done.endswith("assigned to grace.")
    task = await stored_task(tid)
    assert (task["status"], task["assignee"]) == ("done", "grace")
    assert task["done_at"] is not None

    undone = await submit(http, admin, TASK_FORM, {"task_id": tid, "action": "undo",
                                                   "assignee": None})
    assert undone.endswith("is open, assigned to grace.")
    task = await stored_task(tid)
    assert (task["status"], task["done_at"], task["assignee"]) == ("open", None, "grace")

    unassigned = await submit(http, admin, TASK_FORM, {"task_id": tid, "action": "keep",
                                                       "assignee": "-"})
    assert unassigned.endswith("is open, unassigned.")

    changes = await AuditEvent.select(AuditEvent.detail).where(
        (AuditEvent.action == "task.update") & (AuditEvent.actor == USERNAME)
        & (AuditEvent.target_id == str(tid))).order_by(AuditEvent.id).output(load_json=True)
    assert [c["detail"] for c in changes] == [{"assignee": "grace"}, {"status": "open"},
                                               {"assignee": ""}]
    completed = await AuditEvent.select(AuditEvent.detail).where(
        (AuditEvent.action == "task.complete") & (AuditEvent.target_id == str(tid))).output(load_json=True)
    assert [c["detail"] for c in completed] == [{"outcome": "done"}]


async def test_task_form_refuses_unknown_tasks_actions_and_no_change(http, admin, world):
    assert "No such task" in await submit(http, admin, TASK_FORM, {"task_id": 999,
                                                                   "action": "done"}, status=422)
    await import_csv(http, admin)
    tid = await task_id("reply", "Tom Becker")
    assert "Unknown action 'close'" in await submit(http, admin, TASK_FORM,
                                                    {"task_id": tid, "action": "close"},
                                                    status=422)
    assert "Nothing to change" in await submit(http, admin, TASK_FORM,
                                               {"task_id": tid, "action": "keep",
                                                "assignee": ""}, status=422)
    assert (await stored_task(tid))["status"] == "open"
    assert await AuditEvent.count().where(AuditEvent.action == "task.update") == 0


async def test_generic_task_edits_go_through_the_domain(http, admin, world):
    await import_csv(http, admin)
    tid = await task_id("outreach", "Priya Raman")
    url = f"{TASKS}{tid}/"

    done = await http.patch(url, json={"status": "done"}, headers=admin)
    assert done.status_code == 200, done.text
    task = await stored_task(tid)
    assert task["status"] == "done" and task["done_at"] is not None
    assert done.json()["done_at"] is not None

    # The edit form sends the whole row back: the title changes, the status reopens, done_at
    # follows it whatever the form says, the assignee changes through the domain.
    row = (await http.get(url)).json()
    row.pop("id")
    row |= {"title": "Call Priya about pricing", "status": "open", "assignee": "grace",
            "done_at": "2026-01-01T00:00:00+00:00"}
    reopened = await http.patch(url, json=row, headers=admin)
    assert reopened.status_code == 200, reopened.text
    assert await stored_task(tid) == {"status": "open", "done_at": None, "assignee": "grace",
                                      "title": "Call Priya about pricing"}

    assert await AuditEvent.count().where((AuditEvent.action == "task.update")
                                          & (AuditEvent.actor == USERNAME)) == 2
    assert await AuditEvent.count().where((AuditEvent.action == "admin.task.update")
                                          & (AuditEvent.actor == USERNAME)) == 1


async def test_generic_task_edits_are_limited(http, admin, world):
    await import_csv(http, admin)
    tid = await task_id("reply", "Tom Becker")
    url = f"{TASKS}{tid}/"

    closed = await http.patch(url, json={"status": "closed"}, headers=admin)
    assert closed.status_code == 400 and "open or done" in closed.json()["detail"]
    relinked = await http.patch(url, json={"kind": "thank_you"}, headers=admin)
    assert relinked.status_code == 400 and "kind" in relinked.json()["detail"]
    blank = await http.patch(url, json={"title": " ", "status": "done"}, headers=admin)
    assert blank.status_code == 422, blank.text  # the database refuses a blank title...
    assert (await stored_task(tid))["status"] == "open"  # ...and the status stays as it was
    assert await AuditEvent.count().where(AuditEvent.target_table == "task") == 0

    created = await http.post(TASKS, json={"kind": "reply", "title": "By hand"}, headers=admin)
    put = await http.put(url, json={"status": "done"}, headers=admin)
    deleted = await http.delete(url, headers=admin)
    assert [r.status_code for r in (created, put, deleted)] == [405] * 3
    assert "Update task" in created.json()["detail"]
    assert await Task.count().where(Task.kind == "reply") == 2


async def test_task_inbox_filters_by_status_kind_and_assignee(http, admin, world):
    await import_csv(http, admin)
    first = await task_id("thank_you", "Dana Whitfield")
    second = await task_id("reply", "Tom Becker")
    await submit(http, admin, TASK_FORM, {"task_id": first, "action": "done"})
    await submit(http, admin, TASK_FORM, {"task_id": second, "action": "done",
                                          "assignee": "grace"})

    done = await rows(http, TASKS, status="done", __order="-id")
    assert [r["id"] for r in done] == [second, first]
    assert all(r["done_at"] for r in done)
    open_ = await rows(http, TASKS, status="open")
    assert len(open_) == 6 and not any(r["done_at"] for r in open_)
    assert [r["id"] for r in await rows(http, TASKS, assignee="grace")] == [second]
    replies = await rows(http, TASKS, kind="reply", status="open")
    assert [r["title"] for r in replies] == ["Reply to Anonymous's 1★ review on Capterra"]


async def test_task_form_completes_a_call_ask_with_its_outcome(http, admin, world):
    from models.asking.tables import Ask
    from tests.asking.test_tasks_api import call_asks

    await call_asks(world, "us1")
    task = await Task.objects().get(Task.kind == "call_ask")
    refused = await submit(http, admin, TASK_FORM, {"task_id": task.id, "action": "done"}, status=422)
    assert "CALL_ASK task ends as one of: ASKED, DECLINED, NOT_REACHED" in refused
    assert (await stored_task(task.id))["status"] == "open"
    done = await submit(http, admin, TASK_FORM, {"task_id": task.id, "action": "done",
                                                 "outcome": "asked", "assignee": "marie"})
    assert "is done since" in done and done.endswith("assigned to marie.")
    assert (await Ask.select(Ask.status).where(Ask.id == task.ask).first())["status"] == "sent"
    reopen = await submit(http, admin, TASK_FORM, {"task_id": task.id, "action": "undo"}, status=422)
    assert "cannot be reopened" in reopen
