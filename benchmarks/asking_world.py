"""The world the asking benchmark runs in: its database, its environment, and 100,000
customers built through the domain functions (a product on the 8 platforms, a sender, signals,
an active campaign), plus resetting the asking tables between runs."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import io
import os
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from bench_db import recreate_database, server_reachable, with_database
from harness import BenchError, log

REPO = Path(__file__).resolve().parent.parent
BENCH_DB = "plaudit_bench_asking"
DEFAULT_SERVER_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
SEED = 20261125


def resolve_database() -> tuple[str, str]:
    """The URL of a freshly created bench database, and a note saying where it is."""
    given = os.environ.get("DATABASE_URL")
    server_url = given or DEFAULT_SERVER_URL
    if not asyncio.run(server_reachable(server_url)):
        raise BenchError(f"no PostgreSQL answers at {server_url} (set DATABASE_URL to a server)")
    admin_url = server_url
    if urlsplit(server_url).path.strip("/") == BENCH_DB:
        admin_url = with_database(server_url, "postgres")
    log(f"recreating database {BENCH_DB}")
    version = asyncio.run(recreate_database(admin_url, BENCH_DB))
    host = urlsplit(server_url).hostname or "local socket"
    return with_database(server_url, BENCH_DB), f"{BENCH_DB} on {host} (PostgreSQL {version})"


def project_environment(db_url: str) -> dict[str, str]:
    """The environment every process of this benchmark runs Plaudit with."""
    env = dict(os.environ, DATABASE_URL=db_url, PICCOLO_CONF="piccolo_conf",
               PYTHONUNBUFFERED="1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    for name in ("SMTP_HOST", "SMTP_PORT", "SMTP_USERNAME", "SMTP_PASSWORD", "SMTP_STARTTLS"):
        env.pop(name, None)
    return env


def enter_project(env: dict[str, str]) -> None:
    """Make this process see the bench database. Must run before any project import."""
    os.environ.update(env)
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    if "settings" in sys.modules or "piccolo_conf" in sys.modules:
        raise RuntimeError("a project module was imported before DATABASE_URL was set")


async def sql_connection():
    import asyncpg

    return await asyncpg.connect(os.environ["DATABASE_URL"])


# (country, weight, locale, time zones). MEA customers have no platform whose audience covers
# them (no_platform skips); LATAM only Capterra; '' and XK (no known region) may go anywhere.
COUNTRIES = [
    ("US", 30, "en", ("America/New_York", "America/Chicago", "America/Denver",
                      "America/Los_Angeles", "America/Phoenix")),
    ("CA", 5, "en", ("America/Toronto", "America/Vancouver")),
    ("GB", 10, "en", ("Europe/London",)),
    ("FR", 9, "fr", ("Europe/Paris",)),
    ("BE", 2, "fr", ("Europe/Brussels",)),
    ("CH", 1, "fr", ("Europe/Zurich",)),
    ("DE", 8, "en", ("Europe/Berlin",)),
    ("NL", 3, "en", ("Europe/Amsterdam",)),
    ("ES", 3, "en", ("Europe/Madrid",)),
    ("IE", 1, "en", ("Europe/Dublin",)),
    ("AU", 4, "en", ("Australia/Sydney", "Australia/Perth")),
    ("NZ", 1, "en", ("Pacific/Auckland",)),
    ("IN", 4, "en", ("Asia/Kolkata",)),
    ("JP", 2, "en", ("Asia/Tokyo",)),
    ("SG", 2, "en", ("Asia/Singapore",)),
    ("BR", 3, "en", ("America/Sao_Paulo",)),
    ("MX", 2, "en", ("America/Mexico_City",)),
    ("ZA", 1, "en", ("Africa/Johannesburg",)),
    ("AE", 1, "en", ("Asia/Dubai",)),
    ("MA", 1, "fr", ("Africa/Casablanca",)),
    ("", 1, "en", ("UTC",)),
    ("XK", 0.5, "en", ("Europe/Belgrade",)),
]


FIRST = ("Alex", "Sam", "Camille", "Jordan", "Taylor", "Léa", "Hugo", "Priya", "Kenji", "María",
         "Noah", "Emma", "Lucas", "Chloé", "Olivia", "Liam", "Aarav", "Yuki", "Sofia", "Mateo")


LAST = ("Martin", "Smith", "Dubois", "García", "Müller", "Tanaka", "Patel", "Johnson", "Bernard",
        "Rossi", "Nguyen", "Brown", "Lefèvre", "Kowalski", "Silva", "O'Brien")


TITLES = ("CTO", "Head of Finance", "Engineering Manager", "Operations Lead", "Founder",
          "Product Manager", "IT Director", "Accountant")


PLANS = (("starter", 50), ("growth", 35), ("enterprise", 15))


# Business hours in each recipient's own time zone, Monday to Friday: what a real campaign uses.
PACING = {"max_per_hour": 2000, "max_per_day": 20000, "business_hours": [9, 17],
          "business_days": [0, 1, 2, 3, 4], "jitter_minutes": 20}


AUDIENCE = {"min_tenure_days": 60}


SHARES = {  # fraction of customers with each fact
    "insider": 0.005, "notable": 0.002, "bounced": 0.008, "unsubscribed": 0.005,
    "complained": 0.002, "escalated": 0.004, "upgraded": 0.02, "reviewed_gartner": 0.03,
    "reviewed_g2": 0.01, "reviewed_trustpilot": 0.01,
}


@dataclass
class World:
    product_id: int
    campaign_id: int
    prior_campaign_id: int
    sender_id: int
    customers: int
    signals: dict[str, int]
    reviews: list[tuple]  # (profile, external_id, rating, reviewed_on, customer)
    facts: dict[str, int]
    setup_seconds: dict[str, float] = field(default_factory=dict)


def make_customers(n: int, today: dt.date) -> list[dict]:
    rng = random.Random(SEED)
    weights = [c[1] for c in COUNTRIES]
    plan_names, plan_weights = zip(*PLANS, strict=True)
    people = []
    for i in range(n):
        country, _, locale, zones = rng.choices(COUNTRIES, weights)[0]
        if country == "CA" and rng.random() < 0.25:
            locale, zone = "fr", "America/Toronto"
        else:
            zone = rng.choice(zones)
        if rng.random() < 0.05:  # the CRM sent no time zone
            zone = "UTC"
        first, last = rng.choice(FIRST), rng.choice(LAST)
        people.append({
            "external_id": f"crm-{i:06d}",
            "email": f"{first.lower()[:3]}.{i}@client{i % 4000}.example".replace("é", "e")
                     .replace("í", "i").replace("è", "e"),
            "first_name": first, "last_name": last, "title": rng.choice(TITLES),
            "company": f"Client {i % 4000} Ltd", "plan": rng.choices(plan_names, plan_weights)[0],
            "customer_since": today - dt.timedelta(days=rng.randint(20, 6 * 365)),
            "country": country, "locale": locale, "time_zone": zone,
            "is_insider": rng.random() < SHARES["insider"],
            "is_notable": rng.random() < SHARES["notable"],
        })
    return people


def pick(n: int, share: float, salt: int) -> list[int]:
    rng = random.Random(SEED + salt)
    return sorted(rng.sample(range(n), round(n * share)))


async def build_world(args) -> World:
    """Everything through the domain functions, except facts that have no batch API yet
    (suppression states and imported reviews), which are plain SQL."""
    from cli.setup import migrate
    from models.asking.campaigns import save_campaign, transition
    from models.catalogue.platforms import PlatformProfile, RatingSnapshot, ReviewPlatform
    from models.catalogue.products import create_product
    from models.core.actors import SYSTEM
    from models.core.database import close_pool, start_pool
    from models.demo import DEMO_TEMPLATES  # the reviewed EN/FR wording, not a copy
    from models.people.customers import upsert_customers
    from models.people.senders import save_sender
    from models.people.signals import record_signals

    timings: dict[str, float] = {}
    start = time.perf_counter()
    chatter = io.StringIO()  # Piccolo prints its progress; stdout is the report
    try:
        with contextlib.redirect_stdout(chatter):
            await migrate()
    except BaseException:
        sys.stderr.write(chatter.getvalue())
        raise
    await start_pool(min_size=1, max_size=4)
    try:
        timings["migrate"] = time.perf_counter() - start
        today = dt.date.today()
        rng = random.Random(SEED)
        product = (await create_product(SYSTEM, {"slug": "ledger", "name": "Ledger",
                                                 "website": "https://ledger.example"})).value
        profiles: dict[str, int] = {}
        for plat in await ReviewPlatform.select().order_by(ReviewPlatform.key):
            profile = PlatformProfile(
                product=product.id, platform=plat["id"],
                profile_url=f"https://{plat['key']}.example/ledger",
                review_url=f"https://{plat['key']}.example/ledger/write-review",
                target_count=rng.choice([60, 100, 150, 250]), target_rating=4.5)
            await profile.save()
            profiles[plat["key"]] = profile.id
            await RatingSnapshot(profile=profile.id, taken_on=today - dt.timedelta(days=7),
                                 average=round(rng.uniform(4.0, 4.8), 1),
                                 review_count=rng.randint(10, 120)).save()
        sender = (await save_sender(SYSTEM, None, {"name": "Camille Martin", "title": "CEO",
                                                   "email": "camille@ledger.example"})).value

        async def campaign(name: str, trigger: str) -> int:
            outcome = await save_campaign(SYSTEM, None, {
                "product": product.id, "name": name, "trigger_kind": "signal",
                "trigger_signal": trigger, "channel": "email", "sender": sender.id,
                "templates": DEMO_TEMPLATES, "routing": {"strategy": "need"},
                "audience": AUDIENCE, "pacing": PACING,
                "follow_up": {"count": 1, "after_days": 5}, "cooldown_days": 90})
            if not outcome.ok:
                raise BenchError(f"save_campaign refused the campaign: {outcome.errors}")
            activated = await transition(SYSTEM, outcome.value.id, "activate")
            if not activated.ok:
                raise BenchError(f"the campaign did not activate: {activated.errors}")
            return outcome.value.id

        # Activated before the signals arrive: signals from before activation are history.
        prior_id = await campaign("Upgrades (earlier campaign)", "upgraded")
        campaign_id = await campaign("Renewals", "renewed")

        n = args.customers
        people = make_customers(n, today)
        t0 = time.perf_counter()
        ids: dict[str, int] = {}
        for lo in range(0, n, args.batch):
            result = await upsert_customers(SYSTEM, product.id, people[lo:lo + args.batch])
            if result.errors or result.count("CREATED") != len(people[lo:lo + args.batch]):
                raise BenchError(f"upsert_customers: {result.errors[:3]}")
            ids.update((item.key, item.id) for item in result.items)
        timings["upsert_customers"] = time.perf_counter() - t0
        log(f"{n:,} customers upserted in {timings['upsert_customers']:.1f} s "
            f"({-(-n // args.batch)} calls)")

        facts = {"insider": sum(p["is_insider"] for p in people),
                 "notable": sum(p["is_notable"] for p in people)}
        conn = await sql_connection()
        try:
            for salt, status in enumerate(("bounced", "unsubscribed", "complained"), 1):
                chosen = [people[i]["external_id"] for i in pick(n, SHARES[status], salt)]
                await conn.execute(
                    "UPDATE customer SET email_status = $1, suppressed_at = now() "
                    "WHERE product = $2 AND external_id = ANY($3::text[]) AND email_status = 'ok'",
                    status, product.id, chosen)
            facts["suppressed"] = await conn.fetchval(
                "SELECT count(*) FROM customer WHERE email_status <> 'ok'")
        finally:
            await conn.close()

        now = dt.datetime.now(dt.UTC)
        signals: list[dict] = []
        escalated = pick(n, SHARES["escalated"], 10)
        for k, i in enumerate(escalated):
            ext = people[i]["external_id"]
            signals.append({"source": "helpdesk", "event_id": f"esc-{i}", "kind": "escalation_opened",
                            "customer_external_id": ext, "occurred_at": now - dt.timedelta(days=3)})
            if k % 2:  # half of them closed since: only the still-open ones defer the ask
                signals.append({"source": "helpdesk", "event_id": f"esc-closed-{i}",
                                "kind": "escalation_closed", "customer_external_id": ext,
                                "occurred_at": now - dt.timedelta(days=1)})
        facts["open_escalations"] = (len(escalated) + 1) // 2
        upgraded = pick(n, SHARES["upgraded"], 11)
        signals += [{"source": "billing", "event_id": f"upg-{i}", "kind": "upgraded",
                     "customer_external_id": people[i]["external_id"],
                     "occurred_at": now - dt.timedelta(days=2)} for i in upgraded]
        facts["prior_asks_source"] = len(upgraded)
        signal_rng = random.Random(SEED + 20)
        signals += [{"source": "billing", "event_id": f"inv-{i:06d}-2026", "kind": "renewed",
                     "customer_external_id": p["external_id"],
                     "occurred_at": now - dt.timedelta(minutes=signal_rng.randint(1, 24 * 60))}
                    for i, p in enumerate(people)]
        t0 = time.perf_counter()
        for lo in range(0, len(signals), args.batch):
            result = await record_signals(SYSTEM, product.id, signals[lo:lo + args.batch])
            if result.errors or result.count("CREATED") != len(signals[lo:lo + args.batch]):
                raise BenchError(f"record_signals: {result.errors[:3]}")
        timings["record_signals"] = time.perf_counter() - t0
        # Campaign runs only use signals that have settled (models.asking.selection.SIGNAL_SETTLE);
        # these were pushed "earlier", as in production where runs follow the partner's pushes.
        from models.people.signals import Signal

        await Signal.raw("UPDATE signal SET created_at = created_at - interval '1 hour'")
        log(f"{len(signals):,} signals recorded in {timings['record_signals']:.1f} s")
        kinds: dict[str, int] = {}
        for s in signals:
            kinds[s["kind"]] = kinds.get(s["kind"], 0) + 1

        # Reviews already written (imported): the customer's review pool is then closed to
        # them; APAC customers with Gartner and G2 reviews have no platform left.
        reviews = []
        review_rng = random.Random(SEED + 30)
        for salt, (key, days) in enumerate((("capterra", 300), ("g2", 300),
                                            ("trustpilot", 150)), 31):
            share = SHARES[f"reviewed_{'gartner' if key == 'capterra' else key}"]
            for i in pick(n, share, salt):
                rating = review_rng.choice([4.0, 4.5, 5.0, 3.5])
                reviews.append((profiles[key], f"{key}-{i}", rating,
                                today - dt.timedelta(days=review_rng.randint(1, days)),
                                ids[people[i]["external_id"]]))
        return World(product_id=product.id, campaign_id=campaign_id, prior_campaign_id=prior_id,
                     sender_id=sender.id, customers=n, signals=kinds, reviews=reviews,
                     facts=facts, setup_seconds=timings)
    finally:
        await close_pool()


async def reset_asking_state(world: World) -> dict:
    """The same starting point for every fan-out run: no asks, the imported reviews, the
    earlier campaign's asks (a cool-down for 2% of customers), both watermarks at 0."""
    from models.asking.selection import run_campaign
    from models.core.database import close_pool, start_pool

    conn = await sql_connection()
    try:
        await conn.execute("TRUNCATE ask_click, ask_touch, task, selection_run, ask, review "
                           "RESTART IDENTITY CASCADE")
        await conn.execute(
            "INSERT INTO review (profile, external_id, rating, original_rating, original_scale, "
            "reviewed_on, customer, title) SELECT r.profile, r.ext, r.rating, r.rating, 5, r.day, "
            "r.customer, 'Solid accounting tool' FROM unnest($1::int[], $2::text[], "
            "$3::float8[], $4::date[], $5::int[]) AS r(profile, ext, rating, day, customer)",
            *[list(col) for col in zip(*world.reviews, strict=True)])
        await conn.execute("UPDATE campaign SET signal_watermark = 0, sampling_counter = 0, "
                           "one_off_done = false WHERE id = ANY($1::int[])",
                           [world.campaign_id, world.prior_campaign_id])
    finally:
        await conn.close()
    await start_pool(min_size=1, max_size=4)
    try:
        prior = await run_campaign(world.prior_campaign_id)
    finally:
        await close_pool()
    conn = await sql_connection()
    try:
        await conn.execute("VACUUM ANALYZE ask, ask_touch, task, review, selection_run, campaign")
    finally:
        await conn.close()
    return {"prior_planned": prior.planned}


async def vacuum_all() -> None:
    conn = await sql_connection()
    try:
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()
