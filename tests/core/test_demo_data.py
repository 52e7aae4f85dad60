"""The demo set loads, is idempotent, and its campaign passes the message rules."""

from models.asking.campaigns import lint_campaign
from models.asking.messages import has_errors
from models.asking.tables import Campaign
from models.catalogue.platforms import PlatformProfile
from models.catalogue.products import Product
from models.demo import seed_demo
from models.people.customers import Customer
from models.people.senders import Sender
from models.people.signals import Signal


async def test_demo_set_is_realistic_and_idempotent():
    first = await seed_demo(customers_per_product=50)
    assert first["created"] and first["customers"] == 100
    assert await Product.count() == 2 and await PlatformProfile.count() == 16
    assert await Customer.count() == 100 and await Signal.count() == first["signals"] > 100
    assert await Sender.count() == 3
    assert (await seed_demo(customers_per_product=50))["created"] is False
    assert await Customer.count() == 100
    campaign = await Campaign.objects().get(Campaign.status == "draft").output(load_json=True)
    findings = await lint_campaign(campaign)
    assert set(findings) == {"*", "en", "fr"}
    assert not any(has_errors(found) for found in findings.values()), findings


async def test_demo_reviews_fill_three_lanes_and_the_showcase():
    from models.access.tokens import authenticate
    from models.core.actors import SYSTEM
    from models.demo import demo_reviews_csv, demo_site_token
    from models.quotes.showcase import load_showcase
    from models.quotes.tables import Quote
    from models.reviews.intake import import_file
    from models.reviews.reviews import Review

    await seed_demo(customers_per_product=30)
    rows = await Review.select(Review.lane, Review.customer)
    assert len(rows) == 14 and {r["lane"] for r in rows} == {"praise", "outreach", "improve"}
    assert all(r["customer"] is not None for r in rows)  # matched by email
    product = await Product.select(Product.id).where(Product.slug == "acme-ledger").first()
    again = await import_file(SYSTEM, product["id"], (await demo_reviews_csv(count=14)).encode())
    assert again.imported and again.created == 0 and again.duplicates == 14
    showcase = await load_showcase(SYSTEM, product["id"], "home_page")
    assert len(showcase.quotes) == 2 and all(q.platform_name for q in showcase.quotes)
    assert len(showcase.platforms) == 8
    assert await Quote.count().where(Quote.status == "candidate") > 2  # left for the admin
    # The rest of the playbook at work: a shout-out, listing checks, a published case study.
    from models.case_studies.queries import published_stories
    from models.catalogue.listings import listing_report
    from models.team.tables import ShoutOut

    shouts = await ShoutOut.select(ShoutOut.written, ShoutOut.polarity, ShoutOut.member.name.as_alias("who"))
    assert shouts == [{"written": "Marie", "polarity": "positive", "who": "Marie Laurent"}] * 2
    report = await listing_report(SYSTEM, product["id"])
    assert len([p for p in report.platforms if p.completeness]) == 4
    [story] = await published_stories(SYSTEM, product["id"], 10)
    assert story.title.endswith("closes its books in two days") and story.backlink_url.startswith("https://")
    assert [s.quote for s in story.sections][1].startswith("Two days now.")
    token = await demo_site_token(None)
    assert await demo_site_token(token) == token
    assert (await authenticate(token)).scopes == frozenset({"showcase:read"})
