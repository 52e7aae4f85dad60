"""SQL-count guards: every list field costs the same number of queries for 2 rows as for 20.

DataLoaders batch nested lookups per request; a field that falls back to one query
per row (N+1) makes the larger page cost more and fails here.
"""

import datetime as dt

import pytest

from api.graphql.schema import schema
from models.access.tokens import create_token
from models.asking.tables import Ask, AskClick, AskTouch, Campaign, SelectionRun, Task
from models.case_studies.tables import CaseStudy
from models.catalogue.platforms import PlatformProfile, ReviewPlatform
from models.catalogue.products import Product
from models.catalogue.readings import record_rating_reading
from models.core.actors import SYSTEM
from models.people.customers import Customer, upsert_customers
from models.people.senders import save_sender
from models.people.signals import Signal, record_signals
from models.quotes.tables import Quote, QuoteConsent
from models.reviews.reviews import Improvement, Review
from models.team.tables import ShoutOut, TeamMember
from tests.ids import gid

# Each root list field, queried with every nested field that reaches other rows.
LIST_QUERIES = {
    "customers": "customers(first: $n) { nodes { id product { slug } signals(last: 3) { id kind } } }",
    "signals": "signals(first: $n) { nodes { id customer { email } } }",
    "products": "products(first: $n) { nodes { id slug } }",
    "reviewPlatforms": "reviewPlatforms(first: $n) { nodes { id key } }",
    "platformProfiles": "platformProfiles(first: $n) { nodes { id platform { key } product { slug } "
                        "latestRating { average } } }",
    "senders": "senders(first: $n) { nodes { id email } }",
    "apiTokens": "apiTokens(first: $n) { nodes { id prefix } }",
    "campaigns": "campaigns(first: $n) { nodes { id name productId } }",
    "selectionRuns": f'selectionRuns(campaignId: "{gid("Campaign", 1)}", first: $n) '
                     "{ nodes { id skipped { reason count } sampling { rule seed } "
                     "rules { cooldownDays } } }",
    "reviews": "reviews(first: $n) { nodes { id platformKey rating lane customerId } }",
    "quotes": "quotes(first: $n) { nodes { id status productId consents { placement state } } }",
    "ratingReadings": f'ratingReadings(profileId: "{gid("PlatformProfile", 1)}", first: $n) '
                      "{ nodes { id takenOn average profileId } }",
    "asks": "asks(first: $n) { nodes { id status channel platformKey customer { email } "
            "signal { kind } touches { sequence status messageId } clicks { counted reason } } }",
    "events": "events(first: $n) { nodes { id type occurredAt askId customerId channel } }",
    "improvements": "improvements(first: $n) { nodes { id status themes review { rating lane } } }",
    "tasks": "tasks(first: $n) { nodes { id kind status outcome productId customerId askId } }",
    "integrations": "integrations(first: $n) { nodes { id provider productId lastEventAt } }",
    "integrationEvents": f'integrationEvents(integrationId: "{gid("Integration", 1)}", first: $n) '
                         "{ nodes { providerEvent outcome signalId } }",
    "webhookEndpoints": "webhookEndpoints(first: $n) { nodes { id url eventTypes productId } }",
    "webhookDeliveries": f'webhookDeliveries(endpointId: "{gid("WebhookEndpoint", 1)}", first: $n) '
                         "{ nodes { id status eventId attemptLog { statusCode latencyMs } } }",
    "teamMembers": "teamMembers(first: $n) { nodes { id name aliases productId senderId } }",
    "shoutOuts": "shoutOuts(first: $n) { nodes { id polarity words reviewId member { name } } }",
    "trustedDocuments": "trustedDocuments(first: $n) { nodes { sha256Hash name document } }",
    "caseStudyRequests": "caseStudyRequests(first: $n) { nodes { id status customerId "
                         "answers { question answer } sections { quote } } }",
}
# List fields whose length does not come from a page size: their cost is fixed.
FIXED_LIST_QUERIES = {
    "campaignLint": (f'campaignLint(id: "{gid("Campaign", 1)}") {{ rule locale }}', 3),
    "campaignFunnel": ("campaignFunnel(groupBy: PLATFORM) { key selected }", 2),
    "caseStudies": (f'caseStudies(productId: "{gid("Product", 1)}", limit: 50) '
                    "{ title sections { heading quote } }", 2),
    "caseStudyQuestions": (f'caseStudyQuestions(productId: "{gid("Product", 1)}", locale: EN)', 3),
    "shoutOutCounts": (f'shoutOutCounts(productId: "{gid("Product", 1)}", since: "2020-01-01", '
                       'until: "2022-12-31") { month memberName positive }', 2),
    "reviewThemes": (f'reviewThemes(productId: "{gid("Product", 1)}") {{ month theme reviews }}', 2),
    "ratingsByMonth": (f'ratingsByMonth(profileId: "{gid("PlatformProfile", 1)}") {{ month average }}', 3),
    "inAppAsks": (f'inAppAsks(customerExternalId: "c1", productId: "{gid("Product", 1)}") '
                  "{ askId link }", 2),
    # 20 customers and 5 quotes with nested rows: one query per type, one per nested loader.
    "nodes": ("nodes(ids: [" + ", ".join([f'"{gid("Customer", i)}"' for i in range(1, 21)]
                                        + [f'"{gid("Quote", i)}"' for i in range(1, 6)])
              + "]) { id ... on Customer { product { slug } } ... on Quote { consents { state } } }", 5),
}
# Token lookup + the page + one batch per distinct nested loader.
MAX_QUERIES = {"asks": 6, "improvements": 3, "customers": 4, "signals": 3, "platformProfiles": 5,
               "selectionRuns": 3,
               "quotes": 3, "ratingReadings": 3, "webhookDeliveries": 4,
               "integrationEvents": 3, "shoutOuts": 4}


def test_every_list_field_has_a_guard():
    from graphql import get_named_type, get_nullable_type, is_list_type

    fields = schema._schema.query_type.fields
    connection_roots = {name for name, field in fields.items()
                        if get_named_type(field.type).name.endswith("Connection")}
    plain_lists = {name for name, field in fields.items()
                   if is_list_type(get_nullable_type(field.type))}
    assert connection_roots == set(LIST_QUERIES)
    assert plain_lists == set(FIXED_LIST_QUERIES)


@pytest.fixture
async def many_rows():
    """At least 20 rows behind every list field."""
    today = dt.date.today()
    platform_ids = [r["id"] for r in await ReviewPlatform.select(ReviewPlatform.id)]
    for i in range(13):  # 8 seeded + 13 = 21 platforms
        await ReviewPlatform.insert(ReviewPlatform(key=f"extra_{i}", name=f"Extra {i}",
                                                   rating_scale=5, review_pool=f"extra_{i}"))
    for p in range(21):
        product = Product(slug=f"product-{p}", name=f"Product {p}")
        await product.save()
        profile = PlatformProfile(product=product.id, platform=platform_ids[p % 8],
                                  profile_url="https://x.example", review_url="https://x.example/w")
        await profile.save()
        await record_rating_reading(SYSTEM, profile.id, today, 4.2, 10)
        if p == 0:  # a history of 21 readings for profile 1
            for days in range(1, 21):
                await record_rating_reading(SYSTEM, profile.id, today - dt.timedelta(days=days), 4.1, 9)
        await save_sender(SYSTEM, None, {"name": f"Sender {p}", "email": f"s{p}@acme.example"})
        await create_token(SYSTEM, f"token {p}", ["customers:read"])
        campaign = Campaign(product=product.id, name=f"Campaign {p}", trigger_signal="renewed",
                            templates={"en": {"subject": "Review us?", "body": "{{ review_link }}"}})
        await campaign.save()
        await SelectionRun.insert(SelectionRun(campaign=1, trigger="signal:renewed"))
        review = Review(profile=profile.id, external_id=f"r{p}", rating=1.0, original_rating=1.0,
                        original_scale=5, reviewed_on=today, lane="improve")
        await review.save()
        await Improvement.insert(Improvement(review=review.id, product=product.id,
                                             themes=["reporting"], summary="Slow reports."))
        member = TeamMember(product=product.id, name=f"Member {p}", email=f"m{p}@acme.example")
        await member.save()
        await ShoutOut.insert(ShoutOut(product=product.id, member=member.id, source="review",
                                       review=review.id, words="Member was great.", polarity="positive",
                                       routed_to="member"))
        await Task.insert(Task(kind="outreach", title=f"Reach out {p}"))
        quote = Quote(product=product.id, source="praise", text=f"Great product number {p}.")
        await quote.save()
        await QuoteConsent.insert(QuoteConsent(quote=quote.id, placement="home_page"),
                                  QuoteConsent(quote=quote.id, placement="social"))
        if p < 2:
            await upsert_customers(SYSTEM, product.id, [
                {"external_id": f"c{i}", "email": f"c{i}@x.example"} for i in range(12)])
            await record_signals(SYSTEM, product.id, [
                {"source": "crm", "event_id": f"{p}-{i}", "customer_external_id": f"c{i % 12}",
                 "kind": "renewed", "occurred_at": dt.datetime.now(dt.UTC) - dt.timedelta(hours=i)}
                for i in range(48)])
    now = dt.datetime.now(dt.UTC)
    from models.events.events import record_events
    from models.events.tables import WebhookAttempt, WebhookDelivery, WebhookEndpoint
    from models.integrations.tables import Integration, IntegrationEvent

    for p in range(1, 22):
        await Integration.insert(Integration(product=p, provider="stripe", signing_secret="whsec_secret"))
        await IntegrationEvent.insert(IntegrationEvent(integration=1, provider_event_id=f"evt_{p}",
                                                       event_type="invoice.paid", outcome="ignored"))
        await WebhookEndpoint.insert(WebhookEndpoint(product=p, url=f"https://hooks.example/{p}",
                                                     event_types=["ask.sent"], secret="whsec_x"))
    for i in range(21):
        delivery = WebhookDelivery(endpoint=1, message_id=f"test_{i}", event_type="webhook.test",
                                   body="{}")
        await delivery.save()
        await WebhookAttempt.insert(WebhookAttempt(delivery=delivery.id, status_code=500),
                                    WebhookAttempt(delivery=delivery.id, status_code=200))

    from models.access.trusted_documents import TrustedDocument, sha256_of

    for i in range(21):
        text = f"{{ reviewPlatforms(first: {i + 1}) {{ nodes {{ key }} }} }}"
        await TrustedDocument.insert(TrustedDocument(sha256=sha256_of(text), document=text))
    for customer in await Customer.select(Customer.id, Customer.product):
        await CaseStudy.insert(CaseStudy(
            product=customer["product"], customer=customer["id"], status="published",
            questions=["Why?"], answers={"0": "Because."}, title="A story", company="Globex",
            sections=[{"heading": "Why", "body": "", "answer": 0}], content_digest="d",
            approved_digest="d", backlink_url="https://globex.example", published_at=now))
    await record_events("ask.sent", [(1, {"ask": i, "customer": i, "channel": "email"})
                                     for i in range(1, 25)])
    for customer in await Customer.select(Customer.id, Customer.product):  # 24 asks
        signal = await Signal.select(Signal.id).where(Signal.customer == customer["id"]).first()
        ask = Ask(campaign=customer["product"], customer=customer["id"], profile=customer["product"],
                  channel="email", status="sent", planned_at=now, signal=signal["id"])
        await ask.save()
        for seq in (0, 1):
            touch = AskTouch(ask=ask.id, seq=seq, message_id=f"m{ask.id}-{seq}@x.example",
                             status="sent", scheduled_at=now)
            await touch.save()
            await AskClick.insert(AskClick(touch=touch.id, method="GET", human=seq == 0,
                                           reason="" if seq == 0 else "scanner"))


@pytest.mark.parametrize("field", sorted(LIST_QUERIES))
async def test_list_field_query_count_does_not_grow_with_the_page(field, many_rows, gql,
                                                                  make_token, count_queries):
    client = gql.as_token(await make_token("admin"))
    query = "query($n: Int) { " + LIST_QUERIES[field] + " }"
    await client.data(query, {"n": 1})  # first use of the token writes last_used_at
    costs = {}
    for size in (2, 20):
        count_queries["n"] = 0
        data = await client.data(query, {"n": size})
        assert len(data[field]["nodes"]) == size
        costs[size] = count_queries["n"]
    assert costs[2] == costs[20], count_queries["sql"]
    assert costs[20] <= MAX_QUERIES.get(field, 2), count_queries["sql"]


@pytest.mark.parametrize("field", sorted(FIXED_LIST_QUERIES))
async def test_plain_list_fields_cost_a_fixed_number_of_queries(field, many_rows, gql, make_token,
                                                                count_queries):
    client = gql.as_token(await make_token("admin"))
    query, bound = FIXED_LIST_QUERIES[field]
    await client.data("{ " + query + " }")
    count_queries["n"] = 0
    await client.data("{ " + query + " }")
    assert count_queries["n"] <= bound, count_queries["sql"]
