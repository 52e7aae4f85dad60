"""The public showcase over HTTP: scope, product limits, nothing unconsented, the platforms' own
figures, and the cache (hits, ETag/304, invalidation on every kind of change, per token)."""

import asyncio
import io
import json
from urllib.parse import urlencode

import pytest
from PIL import Image

from models.access.tokens import revoke_token
from models.catalogue.readings import record_rating_reading
from models.core.actors import SYSTEM
from models.quotes.consent import decide_consent, revoke_consent
from models.quotes.quotes import approve_quote, edit_quote
from models.quotes.tables import Quote
from tests.ids import gid
from tests.quotes.fixtures import EDITOR

SHOWCASE = """query($p: Placement!) { showcase(placement: $p, page: HOME) {
  productName label placement
  platforms { key averageRating reviewCount profileUrl asOf }
  quotes { quoteId text rating platformName sourceUrl disclosures imageUrl
           attribution { name title company photoUrl } } } }"""


def url(placement="HOME_PAGE", query=SHOWCASE):
    return "/graphql?" + urlencode({"query": query, "variables": json.dumps({"p": placement})})


@pytest.fixture
async def site_token(make_token, world):
    return await make_token("showcase:read", product_id=world["product"].id)


def bearer(token):
    return {"Authorization": f"Bearer {token}", "Accept": "application/json"}


async def live(quote_id, placements=("home_page",)):
    outcome = await approve_quote(EDITOR, quote_id, list(placements))
    assert outcome.ok, outcome.errors
    await decide_consent(quote_id, {p: True for p in placements})


async def until(predicate, seconds=3.0):
    """Waits for a NOTIFY to reach the cache (delivered when the writer commits)."""
    for _ in range(int(seconds / 0.02)):
        if await predicate():
            return True
        await asyncio.sleep(0.02)
    return False


async def fetch(http, token, placement="HOME_PAGE", **headers):
    return await http.get(url(placement), headers={**bearer(token), **headers})


async def warm(app, http, token):
    """The first response is stored unless a notice (from the test's own earlier writes) arrived
    while it was computed; ask until it is stored."""
    cache = app.state.showcase_cache

    for _ in range(100):
        size = len(cache.entries)
        response = await fetch(http, token)
        if len(cache.entries) > size:
            return response
        await asyncio.sleep(0.02)
    raise AssertionError("the showcase response was never stored")


async def test_only_published_consented_quotes_and_the_platforms_own_figures(http, site_token, world,
                                                                               candidate, rated):
    quotes = await Quote.objects().order_by(Quote.id)
    await live(candidate.id)
    await approve_quote(EDITOR, quotes[1].id)  # approved, consent pending: not shown
    body = (await fetch(http, site_token)).json()["data"]["showcase"]
    assert body["label"].startswith("Selected testimonials")
    assert [q["quoteId"] for q in body["quotes"]] == [gid("Quote", candidate.id)]
    quote = body["quotes"][0]
    assert quote["text"] == candidate.text and quote["rating"] == 5 and quote["platformName"] == "Capterra"
    assert quote["sourceUrl"] == "https://capterra.example/reviews/cap-1"
    assert quote["attribution"] == {"name": "Ana Lopez", "title": "CFO", "company": "Globex",
                                    "photoUrl": None}
    assert quote["imageUrl"] is None  # live on the home page only: its card is not public
    home_only = await http.get(f"/showcase/quotes/{candidate.id}/card.png")
    assert home_only.status_code == 404  # consent to the home page is not consent to posts and ads
    # The platform's own newest figures — not an average of the one review we imported.
    assert [(p["key"], p["averageRating"], p["reviewCount"]) for p in body["platforms"]] == [
        ("capterra", 4.7, 212), ("g2", 4.5, 40)]
    other = (await fetch(http, site_token, "PRODUCT_PAGE")).json()["data"]["showcase"]
    assert other["quotes"] == []


PAGE_SHOWCASE = """query($page: ShowcasePage!) { showcase(placement: HOME_PAGE, page: $page) {
  page outboundLinks outboundLinksReason platforms { key averageRating profileUrl }
  quotes { text sourceUrl platformName } } }"""


@pytest.mark.parametrize("page,links", [("HOME", True), ("PRODUCT", True), ("FEATURE", True),
                                        ("PRICING", False), ("SIGNUP", False), ("LANDING", False)])
async def test_conversion_pages_get_the_quotes_but_no_link_out(gql, site_token, candidate, rated, page,
                                                               links):
    await live(candidate.id)
    body = (await gql.as_token(site_token).data(PAGE_SHOWCASE, {"page": page}))["showcase"]
    assert body["page"] == page and body["outboundLinks"] is links
    # The words and the platforms' own figures show on every page.
    assert [q["text"] for q in body["quotes"]] == [candidate.text]
    assert [(p["key"], p["averageRating"]) for p in body["platforms"]] == [("capterra", 4.7), ("g2", 4.5)]
    urls = [p["profileUrl"] for p in body["platforms"]] + [q["sourceUrl"] for q in body["quotes"]]
    if links:
        assert body["outboundLinksReason"] is None and all(u and u.startswith("https://") for u in urls)
    else:
        assert urls == [None, None, None]
        assert f"A {page.lower()} page is where visitors convert" in body["outboundLinksReason"]
        assert "capterra.example" not in json.dumps(body)


async def test_the_page_is_required_and_checked(gql, site_token):
    client = gql.as_token(site_token)
    missing = await client("{ showcase(placement: HOME_PAGE) { page } }")
    assert "showcase(page:)" in missing["errors"][0]["message"]
    wrong = await client("{ showcase(placement: HOME_PAGE, page: CHECKOUT) { page } }")
    assert "CHECKOUT" in wrong["errors"][0]["message"] and not wrong.get("data")


async def test_no_personal_data_beyond_consent(http, site_token, world, candidate):
    await edit_quote(EDITOR, candidate.id, photo_url="https://cdn.example/ana.jpg")
    await approve_quote(EDITOR, candidate.id, ["home_page"])
    await decide_consent(candidate.id, {"home_page": True}, photo_permitted=False)
    text = (await fetch(http, site_token)).text
    assert "ana.jpg" not in text and "us1@client.example" not in text and "Ana Lopez" in text


async def test_scope_and_product_limits(http, gql, make_token, world, other_product, candidate):
    await live(candidate.id)
    no_scope = await make_token("reviews:read")
    denied = (await fetch(http, no_scope)).json()
    assert not (denied["data"] or {}).get("showcase") and "showcase:read" in denied["errors"][0]["message"]
    elsewhere = await make_token("showcase:read", product_id=other_product.id)
    assert (await fetch(http, elsewhere)).json()["data"]["showcase"]["quotes"] == []
    anyone = await http.get(url(), headers={"Accept": "application/json"})
    assert anyone.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    # A token for another product cannot ask for this one by id.
    asked = await gql.as_token(elsewhere).post(
        "query($id: ID) { showcase(placement: HOME_PAGE, page: HOME, productId: $id) { productName } }",
        {"id": gid("Product", world["product"].id)})
    assert asked.json()["data"]["showcase"] is None


async def test_repeated_requests_are_served_from_the_cache_with_etags(app, http, site_token, candidate):
    await live(candidate.id)
    cache = app.state.showcase_cache
    assert cache.listening
    first = await warm(app, http, site_token)
    hits = cache.hits
    second = await fetch(http, site_token)
    assert cache.hits == hits + 1
    assert second.content == first.content and second.headers["etag"] == first.headers["etag"]
    assert second.headers["cache-control"] == "no-cache"
    not_modified = await fetch(http, site_token, **{"If-None-Match": first.headers["etag"]})
    assert not_modified.status_code == 304 and not_modified.content == b""
    stale = await fetch(http, site_token, **{"If-None-Match": '"something-else"'})
    assert stale.status_code == 200 and stale.content == first.content
    posted = await http.post("/graphql", json={"query": SHOWCASE, "variables": {"p": "HOME_PAGE"}},
                             headers=bearer(site_token))
    again = await http.post("/graphql", json={"query": SHOWCASE, "variables": {"p": "HOME_PAGE"}},
                            headers=bearer(site_token))
    assert posted.json() == first.json() and again.headers["etag"] == first.headers["etag"]


async def test_the_cache_is_keyed_by_token(app, http, make_token, site_token, world, candidate):
    await live(candidate.id)
    await warm(app, http, site_token)
    misses = app.state.showcase_cache.misses
    other = await make_token("showcase:read", product_id=world["product"].id)
    await fetch(http, other)
    assert app.state.showcase_cache.misses == misses + 1


async def test_other_operations_are_never_cached(app, http, make_token, world, candidate):
    token = await make_token("showcase:read", "reviews:read")
    root = "showcase(placement: $p, page: HOME) {"
    mixed = url(query=SHOWCASE.replace(root, "reviews(first: 1) { nodes { id } } " + root))
    for _ in range(2):
        response = await http.get(mixed, headers=bearer(token))
        assert response.status_code == 200 and "etag" not in response.headers
    errors = url(query="query($p: Placement!) { showcase(placement: $p, page: HOME) { nope } }")
    assert "etag" not in (await http.get(errors, headers=bearer(token))).headers


@pytest.mark.parametrize("change", ["revoke", "rating", "quote", "token"])
async def test_any_change_invalidates_the_cache(app, http, site_token, world, candidate, rated, change):
    await live(candidate.id)
    cache = app.state.showcase_cache
    before = await warm(app, http, site_token)
    hits = cache.hits
    assert (await fetch(http, site_token)).headers["etag"] == before.headers["etag"]
    assert cache.hits == hits + 1
    generation = cache.generation
    if change == "revoke":
        await revoke_consent(candidate.id)
    elif change == "rating":
        import datetime as dt

        await record_rating_reading(SYSTEM, rated["capterra"], dt.date.today(), 4.8, 230)
    elif change == "quote":
        await Quote.update({Quote.attribution_company: "Globex Corp"}).where(Quote.id == candidate.id)
    else:
        from models.access.tokens import ApiToken

        token_id = (await ApiToken.select(ApiToken.id).where(ApiToken.product == world["product"].id))[0]
        await revoke_token(SYSTEM, token_id["id"])

    async def noticed():
        return cache.generation > generation

    assert await until(noticed), "no NOTIFY reached the cache"
    after = await fetch(http, site_token)
    if change == "token":
        assert after.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        return
    assert after.headers["etag"] != before.headers["etag"]
    body = after.json()["data"]["showcase"]
    if change == "revoke":
        assert body["quotes"] == []
    elif change == "rating":
        assert body["platforms"][0]["averageRating"] == 4.8
    else:
        assert body["quotes"][0]["attribution"]["company"] == "Globex Corp"


async def test_the_cache_is_off_while_it_cannot_listen(app, http, site_token, candidate):
    await live(candidate.id)
    cache = app.state.showcase_cache
    await cache.stop()
    try:
        hits = cache.hits
        await fetch(http, site_token)
        await fetch(http, site_token)
        assert cache.hits == hits
    finally:
        await cache.start()
    assert cache.listening


async def test_social_card_of_a_live_quote(http, world, candidate):
    missing = await http.get(f"/showcase/quotes/{candidate.id}/card.png")
    assert missing.status_code == 404  # not public until published
    await live(candidate.id, ("social",))
    response = await http.get(f"/showcase/quotes/{candidate.id}/card.png")
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    assert image.size == (1200, 630)
    # The product's colour fills the footer band.
    assert image.convert("RGB").getpixel((600, 600)) == (79, 70, 229)
    for size, expected in (("1200x628", (1200, 628)), ("1080x1080", (1080, 1080))):
        sized = await http.get(f"/showcase/quotes/{candidate.id}/card.png", params={"size": size})
        card = Image.open(io.BytesIO(sized.content)).convert("RGB")
        assert sized.status_code == 200 and card.size == expected
        assert card.getpixel((expected[0] // 2, expected[1] - 30)) == (79, 70, 229)
    assert (await http.get(f"/showcase/quotes/{candidate.id}/card.png",
                           params={"size": "9999x9999"})).status_code == 400
    await revoke_consent(candidate.id)
    assert (await http.get(f"/showcase/quotes/{candidate.id}/card.png")).status_code == 404


async def test_demo_page_is_static_and_reads_the_token_from_the_fragment(http):
    response = await http.get("/demo")
    assert response.status_code == 200 and "text/html" in response.headers["content-type"]
    assert "location.hash" in response.text and "showcase(placement" in response.text


async def test_cors_allows_only_configured_origins(monkeypatch, site_token):
    import dataclasses

    import httpx

    import settings
    from api.app import create_app

    monkeypatch.setattr(settings, "SETTINGS", dataclasses.replace(
        settings.SETTINGS, cors_origins=("https://www.acme.example",)))
    app = create_app(manage_pool=False, with_queue=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        allowed = await client.options("/graphql", headers={
            "Origin": "https://www.acme.example", "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization"})
        assert allowed.headers.get("access-control-allow-origin") == "https://www.acme.example"
        other = await client.options("/graphql", headers={
            "Origin": "https://evil.example", "Access-Control-Request-Method": "GET"})
        assert "access-control-allow-origin" not in other.headers


async def test_showcase_costs_the_same_queries_for_one_quote_as_for_many(http, site_token, world,
                                                                          count_queries):
    from tests.quotes.fixtures import quotes_from

    # Each request's body differs by a space: always a cache miss, always computed.
    first = (await quotes_from(world, "cap-q1", "us1@client.example"))[0]
    await live(first.id)
    await fetch(http, site_token)  # the token's first use records it (once a minute)
    count_queries["n"] = 0
    await http.post("/graphql", json={"query": SHOWCASE + " ", "variables": {"p": "HOME_PAGE"}},
                    headers=bearer(site_token))
    one = count_queries["n"]
    for i, email in enumerate(["us2", "gb1", "fr1"]):
        for quote in await quotes_from(world, f"cap-q{i + 2}", f"{email}@client.example"):
            await live(quote.id)
    count_queries["n"] = 0
    body = await http.post("/graphql", json={"query": SHOWCASE + "  ", "variables": {"p": "HOME_PAGE"}},
                           headers=bearer(site_token))
    assert len(body.json()["data"]["showcase"]["quotes"]) >= 4
    assert count_queries["n"] == one <= 4  # the token, the product, its platforms, its quotes


async def test_cached_answers_are_served_before_the_rate_limit_counts(app, http, site_token, candidate,
                                                                      monkeypatch):
    import dataclasses

    import settings

    await live(candidate.id)
    await warm(app, http, site_token)
    monkeypatch.setattr(settings, "SETTINGS", dataclasses.replace(settings.SETTINGS,
                                                                  rate_limit_per_minute=1))
    # Many visitors share a site's token: hits cost nothing and are never refused.
    for _ in range(5):
        assert (await fetch(http, site_token)).status_code == 200


def test_the_email_block_escapes_what_it_shows():
    from models.quotes.email_block import email_block
    from models.quotes.showcase import Showcase, ShowcaseQuote

    quote = ShowcaseQuote(id=1, text='Fast <b>"support"</b> & more', attribution_name="Ana <i>",
                          attribution_title="", attribution_company="", photo_url=None, rating=4.0,
                          platform_key="g2", platform_name="G2", source_url="javascript:alert(1)",
                          disclosures=["Received a gift card."], position=0)
    block = email_block(Showcase(product_id=1, product_slug="p", product_name="P", brand_color='red"x',
                                 placement="email", label="Selected testimonials", quotes=[quote]))
    assert "<b>" not in block.html and "&lt;b&gt;" in block.html and "<i>" not in block.html
    assert "javascript:" not in block.html and 'red"x' not in block.html
    assert "Received a gift card." in block.html and "Received a gift card." in block.text
    assert "★★★★☆" in block.html
