"""End to end in a real headless Chromium (Debian's, driven by Playwright): from the demo data,
an admin logs into /admin, finds a candidate in the curation desk and approves it; the reviewer
grants consent on the consent page; the quote shows on /demo with its platform badge; its social
card downloads; revoking consent removes it at once."""

from __future__ import annotations

import asyncio
import os
import shutil

import pytest
from piccolo.apps.user.tables import BaseUser

from models.core.links import make_token
from models.quotes.tables import Quote
from tests.ids import gid

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
USERNAME, PASSWORD = "ada", "correct-horse-battery-staple"

if not os.path.exists(CHROMIUM):
    if os.environ.get("PLAUDIT_REQUIRE_BROWSER"):
        raise RuntimeError("Chromium is required here: apt-get install chromium")
    pytest.skip("Chromium is not installed (apt-get install chromium); .ci/run installs it",
                allow_module_level=True)


@pytest.fixture
async def served(app):
    """The test app on a real port, in the test's own event loop (it shares the pool)."""
    import socket

    import uvicorn

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off",
                                           log_level="warning"))
    task = asyncio.create_task(server.serve())
    for _ in range(500):
        if server.started:
            break
        await asyncio.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


@pytest.fixture
async def browser():
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--disable-background-networking"])
        yield chromium
        await chromium.close()


async def test_approve_in_admin_consent_then_see_it_on_demo(served, browser, monkeypatch):
    import dataclasses

    import settings
    from models.demo import demo_site_token, seed_demo

    monkeypatch.setattr(settings, "SETTINGS", dataclasses.replace(settings.SETTINGS,
                                                                  public_base_url=served))
    await seed_demo(customers_per_product=30)
    await BaseUser.create_user(username=USERNAME, password=PASSWORD, admin=True, superuser=True,
                               active=True)
    token = await demo_site_token(None)
    candidate = (await Quote.raw(
        """SELECT q.id, q.text FROM quote q JOIN customer c ON c.id = q.customer
           WHERE q.status = 'candidate' AND NOT c.is_notable ORDER BY q.id LIMIT 1"""))[0]
    page = await browser.new_page()

    # 1. The admin logs in and sees the candidate in the curation desk, beside its review.
    await page.goto(f"{served}/admin/")
    await page.fill("input[name=username]", USERNAME)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("[data-uitest=login_button]")
    await page.wait_for_url(f"{served}/admin/#/")
    await page.goto(f"{served}/admin/#/quote_desk")
    await page.get_by_text(candidate["text"]).first.wait_for()

    # 2. ... and approves it (consent for the home page is asked with the approval).
    await page.goto(f"{served}/admin/#/forms/approve-quote")
    await page.fill("input[name=quote_id]", str(candidate["id"]))
    await page.fill("input[name=placements]", "home_page")
    await page.click("[data-uitest=submit_custom_form_button]")
    await page.get_by_text(f"Quote #{candidate['id']} is approved").wait_for()

    # 3. Not shown yet: the reviewer has not said yes.
    demo = await browser.new_page()
    await demo.goto(f"{served}/demo#token={token}")
    await demo.locator("#platforms .badge").first.wait_for()
    assert await demo.locator(f"figure[data-quote='{gid('Quote', candidate['id'])}']").count() == 0

    # 4. The reviewer grants consent on their page.
    consent = await browser.new_page()
    await consent.goto(f"{served}/consent/{make_token('consent', candidate['id'])}")
    assert candidate["text"] in await consent.content()
    await consent.check("input[name=home_page][value=yes]")
    await consent.click("button[type=submit]")
    await consent.get_by_text("your choices are saved").wait_for()

    # 5. The quote is on /demo, with its platform badge and stars per platform.
    await demo.reload()
    quote = demo.locator(f"#quotes figure[data-quote='{gid('Quote', candidate['id'])}']")
    await quote.wait_for()
    assert candidate["text"] in await quote.inner_text()
    assert "Review on" in await quote.locator(".platform").inner_text()
    assert await demo.locator("#platforms .badge .stars").count() >= 3
    # The home page and the pricing page side by side: the same words, but the pricing page
    # (a conversion page) links out to no review site.
    home, pricing = demo.locator("#page-home"), demo.locator("#page-pricing")
    await pricing.locator(f"figure[data-quote='{gid('Quote', candidate['id'])}']").wait_for()
    assert await home.locator("a.badge[href^='https://']").count() >= 1
    assert await pricing.locator(".badge").count() >= 1
    assert await pricing.locator("a").count() == 0
    assert "where visitors convert" in await pricing.locator(".note").inner_text()

    # 6. Its social card is not public: the reviewer allowed the home page, not posts or ads.
    card = await demo.request.get(f"{served}/showcase/quotes/{candidate['id']}/card.png")
    assert card.status == 404

    # 7. Revoking consent removes it at once.
    await consent.click("text=Withdraw my consent everywhere")
    await consent.get_by_text("You withdrew your consent").wait_for()
    await demo.reload()
    await demo.locator("#platforms .badge").first.wait_for()
    await demo.wait_for_function("document.getElementById('status').textContent !== 'Loading…'")
    assert await demo.locator(f"figure[data-quote='{gid('Quote', candidate['id'])}']").count() == 0
    assert (await demo.request.get(f"{served}/showcase/quotes/{candidate['id']}/card.png")).status == 404


async def test_the_demo_page_shows_a_review_as_it_arrives(served, browser):
    """The live feed on /demo: a subscription over a real WebSocket, fed by LISTEN/NOTIFY."""
    from models.core.actors import SYSTEM
    from models.demo import demo_site_token, seed_demo
    from models.reviews.intake import import_reviews
    from tests.quotes.fixtures import review_item

    await seed_demo(customers_per_product=30)
    token = await demo_site_token(None)
    page = await browser.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await page.goto(f"{served}/demo#token={token}")
    await page.wait_for_selector('#live[data-state="connected"]', timeout=15_000)
    await asyncio.sleep(0.5)  # the subscription reaches the hub
    from models.access.tokens import authenticate

    product = (await authenticate(token)).product_id
    customer = (await Quote.raw("SELECT email FROM customer WHERE product = {} AND country <> '' "
                                "ORDER BY id LIMIT 1", product))[0]
    result = await import_reviews(SYSTEM, product, [review_item(
        "g2-live-1", customer["email"], platform_key="g2", url="https://g2.example/r/live-1")])
    assert not result.errors, result.errors
    item = await page.wait_for_selector('#activity li[data-kind="REVIEWED"]', timeout=15_000)
    text = await item.inner_text()
    assert "just reviewed us on G2" in text and "Ana" not in text, text
    assert errors == []


async def test_the_email_block_renders_as_an_email_client_would_show_it(browser, gql, make_token, world,
                                                                        candidate):
    """The EMAIL placement's block in Chromium with scripts off and no network: the quote, its
    stars and attribution show, the table holds to 600 px, nothing is fetched."""
    from models.quotes.consent import decide_consent
    from models.quotes.quotes import approve_quote
    from tests.quotes.fixtures import EDITOR

    assert (await approve_quote(EDITOR, candidate.id, ["email"])).ok
    await decide_consent(candidate.id, {"email": True})
    client = gql.as_token(await make_token("showcase:read", product_id=world["product"].id))
    block = (await client.data("{ showcaseEmail { html text quoteCount } }"))["showcaseEmail"]
    assert block["quoteCount"] == 1 and candidate.text in block["text"]
    assert "<script" not in block["html"] and "class=" not in block["html"]  # inline styles only
    context = await browser.new_context(java_script_enabled=False)
    fetched = []
    await context.route("**/*", lambda route: (fetched.append(route.request.url), route.abort()))
    page = await context.new_page()
    await page.set_content(f"<!doctype html><html><body>{block['html']}</body></html>")
    text = await page.inner_text("body")
    assert candidate.text in text and "★★★★★" in text and "Ana Lopez" in text
    assert "Selected testimonials" in text
    width = await page.evaluate("document.querySelector('table').getBoundingClientRect().width")
    assert width <= 600
    assert fetched == []
    await context.close()
