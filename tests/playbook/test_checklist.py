"""The guide's checklist, computed: each check moves with the product's real data — listings and
their completeness, campaign triggers, senders, the linter's findings, quotes live per placement,
improvement records — and product limits apply."""

from models.asking.tables import Campaign
from models.catalogue.listings import record_listing_check
from models.catalogue.platforms import LISTING_ITEMS, PlatformProfile
from models.core.actors import SYSTEM
from models.people.senders import Sender
from models.quotes.consent import decide_consent
from models.quotes.quotes import approve_quote
from models.reviews.reviews import Improvement
from tests.asking.fixtures import activate, make_campaign
from tests.console import submit
from tests.ids import gid
from tests.quotes.fixtures import EDITOR
from tests.reviews.test_reviews_in import MIXED, imported

CHECKLIST = """query($p: ID!) { playbookChecklist(productId: $p) { doneCount
  checks { key title status evidence nextStep } } }"""


async def checklist(client, product_id):
    body = (await client.data(CHECKLIST, {"p": gid("Product", product_id)}))["playbookChecklist"]
    return body, {c["key"]: c for c in body["checks"]}


async def test_a_new_product_has_everything_to_do(gql, make_token, product):
    client = gql.as_token(await make_token("products:read"))
    body, checks = await checklist(client, product.id)
    assert list(checks) == ["LISTED", "PROFILES_COMPLETE", "RIGHT_MOMENT", "NAMED_SENDER", "SHORT_MESSAGE",
                            "REASON", "THANKS", "EASY_PROCESS", "REVIEWS_IN_USE", "NEGATIVES_IMPROVE"]
    assert {k: c["status"] for k, c in checks.items()} == {
        **{k: "TODO" for k in checks}, "NEGATIVES_IMPROVE": "DONE"}
    assert checks["LISTED"]["evidence"] == ["Listed on 0 of 8 platforms: none."]
    assert checks["LISTED"]["nextStep"] == "List the product on Capterra, GetApp, Software Advice (free)."
    assert checks["NEGATIVES_IMPROVE"]["nextStep"] is None and body["doneCount"] == 1


async def test_each_check_follows_the_data(gql, make_token, world, candidate):
    client = gql.as_token(await make_token("products:read", "reviews:write", "reviews:read"))
    pid = world["product"].id
    renewals = await activate(await make_campaign(world))
    _, checks = await checklist(client, pid)
    assert checks["LISTED"]["status"] == "DONE" and checks["PROFILES_COMPLETE"]["status"] == "TODO"
    assert checks["RIGHT_MOMENT"]["status"] == "DONE"
    assert checks["RIGHT_MOMENT"]["evidence"] == ["Renewals: renewal"]
    assert checks["NAMED_SENDER"] | {"title": None} == {
        "key": "NAMED_SENDER", "title": None, "status": "PARTLY",
        "evidence": ["Renewals: Camille Martin, CEO — no photo"],
        "nextStep": "Give every sender a name, a title and a photo."}
    for key in ("SHORT_MESSAGE", "REASON", "THANKS", "EASY_PROCESS"):
        assert checks[key]["status"] == "DONE", checks[key]
    assert checks["REVIEWS_IN_USE"]["status"] == "TODO"

    # An older one-off blast, activated before the linter's rules: no reason, no thanks.
    blast = await make_campaign(world, name="Spring blast", trigger_kind="one_off", trigger_signal=None,
                                templates={"en": {"subject": "Review us on {{ platform }}",
                                                  "body": "Hi {{ first_name }}, review us: "
                                                          "{{ review_link }}\n{{ sender_name }}"}})
    await Campaign.update({Campaign.status: "active"}).where(Campaign.id == blast.id)
    _, checks = await checklist(client, pid)
    assert checks["RIGHT_MOMENT"]["status"] == "PARTLY"
    assert "Spring blast: a one-off send to everyone at once" in checks["RIGHT_MOMENT"]["evidence"]
    assert checks["REASON"]["status"] == "PARTLY" and checks["THANKS"]["status"] == "PARTLY"
    assert checks["REASON"]["evidence"][0].startswith("Spring blast: Say why the review matters")
    assert renewals.id != blast.id

    # Complete profiles, a photo: done.
    for profile in await PlatformProfile.select(PlatformProfile.id, PlatformProfile.platform.profile_fields
                                                .as_alias("fields")):
        outcome = await record_listing_check(SYSTEM, profile["id"], list(profile["fields"] or LISTING_ITEMS))
        assert outcome.ok, outcome.errors
    await Sender.update({Sender.photo_url: "https://cdn.acme.example/camille.jpg"}).where(
        Sender.id == world["sender"].id)
    _, checks = await checklist(client, pid)
    assert checks["PROFILES_COMPLETE"]["status"] == "DONE" and checks["NAMED_SENDER"]["status"] == "DONE"

    # A 1★ review opens an improvement record: to do until it is planned.
    await imported(client, world, MIXED)
    _, checks = await checklist(client, pid)
    assert checks["NEGATIVES_IMPROVE"]["status"] == "TODO"
    assert checks["NEGATIVES_IMPROVE"]["evidence"] == [
        "1 improvement records from 1–2★ reviews: 1 open, 0 planned, 0 done, 0 declined."]
    await Improvement.update({Improvement.status: "planned"}, force=True)
    # A quote live on the product page and in ads: reviews in use.
    assert (await approve_quote(EDITOR, candidate.id, ["product_page", "ad"])).ok
    await decide_consent(candidate.id, {"product_page": True, "ad": True})
    body, checks = await checklist(client, pid)
    assert checks["NEGATIVES_IMPROVE"]["status"] == "DONE" and checks["REVIEWS_IN_USE"]["status"] == "DONE"
    assert checks["REVIEWS_IN_USE"]["evidence"] == [
        "Live quotes — product page 1, home page 0, emails 0, ads 1, social 0."]
    assert body["doneCount"] == 7


async def test_product_limits_and_query_count(gql, make_token, world, other_product, count_queries):
    await activate(await make_campaign(world))
    await activate(await make_campaign(world, name="Upgrades", trigger_signal="upgraded"))
    other = gql.as_token(await make_token("products:read", product_id=other_product.id))
    foreign = await other.data(CHECKLIST, {"p": gid("Product", world["product"].id)})
    assert foreign["playbookChecklist"] is None
    client = gql.as_token(await make_token("products:read"))
    await checklist(client, world["product"].id)
    count_queries["n"] = 0
    await checklist(client, world["product"].id)
    # Token, product, listings, campaigns, senders (one query for all), clicks, quotes, improvements.
    assert count_queries["n"] <= 8, count_queries["sql"]


async def test_the_console_shows_it_as_the_products_home(http, console, world):
    await activate(await make_campaign(world))
    home = await submit(http, console, "product-home", {"product_slug": "ledger"})
    first, *rest = home.splitlines()
    assert first == "7 of 10 checks done."
    assert rest[0].startswith("✓ 1. Get listed on the main software review sites — Listed on 8 of 8")
    assert any(line.startswith("✗ 2. Complete each profile") for line in rest)
    assert "Listed on 8 of 8 platforms; no profile checked yet." in home
