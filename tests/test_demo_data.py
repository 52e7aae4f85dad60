"""The demo set loads, is idempotent, and its campaign passes the message rules."""

from models.campaigns import Campaign, lint_campaign
from models.customers import Customer
from models.demo import seed_demo
from models.messages import has_errors
from models.platforms import PlatformProfile
from models.products import Product
from models.senders import Sender
from models.signals import Signal


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


async def test_demo_reviews_csv_imports_into_three_lanes():
    from models.actors import SYSTEM
    from models.demo import demo_reviews_csv
    from models.review_intake import import_file
    from models.reviews import Review

    await seed_demo(customers_per_product=30)
    product = await Product.select(Product.id).where(Product.slug == "acme-ledger").first()
    report = await import_file(SYSTEM, product["id"], (await demo_reviews_csv(count=14)).encode())
    assert report.imported and report.created == 14, report.problems
    rows = await Review.select(Review.lane, Review.customer)
    assert {r["lane"] for r in rows} == {"praise", "outreach", "improve"}
    assert all(r["customer"] is not None for r in rows)  # matched by email
