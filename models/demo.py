"""A realistic demo data set: 2 products, their 8 platform profiles each, 1,000
customers with signals, and senders. Deterministic (seeded) and idempotent.
"""

from __future__ import annotations

import datetime as dt
import random

from models.catalogue.known_platforms import seed_platforms
from models.catalogue.platforms import PlatformProfile, ReviewPlatform
from models.catalogue.products import Product
from models.catalogue.readings import record_rating_reading
from models.core.actors import SYSTEM
from models.people.customers import upsert_customers
from models.people.senders import Sender, save_sender
from models.people.signals import record_signals

PRODUCTS = [
    dict(slug="acme-ledger", name="Acme Ledger", website="https://ledger.acme.example",
         brand_color="#0f766e"),
    dict(slug="acme-roster", name="Acme Roster", website="https://roster.acme.example",
         brand_color="#7c3aed"),
]
SENDERS = [
    dict(name="Camille Martin", title="CEO & co-founder", email="camille@acme.example"),
    dict(name="Sam Okafor", title="Head of Customer Success", email="sam@acme.example"),
    dict(name="Léa Dubois", title="VP Product", email="lea@acme.example"),
]
FIRST = ["Alice", "Bruno", "Chloé", "David", "Emma", "Farid", "Gabriel", "Hana", "Inès", "Jonas",
         "Kenji", "Laura", "Mehdi", "Nora", "Oscar", "Priya", "Quentin", "Rosa", "Sofia", "Tom"]
LAST = ["Bernard", "Smith", "Nguyen", "Garcia", "Müller", "Rossi", "Dupont", "Kowalski",
        "Johnson", "Laurent", "Moreau", "Brown", "Silva", "Kim", "Petit", "Wilson"]
COMPANIES = ["Northwind", "Globex", "Initech", "Umbrella Logistics", "Hooli", "Vandelay",
             "Stark Consulting", "Wayne Foods", "Soylent", "Tyrell Labs", "Cyberdyne Retail",
             "Pied Piper", "Massive Dynamic", "Wonka Industries", "Gringotts", "Oscorp"]
TITLES = ["Finance Manager", "CFO", "Operations Lead", "HR Director", "Office Manager",
          "Founder", "Controller", "Head of People", "COO", "Accountant"]
COUNTRIES = [("US", "en", "America/New_York"), ("FR", "fr", "Europe/Paris"),
             ("GB", "en", "Europe/London"), ("DE", "en", "Europe/Berlin"),
             ("CA", "en", "America/Toronto"), ("BE", "fr", "Europe/Brussels"),
             ("AU", "en", "Australia/Sydney")]
PLANS = ["starter", "growth", "enterprise"]
SIGNAL_KINDS = ["renewed", "upgraded", "ticket_resolved", "nps_answer", "praise"]
OPEN_ESCALATION_SHARE = 0.03  # about 1 customer in 12 had an escalation; most were closed since


def _customers(rng: random.Random, product_slug: str, count: int, today: dt.date) -> list[dict]:
    items = []
    for i in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        country, locale, tz = rng.choice(COUNTRIES)
        company = rng.choice(COMPANIES)
        items.append(dict(
            external_id=f"{product_slug}-crm-{i:05d}",
            email=f"{first}.{last}.{i}@{company.split()[0].lower()}.example".lower()
            .replace("é", "e").replace("è", "e").replace("ü", "u"),
            first_name=first, last_name=last, title=rng.choice(TITLES), company=company,
            plan=rng.choices(PLANS, weights=[5, 3, 1])[0],
            customer_since=today - dt.timedelta(days=rng.randint(20, 5 * 365)),
            country=country, locale=locale, time_zone=tz,
            social_handles={"linkedin": f"in/{first.lower()}-{last.lower()}-{i}"},
            is_insider=rng.random() < 0.01, is_notable=rng.random() < 0.02,
        ))
    return items


def _signals(rng: random.Random, customers: list[dict], now: dt.datetime) -> list[dict]:
    items = []
    for cust in customers:
        for n in range(rng.randint(2, 7)):
            kind = rng.choice(SIGNAL_KINDS)
            items.append(dict(
                source=rng.choice(["billing", "helpdesk", "crm"]),
                event_id=f"demo-{cust['external_id']}-{n}",
                customer_external_id=cust["external_id"], kind=kind,
                occurred_at=now - dt.timedelta(hours=rng.randint(1, 24 * 365)),
                nps_score=rng.randint(0, 10) if kind == "nps_answer" else None,
                note="", payload={},
            ))
        if rng.random() < 0.08:
            opened = now - dt.timedelta(days=rng.randint(5, 200))
            items.append(dict(source="helpdesk", event_id=f"demo-{cust['external_id']}-esc",
                              customer_external_id=cust["external_id"], kind="escalation_opened",
                              occurred_at=opened, nps_score=None, note="", payload={}))
            if rng.random() > OPEN_ESCALATION_SHARE / 0.08:
                items.append(dict(source="helpdesk", event_id=f"demo-{cust['external_id']}-esc-closed",
                                  customer_external_id=cust["external_id"], kind="escalation_closed",
                                  occurred_at=opened + dt.timedelta(days=rng.randint(1, 4)),
                                  nps_score=None, note="", payload={}))
    return items


async def seed_demo(customers_per_product: int = 500, seed: int = 42) -> dict:
    """Create the demo set unless it exists. Returns what was created."""
    await seed_platforms()
    if await Product.exists().where(Product.slug == PRODUCTS[0]["slug"]):
        await _demo_campaign()  # a demo set from before campaigns existed gets one too
        await _demo_reviews_and_quotes()  # ... and reviews, quotes
        return {"created": False}
    rng = random.Random(seed)
    today = dt.date.today()
    now = dt.datetime.now(dt.UTC)
    for spec in SENDERS:
        if not await Sender.exists().where(Sender.email == spec["email"]):
            await save_sender(SYSTEM, None, spec)
    platforms = await ReviewPlatform.select(ReviewPlatform.id, ReviewPlatform.key,
                                            ReviewPlatform.rating_scale)
    totals = {"customers": 0, "signals": 0}
    for spec in PRODUCTS:
        product = Product(**spec)
        await product.save()
        for platform in platforms:
            profile = PlatformProfile(
                product=product.id, platform=platform["id"],
                profile_url=f"https://reviews.example/{platform['key']}/{spec['slug']}",
                review_url=f"https://reviews.example/{platform['key']}/{spec['slug']}/write",
                target_rating=4.5, target_count=100)
            await profile.save()
            average, count = rng.uniform(3.9, 4.8), rng.randint(5, 60)
            scale = platform["rating_scale"]  # each platform's own scale (TrustRadius: 10)
            for months_ago in range(11, -1, -1):
                reading = await record_rating_reading(
                    SYSTEM, profile.id, today - dt.timedelta(days=30 * months_ago),
                    round(min(5.0, average + rng.uniform(-0.1, 0.1)) * scale / 5, 2),
                    max(0, count - months_ago * rng.randint(0, 3)))
                if not reading.ok:
                    raise RuntimeError(f"demo reading refused: {reading.errors}")
        customers = _customers(rng, spec["slug"], customers_per_product, today)
        result = await upsert_customers(SYSTEM, product.id, customers)
        if result.errors:
            raise RuntimeError(f"demo customers rejected: {result.errors[:3]}")
        signals = _signals(rng, customers, now)
        sig_result = await record_signals(SYSTEM, product.id, signals)
        if sig_result.errors:
            raise RuntimeError(f"demo signals rejected: {sig_result.errors[:3]}")
        totals["customers"] += len(result.items)
        totals["signals"] += len(sig_result.items)
    await _demo_campaign()
    await _demo_reviews_and_quotes()
    return {"created": True, **totals}


DEMO_TEMPLATES = {
    "en": {"subject": "Could you review {{ product }} on {{ platform }}?",
           "body": "Hi {{ first_name }}, thank you for renewing with us.\n\n"
                   "Could you spare 3 minutes to review {{ product }} on {{ platform }}? It would "
                   "mean a lot because honest reviews help other teams choose.\n\n"
                   "{{ review_link }}\n\nThanks again,\n{{ sender_name }}, {{ sender_title }}"},
    "fr": {"subject": "Votre avis sur {{ product }} ?",
           "body": "Bonjour {{ first_name }}, merci d'avoir renouvelé votre confiance.\n\n"
                   "Pourriez-vous prendre 3 minutes pour évaluer {{ product }} sur {{ platform }} ? "
                   "Cela compte beaucoup parce que les avis sincères aident d'autres équipes.\n\n"
                   "{{ review_link }}\n\nMerci encore,\n{{ sender_name }}, {{ sender_title }}"},
}


async def _demo_campaign() -> None:
    """A draft, ready to lint, preview and activate from the admin (once)."""
    from models.asking.campaigns import save_campaign
    from models.asking.tables import Campaign

    if await Campaign.exists().where(Campaign.name == "Thank-you after renewal"):
        return
    product = await Product.select(Product.id).where(Product.slug == PRODUCTS[0]["slug"]).first()
    sender = await Sender.select(Sender.id).where(Sender.email == SENDERS[0]["email"]).first()
    outcome = await save_campaign(SYSTEM, None, {
        "product": product["id"], "name": "Thank-you after renewal", "trigger_kind": "signal",
        "trigger_signal": "renewed", "channel": "email", "sender": sender["id"],
        "templates": DEMO_TEMPLATES, "routing": {"strategy": "need"},
        "pacing": {"max_per_hour": 30, "max_per_day": 200}, "follow_up": {"count": 1, "after_days": 5},
        "cooldown_days": 180})
    if not outcome.ok:
        raise RuntimeError(f"demo campaign rejected: {outcome.errors}")


DEMO_REVIEW_TEXTS = [  # (rating out of 5, pros, cons, language)
    (5, "The customer support team answers within minutes. Reporting saves us hours every week.",
     "Nothing major so far.", "en"),
    (5, "Le support client est très réactif. La prise en main a été rapide pour toute l'équipe.",
     "Quelques lenteurs sur l'application mobile.", "fr"),
    (4, "Easy to use, and Marie in support set up our CRM integration in a day.",
     "Pricing went up this year.", "en"),
    (3, "Solid features overall.", "Missing integrations with our accounting tool and slow exports.",
     "en"),
    (3, "Bonnes fonctionnalités.", "Trop cher pour une petite équipe et la documentation manque.", "fr"),
    (2, "The onboarding call was helpful.", "Too expensive and the mobile app crashes often.", "en"),
    (1, "", "Reports are wrong and support never answered our ticket.", "en"),
]


async def demo_reviews_csv(product_slug: str = PRODUCTS[0]["slug"], count: int = 14) -> str:
    """A CSV (generic format) of mixed reviews by the demo product's customers — those already
    asked first, so importing it shows attribution, the three lanes and the funnel's reviews."""
    from models.reviews.files import format_generic_csv

    rows = await Product.raw(
        """SELECT c.email, c.first_name, c.last_name, c.title, c.company, pl.key AS platform
           FROM customer c JOIN product pr ON pr.id = c.product
           LEFT JOIN ask a ON a.customer = c.id AND a.status IN ('sent', 'clicked')
           LEFT JOIN platform_profile p ON p.id = a.profile
           LEFT JOIN review_platform pl ON pl.id = p.platform
           WHERE pr.slug = {} AND c.email_status = 'ok'
           ORDER BY (a.id IS NULL), c.id LIMIT {}""", product_slug, count)
    today = dt.date.today()
    items = []
    for i, row in enumerate(rows):
        rating, pros, cons, language = DEMO_REVIEW_TEXTS[i % len(DEMO_REVIEW_TEXTS)]
        platform = row["platform"] or ("capterra", "g2", "trustpilot", "trustradius")[i % 4]
        scale = 10 if platform == "trustradius" else 5
        items.append({
            "platform_key": platform, "external_id": f"demo-{platform}-{i + 1}",
            "original_rating": float(rating * scale // 5), "original_scale": scale, "sub_ratings": {},
            "title": "", "pros": pros, "cons": cons, "body": "",
            "reviewer_name": f"{row['first_name']} {row['last_name']}",
            "reviewer_title": row["title"], "reviewer_company": row["company"],
            "reviewer_email": row["email"], "reviewed_on": today - dt.timedelta(days=i % 20),
            "language": language, "url": "", "incentivized": False, "insider": False, "ask_token": ""})
    return format_generic_csv(items)


DEMO_EDITOR = "demo-editor"
DEMO_PUBLISHED = 2


async def _demo_reviews_and_quotes() -> None:
    """The demo reviews (once), and two of their quotes taken through the real flow — approved by
    a demo editor, granted by their reviewers — so /demo shows something; the other candidates
    wait in the admin's curation desk."""
    from models.core.actors import admin_actor
    from models.playbook.demo import seed_listings_and_case_study, seed_roster
    from models.quotes.consent import decide_consent
    from models.quotes.quotes import approve_quote
    from models.quotes.tables import Quote
    from models.reviews.intake import import_file
    from models.reviews.reviews import Review

    product = await Product.select(Product.id).where(Product.slug == PRODUCTS[0]["slug"]).first()
    await seed_roster(product["id"])
    await seed_listings_and_case_study(product["id"])
    if await Review.exists().where(Review.external_id.like("demo-%")):
        return
    report = await import_file(SYSTEM, product["id"], (await demo_reviews_csv()).encode())
    if not report.imported:
        raise RuntimeError(f"demo reviews rejected: {report.problems[:3]}")
    picks = await Quote.raw(
        """SELECT DISTINCT ON (q.review) q.id FROM quote q JOIN customer c ON c.id = q.customer
           WHERE q.product = {} AND q.status = 'candidate' AND NOT c.is_notable
           ORDER BY q.review, q.id LIMIT {}""", product["id"], DEMO_PUBLISHED)
    editor = admin_actor(DEMO_EDITOR)
    for row in picks:
        approved = await approve_quote(editor, row["id"], ["home_page", "product_page", "social"])
        if not approved.ok:
            raise RuntimeError(f"demo quote refused: {approved.errors}")
        await decide_consent(row["id"], {"home_page": True, "product_page": True, "social": True})


async def demo_site_token(known_secret: str | None) -> str:
    """A `showcase:read` token for the demo product's web site (/demo): the known one if it still
    works, else a new one. Showcase tokens are meant to sit in public web pages."""
    from models.access.tokens import authenticate, create_token

    product = await Product.select(Product.id).where(Product.slug == PRODUCTS[0]["slug"]).first()
    actor = await authenticate(known_secret) if known_secret else None
    if actor is not None and actor.product_id == product["id"] and actor.has_scope("showcase:read"):
        return known_secret
    outcome = await create_token(SYSTEM, "Demo web site (/demo)", ["showcase:read"], product["id"])
    if not outcome.ok:
        raise RuntimeError(f"demo token refused: {outcome.errors}")
    return outcome.value.secret
