"""Case studies end to end: a fair invitation, the customer's page over several visits, the story
drafted from their verbatim answers, approval of exactly that text, publication in the public
API (cached like the showcase), withdrawal at once — and every bad input and foreign token."""

import re

import pytest

from jobs.case_studies.mail import send_case_study_mail_job
from models.case_studies.tables import CaseStudy
from models.core.actors import SYSTEM
from models.core.links import make_token
from models.core.outbox import OutboxMessage
from models.people.customers import Customer
from models.people.erasure import erase_customer
from tests.console import submit
from tests.ids import gid

INVITE = """mutation($p: ID!, $n: Int!, $a: CampaignAudienceInput, $s: CampaignSamplingInput) {
  inviteToCaseStudies(productId: $p, limit: $n, audience: $a, sampling: $s) {
    run { candidates eligible selected invited skipped { reason count } } userErrors { field code } } }"""
DRAFT = """mutation($id: ID!, $i: CaseStudyDraftInput!) { draftCaseStudy(id: $id, input: $i) {
  caseStudy { id status sections { heading quote } approvedAsIs } userErrors { field code message } } }"""
PUBLISH = """mutation($id: ID!) { publishCaseStudy(id: $id) { caseStudy { status publishedAt }
  userErrors { code } } }"""
REQUESTS = """query($s: [CaseStudyStatus!]) { caseStudyRequests(status: $s) { totalCount
  nodes { id status customerId answers { number question answer } feedback selection } } }"""
PUBLIC = """query($p: ID) { caseStudies(productId: $p) { caseStudyId title company attributionName
  backlinkUrl logoUrl sections { heading body quote } } }"""
STORY = {"title": "How Globex closes its books in two days", "company": "Globex",
         "attributionName": "Ana Lopez", "attributionTitle": "CFO",
         "logoUrl": "https://cdn.globex.example/logo.png", "backlinkUrl": "https://globex.example",
         "sections": [{"heading": "Before", "body": "Globex ran its close in spreadsheets.",
                       "answerNumber": 0},
                      {"heading": "After", "answerNumber": 3}]}


@pytest.fixture
async def editor(gql, make_token):
    return gql.as_token(await make_token("case_studies:read", "case_studies:write", "showcase:read"))


async def invited(editor, world, **audience):
    body = await editor.data(INVITE, {"p": gid("Product", world["product"].id), "n": 10,
                                      "a": audience or None, "s": {"rule": "EVERYONE"}})
    return body["inviteToCaseStudies"]


async def mails_sent(smtp_sink):
    for job in await OutboxMessage.select().where(OutboxMessage.job == "send_case_study_mail").output(
            load_json=True):
        await send_case_study_mail_job(job["args"])
    return smtp_sink.messages


def link_in(message) -> str:
    return re.search(r"https?://\S+/case-study/(\S+)", message.get_content()).group(1)


async def page(http, token, **form):
    if form:
        return await http.post(f"/case-study/{token}", data=form)
    return await http.get(f"/case-study/{token}")


async def test_from_invitation_to_publication_and_withdrawal(http, editor, world, smtp_sink):
    # The world has six customers; the insider is never invited, the others are.
    invitation = await invited(editor, world, minTenureDays=30)
    assert invitation["userErrors"] == []
    run = invitation["run"]
    assert (run["candidates"], run["eligible"], run["selected"], len(run["invited"])) == (6, 6, 6, 5)
    assert run["skipped"] == [{"reason": "insider", "count": 1}]
    messages = await mails_sent(smtp_sink)
    assert len(messages) == 5 and await mails_sent(smtp_sink) == messages  # each mailed once
    [mail] = smtp_sink.to("us1@client.example")
    assert "case study" in mail["Subject"] and "link back to your site" in mail.get_content()
    token = link_in(mail)
    [french] = smtp_sink.to("fr1@client.example")
    assert french["Subject"].startswith("Aimeriez-vous")

    # Accept, answer over two visits, send.
    assert 'value="accept">Yes, I&#x27;m in' in (await page(http, token)).text
    assert "What was your team trying to achieve" in (await page(http, token, action="accept")).text
    first = await page(http, token, action="save", answer_0="We closed the books in two weeks.")
    assert "Saved." in first.text and "two weeks" in first.text
    second = await page(http, token, action="submit", answer_3="  Two days now, and no spreadsheet.  ")
    assert "We are writing your story" in second.text
    listed = (await editor.data(REQUESTS, {"s": ["ANSWERED"]}))["caseStudyRequests"]["nodes"]
    [answered] = listed
    assert [a["answer"] for a in answered["answers"]] == [
        "We closed the books in two weeks.", None, None, "Two days now, and no spreadsheet.", None]
    assert '"rule": "everyone"' in answered["selection"]

    # The editor drafts from the answers; the customer sees exactly that and asks for a change.
    drafted = (await editor.data(DRAFT, {"id": answered["id"], "i": STORY}))["draftCaseStudy"]
    assert drafted["userErrors"] == [] and drafted["caseStudy"]["status"] == "DRAFTED"
    assert drafted["caseStudy"]["sections"][1]["quote"] == "Two days now, and no spreadsheet."
    await mails_sent(smtp_sink)
    assert "for your approval" in smtp_sink.to("us1@client.example")[-1]["Subject"]
    shown = (await page(http, token)).text
    assert "How Globex closes its books in two days" in shown
    assert "“Two days now, and no spreadsheet.”" in shown
    digest = re.search(r'name="digest" value="([0-9a-f]+)"', shown).group(1)
    changes = await page(http, token, action="request_changes", digest=digest,
                         feedback="Say 'finance team'.")
    assert changes.status_code == 200
    [back] = (await editor.data(REQUESTS, {"s": ["ANSWERED"]}))["caseStudyRequests"]["nodes"]
    assert back["feedback"] == "Say 'finance team'."
    refused = (await editor.data(PUBLISH, {"id": answered["id"]}))["publishCaseStudy"]
    assert refused["userErrors"] == [{"code": "NOT_APPROVED"}]

    story = STORY | {"title": "How Globex's finance team closes in two days"}
    await editor.data(DRAFT, {"id": answered["id"], "i": story})
    stale = await page(http, token, action="approve", digest=digest)  # the old text's digest
    assert stale.status_code == 400 and "changed since this page was opened" in stale.text
    digest = re.search(r'name="digest" value="([0-9a-f]+)"', (await page(http, token)).text).group(1)
    assert (await page(http, token, action="approve", digest=digest)).status_code == 200

    published = (await editor.data(PUBLISH, {"id": answered["id"]}))["publishCaseStudy"]
    assert published["caseStudy"]["status"] == "PUBLISHED"
    public = (await editor.data(PUBLIC, {"p": gid("Product", world["product"].id)}))["caseStudies"]
    assert public == [{
        "caseStudyId": answered["id"], "title": "How Globex's finance team closes in two days",
        "company": "Globex", "attributionName": "Ana Lopez", "backlinkUrl": "https://globex.example",
        "logoUrl": "https://cdn.globex.example/logo.png",
        "sections": [{"heading": "Before", "body": "Globex ran its close in spreadsheets.",
                      "quote": "We closed the books in two weeks."},
                     {"heading": "After", "body": "", "quote": "Two days now, and no spreadsheet."}]}]
    # An edit after approval takes it down until the customer approves again.
    await editor.data(DRAFT, {"id": answered["id"], "i": story | {"company": "Globex Corp"}})
    assert (await editor.data(PUBLIC, {"p": gid("Product", world["product"].id)}))["caseStudies"] == []
    digest = re.search(r'name="digest" value="([0-9a-f]+)"', (await page(http, token)).text).group(1)
    await page(http, token, action="approve", digest=digest)
    await editor.data(PUBLISH, {"id": answered["id"]})
    assert len((await editor.data(PUBLIC, {"p": gid("Product", world["product"].id)}))["caseStudies"]) == 1

    # The customer withdraws: down at once.
    assert "withdrawn" in (await page(http, token, action="withdraw")).text
    assert (await editor.data(PUBLIC, {"p": gid("Product", world["product"].id)}))["caseStudies"] == []
    assert (await page(http, token, action="withdraw")).status_code == 400


async def test_decline_and_the_fair_selection_rules(http, editor, world, smtp_sink):
    await invited(editor, world)
    await mails_sent(smtp_sink)
    token = link_in(smtp_sink.to("us2@client.example")[0])
    assert "we will not ask again" in (await page(http, token, action="decline")).text
    assert (await page(http, token, action="accept")).status_code == 400
    # Nobody is invited twice within the cool-down, declined or not; a suppressed address never.
    again = (await invited(editor, world))["run"]
    assert again["invited"] == []
    assert {s["reason"] for s in again["skipped"]} == {"insider", "open", "cooldown"}
    sentiment = await editor(INVITE, {"p": gid("Product", world["product"].id), "n": 3,
                                      "a": {"npsScore": 9}})
    assert "npsScore" in sentiment["errors"][0]["message"]  # not even expressible
    bad = (await editor.data(INVITE, {"p": gid("Product", world["product"].id), "n": 0,
                                      "s": {"rule": "SHARE", "share": 2}}))["inviteToCaseStudies"]
    assert {e["code"] for e in bad["userErrors"]} == {"INVALID_LIMIT", "INVALID_SAMPLING"}


async def test_bad_drafts_and_answers_are_refused_whole(http, editor, world, smtp_sink):
    await invited(editor, world)
    await mails_sent(smtp_sink)
    token = link_in(smtp_sink.to("us1@client.example")[0])
    await page(http, token, action="accept")
    too_long = await page(http, token, action="save", answer_0="x" * 5001, answer_1="kept?")
    assert too_long.status_code == 400 and "longer than 5000" in too_long.text
    assert "kept?" not in (await page(http, token)).text  # nothing half-written
    empty = await page(http, token, action="submit")
    assert empty.status_code == 400 and "at least one question" in empty.text
    await page(http, token, action="submit", answer_0="We use it daily.")
    [row] = await CaseStudy.select(CaseStudy.id).where(CaseStudy.status == "answered")
    bad = (await editor.data(DRAFT, {"id": gid("CaseStudy", row["id"]), "i": STORY | {
        "backlinkUrl": "javascript:alert(1)", "logoUrl": "http://10.0.0.1/x.png\n",
        "sections": [{"heading": "After", "answerNumber": 3}], "title": " "}}))["draftCaseStudy"]
    assert {e["code"] for e in bad["userErrors"]} == {"INVALID_URL", "NO_SUCH_ANSWER", "INVALID_TITLE"}
    assert (await CaseStudy.select(CaseStudy.status).where(CaseStudy.id == row["id"]).first())["status"] == \
        "answered"
    # Forged and foreign links find nothing.
    assert (await page(http, make_token("consent", row["id"]))).status_code == 404
    assert (await page(http, f"{row['id']}.AAAAAAAAAAAAAAAAAAAAAA")).status_code == 404
    assert (await page(http, "99999999999999999999.x")).status_code == 404


async def test_other_products_and_scopes(gql, make_token, editor, world, other_product, smtp_sink):
    await invited(editor, world)
    [row] = await CaseStudy.select(CaseStudy.id).limit(1)
    other = gql.as_token(await make_token("case_studies:read", "case_studies:write", "showcase:read",
                                          product_id=other_product.id))
    assert (await other.data(REQUESTS))["caseStudyRequests"]["totalCount"] == 0
    refused = (await other.data(PUBLISH, {"id": gid("CaseStudy", row["id"])}))["publishCaseStudy"]
    assert refused["userErrors"] == [{"code": "NOT_FOUND"}]
    foreign = (await other.data(INVITE, {"p": gid("Product", world["product"].id), "n": 1}))
    assert foreign["inviteToCaseStudies"]["userErrors"] == [{"field": ["productId"], "code": "NOT_FOUND"}]
    asked = await other.data("query($p: ID) { caseStudies(productId: $p) { title } }",
                             {"p": gid("Product", world["product"].id)})
    assert asked["caseStudies"] is None
    reader = gql.as_token(await make_token("showcase:read"))
    assert (await reader(REQUESTS))["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_questions_per_locale(editor, world):
    product = gid("Product", world["product"].id)
    mutation = """mutation($p: ID!, $q: [String!]!) { setCaseStudyQuestions(productId: $p, locale: FR,
      questions: $q) { questions userErrors { code } } }"""
    done = (await editor.data(mutation, {"p": product, "q": [" Pourquoi nous ? ", "Et après ?"]}))
    assert done["setCaseStudyQuestions"] == {"questions": ["Pourquoi nous ?", "Et après ?"], "userErrors": []}
    read = await editor.data("query($p: ID!) { caseStudyQuestions(productId: $p, locale: FR) }",
                             {"p": product})
    assert read["caseStudyQuestions"] == ["Pourquoi nous ?", "Et après ?"]
    for questions, code in (([], "QUESTION_COUNT"), (["a"] * 2, "DUPLICATE_QUESTION"),
                            (["x" * 301], "INVALID_QUESTION")):
        bad = (await editor.data(mutation, {"p": product, "q": questions}))["setCaseStudyQuestions"]
        assert bad["userErrors"] == [{"code": code}]
    await invited(editor, world)
    french = await CaseStudy.select(CaseStudy.questions).where(CaseStudy.locale == "fr").first().output(
        load_json=True)
    assert french["questions"] == ["Pourquoi nous ?", "Et après ?"]


async def test_erasure_removes_the_story(editor, world, http, smtp_sink):
    await invited(editor, world)
    customer = await Customer.select(Customer.id).where(Customer.external_id == "us1").first()
    assert await CaseStudy.count().where(CaseStudy.customer == customer["id"]) == 1
    assert (await erase_customer(SYSTEM, customer["id"])).ok
    assert await CaseStudy.count().where(CaseStudy.customer == customer["id"]) == 0


async def test_the_console_invites_drafts_and_publishes(http, console, world, smtp_sink):
    done = await submit(http, console, "invite-to-case-studies", {
        "product_slug": "ledger", "limit": 2, "sampling": "everyone", "min_tenure_days": 30})
    assert done.startswith("Invited 2: 6 customers, 6 in the audience, 6 drawn (everyone); skipped: ")
    [row] = await CaseStudy.select(CaseStudy.id).order_by(CaseStudy.id).limit(1)
    early = await submit(http, console, "draft-case-study", {
        "case_study_id": row["id"], "title": "T", "sections": "[]", "company": "C",
        "backlink_url": "https://c.example"}, status=422)
    assert "once the customer has answered" in early
    broken = await submit(http, console, "draft-case-study", {
        "case_study_id": row["id"], "title": "T", "sections": "[{", "company": "C",
        "backlink_url": "https://c.example"}, status=422)
    assert "Sections are JSON" in broken
    refused = await submit(http, console, "publish-or-withdraw-case-study",
                           {"case_study_id": row["id"], "action": "publish"}, status=422)
    assert "Only a story the customer approved" in refused
    withdrawn = await submit(http, console, "publish-or-withdraw-case-study",
                             {"case_study_id": row["id"], "action": "withdraw"})
    assert withdrawn == f"Case study {row['id']} is withdrawn."


async def test_the_public_list_is_cached_and_cleared_when_a_story_leaves(app, http, editor, world,
                                                                        make_token, smtp_sink):
    import json as _json
    from urllib.parse import urlencode

    from models.case_studies import stories
    from tests.quotes.test_showcase import until

    await invited(editor, world)
    [row] = await CaseStudy.select(CaseStudy.id).where(CaseStudy.customer == (
        await Customer.select(Customer.id).where(Customer.external_id == "us1").first())["id"])
    case_id = row["id"]
    for action, form in (("accept", {}), ("submit", {"answer_0": "Two days instead of two weeks."})):
        assert (await stories.customer_action(case_id, action, form)).ok
    draft = stories.Draft("Globex", [{"heading": "", "body": "", "answer": 0}], "Globex", "", "", "",
                          "https://globex.example")
    assert (await stories.save_draft(SYSTEM, case_id, draft)).ok
    current = await CaseStudy.select(CaseStudy.content_digest).where(CaseStudy.id == case_id).first()
    assert (await stories.customer_action(case_id, "approve", {"digest": current["content_digest"]})).ok
    assert (await stories.publish(SYSTEM, case_id)).ok

    site = await make_token("showcase:read", product_id=world["product"].id)
    url = "/graphql?" + urlencode({"query": "{ caseStudies { title } }", "variables": _json.dumps({})})
    headers = {"Authorization": f"Bearer {site}", "Accept": "application/json"}
    cache = app.state.showcase_cache

    async def stored():
        size = len(cache.entries)
        await http.get(url, headers=headers)
        return len(cache.entries) > size

    assert await until(stored)
    hits = cache.hits
    assert (await http.get(url, headers=headers)).json()["data"]["caseStudies"] == [{"title": "Globex"}]
    assert cache.hits == hits + 1
    # Another customer answering does not clear it (only published stories notify); the story
    # leaving publication does.
    generation = cache.generation
    other = await CaseStudy.select(CaseStudy.id).where(CaseStudy.status == "invited").first()
    assert (await stories.customer_action(other["id"], "accept", {})).ok
    await stored_notice_window()
    assert cache.generation == generation
    assert (await stories.customer_action(case_id, "withdraw", {})).ok

    async def gone():
        return (await http.get(url, headers=headers)).json()["data"]["caseStudies"] == []

    assert await until(gone) and cache.generation > generation


async def stored_notice_window():
    """Long enough for a NOTIFY, had one been sent, to reach the listening connection."""
    import asyncio

    await asyncio.sleep(0.3)


@pytest.mark.parametrize("body,content_type,status", [
    (b"action=save&answer_0=" + b"x" * 200_000, "application/x-www-form-urlencoded", 413),
    (b"action=save&answer_0=%FF%FE%00", "application/x-www-form-urlencoded", 400),
    (b"\xff\xfe\x00garbage", "application/x-www-form-urlencoded", 400),
    (b"--x\r\nContent-Disposition: form-data; name=\"action\"\r\n\r\nsave\r\n--x--\r\n",
     "multipart/form-data; boundary=x", 200),
])
async def test_hostile_page_posts_are_clear_refusals(http, editor, world, smtp_sink, body, content_type,
                                                     status):
    await invited(editor, world)
    await mails_sent(smtp_sink)
    token = link_in(smtp_sink.to("us1@client.example")[0])
    await page(http, token, action="accept")
    response = await http.post(f"/case-study/{token}", content=body, headers={"Content-Type": content_type})
    assert response.status_code == status, response.text
    view = await page(http, token)
    assert view.status_code == 200 and "\\x00" not in view.text
