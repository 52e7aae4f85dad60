"""A partner integration's whole day, through GraphQL and HTTP alone — no admin API, no SQL.

From creating the product to the showcase: a sender, a platform profile, customers, a typed
campaign, signals; the worker plans and mails the asks (its jobs run here as the worker runs
them); a person clicks the tracked link; the review comes in; the tasks it made are assigned and
completed; a rating reading is recorded; a bounce is reported; everything is read back through
`asks`, `tasks`, `node` and `nodes`, and the showcase shows the platform's figures.
"""

import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit

from arq.worker import Worker

import settings
from jobs.outbox import Relay
from jobs.worker import worker_settings
from tests.asking.fixtures import EN
from tests.ids import row_id

BROWSER = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Safari/605.1.15"


async def run_the_worker(redis):
    """What `plaudit worker` does on its crons: campaign runs, then due touches, then the jobs."""
    from jobs.asking.asks import dispatch_touches
    from jobs.asking.campaigns import run_active_campaigns

    async def startup(ctx):
        ctx["relay"] = Relay(ctx["redis"], settings.SETTINGS.queue_name)

    worker = Worker(**worker_settings(burst=True, handle_signals=False, on_startup=startup,
                                      on_shutdown=None, cron_jobs=[]))
    try:
        await worker.run_check()  # the activation's run, handed over at commit
        await run_active_campaigns({"redis": redis})
        await dispatch_touches({"redis": redis})
        await worker.run_check()
    finally:
        await worker.close()


def one(payload: dict, name: str) -> dict:
    result = payload[name]
    assert result.get("userErrors", []) == [], result["userErrors"]
    return result


async def test_a_partner_drives_the_whole_flow_over_graphql_and_http(gql, http, make_token, smtp_sink,
                                                                       redis):
    admin = gql.as_token(await make_token("admin"))
    product = one(await admin.data(
        'mutation { createProduct(input: {slug: "flow", name: "Flow"}) { product { id } '
        "userErrors { code } } }"), "createProduct")["product"]["id"]
    g2 = (await admin.data('{ reviewPlatforms(key: "g2") { nodes { id } } }'))["reviewPlatforms"]["nodes"][0]
    profile = one(await admin.data(
        """mutation($i: PlatformProfileInput!) { createPlatformProfile(input: $i) { profile { id }
           userErrors { code } } }""",
        {"i": {"productId": product, "platformId": g2["id"], "profileUrl": "https://g2.example/p/flow",
               "reviewUrl": "https://g2.example/p/flow/review"}}), "createPlatformProfile")["profile"]["id"]
    sender = one(await admin.data(
        """mutation($p: ID) { createSender(productId: $p, input: {name: "Marie Dupont",
           title: "Head of Customer Success", email: "marie@flow.example"}) { sender { id }
           userErrors { code } } }""", {"p": product}), "createSender")["sender"]["id"]
    customers = one(await admin.data(
        """mutation($p: ID, $c: [CustomerInput!]!) { upsertCustomers(productId: $p, customers: $c) {
           results { externalId customerId } userErrors { code } } }""",
        {"p": product, "c": [{"externalId": ext, "email": f"{ext}@client.example", "firstName": name,
                              "locale": "EN", "timeZone": "UTC", "country": "US",
                              "customerSince": "2024-01-15"}
                             for ext, name in (("ann", "Ann"), ("bob", "Bob"))]}), "upsertCustomers")
    ids = {r["externalId"]: r["customerId"] for r in customers["results"]}

    campaign = one(await admin.data(
        """mutation($i: CampaignInput!) { createCampaign(input: $i) { campaign { id status }
           userErrors { code field message } } }""",
        {"i": {"productId": product, "name": "Renewals", "triggerKind": "SIGNAL",
               "triggerSignal": "RENEWED", "channel": "EMAIL", "senderId": sender,
               "templates": [{"locale": "EN", **EN}],
               "routing": {"strategy": "FIXED", "fixed": "g2"},
               "pacing": {"businessHoursStart": 0, "businessHoursEnd": 24, "jitterMinutes": 0,
                          "maxPerHour": 3600, "maxPerDay": 10000,
                          "businessDays": ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY",
                                           "SATURDAY", "SUNDAY"]}}}), "createCampaign")["campaign"]
    activated = one(await admin.data(
        "mutation($id: ID!) { activateCampaign(id: $id) { campaign { status } userErrors { code } } }",
        {"id": campaign["id"]}), "activateCampaign")
    assert activated["campaign"]["status"] == "ACTIVE"
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    signals = one(await admin.data(
        """mutation($p: ID, $s: [SignalInput!]!) { recordSignals(productId: $p, signals: $s) {
           createdCount results { signalId } userErrors { code } } }""",
        {"p": product, "s": [{"source": "billing", "eventId": f"inv-{ext}", "customerExternalId": ext,
                              "kind": "RENEWED", "occurredAt": now.isoformat()} for ext in ids]}),
        "recordSignals")
    assert signals["createdCount"] == 2

    await run_the_worker(redis)
    assert sorted(m["To"].addresses[0].addr_spec for m in smtp_sink.messages) == [
        "ann@client.example", "bob@client.example"]
    ann_mail = smtp_sink.to("ann@")[0]
    link = re.search(r"https?://[^/\s]+(/r/[^\s>\"]+)", ann_mail.get_body(("plain",)).get_content())
    clicked = await http.get(link.group(1), headers={"User-Agent": BROWSER})
    assert clicked.status_code in (302, 303, 307)
    # G2 attributes campaign reviews by UTM parameters: the ask's token rides in utm_content.
    location = urlsplit(clicked.headers["location"])
    assert location._replace(query="").geturl() == "https://g2.example/p/flow/review"
    assert parse_qs(location.query) == {"utm_source": ["plaudit"], "utm_medium": ["review_ask"],
                                        "utm_campaign": [f"plaudit-{row_id(campaign['id'])}"],
                                        "utm_content": [link.group(1).rsplit("/", 1)[1]]}

    asks_query = """query($f: AskFilter) { asks(filter: $f) { totalCount nodes { id status channel
        platformKey routingReason customerId signalId signal { kind }
        touches { id sequence status sentAt messageId failureReason } clicks { counted reason } } } }"""
    asks = (await admin.data(asks_query, {"f": {"campaignId": campaign["id"]}}))["asks"]
    assert asks["totalCount"] == 2
    by_customer = {a["customerId"]: a for a in asks["nodes"]}
    ann, bob = by_customer[ids["ann"]], by_customer[ids["bob"]]
    assert (ann["status"], bob["status"]) == ("CLICKED", "SENT")
    assert ann["platformKey"] == "g2" and "g2" in ann["routingReason"].lower()
    assert ann["signal"] == {"kind": "RENEWED"} and ann["signalId"] in {
        r["signalId"] for r in signals["results"]}
    first = ann["touches"][0]
    assert (first["sequence"], first["status"]) == (0, "SENT") and first["sentAt"].endswith("Z")
    assert first["messageId"] == ann_mail["Message-ID"]
    assert ann["clicks"] == [{"counted": True, "reason": ""}]

    reviewed = one(await admin.data(
        """mutation($p: ID, $r: [ReviewInput!]!) { importReviews(productId: $p, reviews: $r) {
           results { reviewId status } userErrors { code } } }""",
        {"p": product, "r": [{"platform": "g2", "externalId": "g2-ann", "rating": 3,
                              "reviewedOn": dt.date.today().isoformat(), "reviewerName": "Ann",
                              "reviewerEmail": "ann@client.example", "pros": "Easy to set up.",
                              "cons": "The reports are slow."}]}), "importReviews")
    review = reviewed["results"][0]["reviewId"]
    ann_now = (await admin.data(asks_query, {"f": {"customerId": ids["ann"]}}))["asks"]["nodes"][0]
    assert ann_now["status"] == "REVIEWED"

    tasks = (await admin.data("""query($f: TaskFilter) { tasks(filter: $f) { totalCount
        nodes { id kind status reviewId } } }""", {"f": {"productId": product}}))["tasks"]
    kinds = {t["kind"]: t for t in tasks["nodes"]}
    assert {"OUTREACH", "THANK_YOU"} <= set(kinds) and kinds["OUTREACH"]["reviewId"] == review
    outreach = kinds["OUTREACH"]["id"]
    one(await admin.data('mutation($id: ID!) { assignTask(id: $id, assignee: "Marie") { task { id } '
                         "userErrors { code } } }", {"id": outreach}), "assignTask")
    done = one(await admin.data("""mutation($id: ID!) { completeTask(id: $id, outcome: DONE) {
        task { status assignee } userErrors { code } } }""", {"id": outreach}), "completeTask")
    assert done["task"] == {"status": "DONE", "assignee": "Marie"}

    reading = one(await admin.data(
        """mutation($p: ID!) { recordRatingReading(profileId: $p, average: 4.6, reviewCount: 120) {
           reading { id average } userErrors { code } } }""", {"p": profile}), "recordRatingReading")
    readings = await admin.data("query($p: ID!) { ratingReadings(profileId: $p) { totalCount } }",
                                {"p": profile})
    assert readings["ratingReadings"]["totalCount"] == 1

    bounced = one(await admin.data(
        """mutation($p: ID) { suppressAddress(email: "bob@client.example", reason: BOUNCE, productId: $p) {
           customerIds asksClosed userErrors { code } } }""", {"p": product}), "suppressAddress")
    assert bounced["customerIds"] == [ids["bob"]] and bounced["asksClosed"] == 1
    bob_now = (await admin.data(asks_query, {"f": {"customerId": ids["bob"]}}))["asks"]["nodes"][0]
    assert bob_now["status"] != "SENT"
    assert all(t["status"] != "SCHEDULED" for t in bob_now["touches"])

    # Every id the partner now holds can be fetched back, typed.
    held = {"Product": product, "PlatformProfile": profile, "Sender": sender, "Customer": ids["ann"],
            "Campaign": campaign["id"], "Ask": ann["id"], "AskTouch": first["id"], "Task": outreach,
            "Review": review, "RatingReading": reading["reading"]["id"],
            "Signal": ann["signalId"], "ReviewPlatform": g2["id"]}
    fetched = (await admin.data("query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }",
                                {"ids": list(held.values())}))["nodes"]
    assert [(n["__typename"], n["id"]) for n in fetched] == list(held.items())

    # The public showcase of this product shows the platform's own figures.
    site = one(await admin.data(
        """mutation($p: ID) { createApiToken(name: "site", scopes: ["showcase:read"], productId: $p) {
           secret userErrors { code } } }""", {"p": product}), "createApiToken")["secret"]
    showcase = (await gql.as_token(site).data(
        "{ showcase(placement: HOME_PAGE, page: HOME) { productId "
        "platforms { key averageRating reviewCount } } }"))
    assert showcase["showcase"]["productId"] == product
    assert showcase["showcase"]["platforms"] == [{"key": "g2", "averageRating": 4.6, "reviewCount": 120}]
    assert row_id(product) > 0
