"""Plaudit's asking pipeline at scale: a 100,000-customer campaign fan-out, and SMTP sending.

Run from the repository root:

    .venv/bin/python benchmarks/asking.py [--runs 3] [--messages 2000] [--profile]

What it does (see benchmarks/README.md):

1. (Re)creates a dedicated database `plaudit_bench_asking` on the server of $DATABASE_URL
   (default postgresql://postgres@127.0.0.1:5432/postgres), points DATABASE_URL at it before
   importing any project module, runs the migrations and builds a realistic world through the
   domain functions: a product listed on the 8 platforms, a sender, 100,000 customers
   (`upsert_customers`, 5,000 per call), a `renewed` signal for each (`record_signals`), an
   active signal-triggered email campaign with business-hours pacing, plus the facts that make
   customers skipped, held or deferred.
2. **Fan-out**: times `models.asking.selection.run_campaign(campaign_id)` (select, skip, route, pace,
   and write the asks and their first touches) in a fresh child process, and reports that
   process's peak RSS. Repeated on the same data, with the asking tables reset between runs.
3. **Send throughput**: an aiosmtpd sink in its own process; a worker-like child process sends
   N touches with `jobs.asking.asks.send_touch` (C concurrent tasks, as arq's max_jobs), alternating
   with a bare `aiosmtplib.send` loop sending equivalent messages at the same concurrency. The
   sink's count and Message-IDs are checked after every round.

Every child process runs in its own session and is stopped in a `finally` block.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import io
import json
import os
import platform
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from bench_db import recreate_database, server_reachable, with_database

REPO = Path(__file__).resolve().parent.parent
BENCH_DB = "plaudit_bench_asking"
DEFAULT_SERVER_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
SEED = 20261125
RESULT_PREFIX = "RESULT "


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


class BenchError(SystemExit):
    def __init__(self, message: str) -> None:
        super().__init__(f"[bench] error: {message}")


# ---------------------------------------------------------------------------------------------
# Database server and environment
# ---------------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------------
# The world: data generated from a fixed seed, written through the domain functions
# ---------------------------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------------------------
# Child processes
# ---------------------------------------------------------------------------------------------


@dataclass
class ChildRun:
    result: dict
    max_rss_mb: float
    seconds: float


class Children:
    """Every process this run starts, each in its own session; `stop_all` leaves none behind."""

    def __init__(self) -> None:
        self.procs: list[tuple[str, subprocess.Popen]] = []

    def popen(self, name: str, cmd: list[str], env: dict, **kwargs) -> subprocess.Popen:
        proc = subprocess.Popen(cmd, env=env, cwd=REPO, stdin=subprocess.DEVNULL,
                                start_new_session=True, **kwargs)
        self.procs.append((name, proc))
        return proc

    def forget(self, proc: subprocess.Popen) -> None:
        self.procs = [(n, p) for n, p in self.procs if p is not proc]

    def stop_all(self) -> None:
        for name, proc in reversed(self.procs):
            stop_process(proc, name)
        self.procs.clear()


def stop_process(proc: subprocess.Popen, name: str, grace: float = 5.0) -> None:
    if proc.returncode is not None or proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(grace)
        return
    except subprocess.TimeoutExpired:
        log(f"{name} did not stop on SIGTERM; killing its process group")
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(5)


def run_child(children: Children, name: str, args: list[str], env: dict, timeout: float,
              log_dir: Path) -> ChildRun:
    """Run this script with `args` in a child; its RESULT line, and its peak RSS (wait4)."""
    err_path = log_dir / f"{name}.log"
    started = time.perf_counter()
    proc = children.popen(name, [sys.executable, str(Path(__file__).resolve()), *args], env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def copy_stderr() -> None:
        # Everything to the child's log; its progress lines to ours as well.
        with open(err_path, "wb") as err:
            for line in proc.stderr:
                err.write(line)
                if line.startswith(b"[bench] "):
                    sys.stderr.write(f"[bench] {name}: {line[8:].decode(errors='replace')}")
                    sys.stderr.flush()

    def kill() -> None:
        log(f"{name} still running after {timeout:.0f} s: killing it")
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)

    copier = threading.Thread(target=copy_stderr, daemon=True)
    copier.start()
    timer = threading.Timer(timeout, kill)
    timer.start()
    try:
        out = proc.stdout.read().decode(errors="replace")
        proc.stdout.close()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        copier.join(10)
    finally:
        timer.cancel()
        children.forget(proc)
    seconds = time.perf_counter() - started
    lines = [line for line in out.splitlines() if line.startswith(RESULT_PREFIX)]
    if proc.returncode != 0 or not lines:
        tail = "\n".join(err_path.read_text(errors="replace").splitlines()[-40:])
        raise BenchError(f"{name} failed (exit {proc.returncode}, {seconds:.0f} s):\n{tail}")
    # Linux reports ru_maxrss in KiB.
    return ChildRun(json.loads(lines[-1][len(RESULT_PREFIX):]), usage.ru_maxrss / 1024, seconds)


def emit(result: dict) -> None:
    print(RESULT_PREFIX + json.dumps(result, default=str), flush=True)


def rss_mb(field_name: str = "VmRSS") -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


# --- fan-out child ---------------------------------------------------------------------------


def instrument(events: list, statements: list) -> None:
    """Coarse timers around run_campaign's steps and every SQL statement (a few dozen calls in
    all, so the overhead is microseconds)."""
    import inspect

    from piccolo.engine.postgres import PostgresEngine

    import models.asking.asks as asks_module
    import models.asking.selection as selection

    def wrap(module, name: str, label: str) -> None:
        fn = getattr(module, name)
        if inspect.iscoroutinefunction(fn):
            async def timed(*a, **k):
                t0, m0 = time.perf_counter(), memory()
                try:
                    return await fn(*a, **k)
                finally:
                    events.append((label, t0, time.perf_counter(), m0, memory()))
        else:
            def timed(*a, **k):
                t0, m0 = time.perf_counter(), memory()
                try:
                    return fn(*a, **k)
                finally:
                    events.append((label, t0, time.perf_counter(), m0, memory()))
        setattr(module, name, timed)

    wrap(selection, "_candidates", "candidates")
    wrap(selection, "_facts", "facts")
    wrap(selection, "routing_options", "routing_options")
    wrap(selection, "release_deferred", "release_deferred")
    wrap(selection, "_pace", "pace")
    wrap(selection, "plan_send_times", "plan_send_times")
    wrap(asks_module, "insert_planned_asks", "insert_planned_asks")
    wrap(asks_module, "start_asks", "start_asks")

    original = PostgresEngine.run_querystring

    async def counted(self, querystring, *a, **k):
        t0 = time.perf_counter()
        try:
            return await original(self, querystring, *a, **k)
        finally:
            text = " ".join(str(querystring.template if hasattr(querystring, "template")
                                else querystring).split())
            statements.append((text[:90], time.perf_counter() - t0))

    PostgresEngine.run_querystring = counted


def memory() -> tuple[float, float]:
    """(RSS, peak RSS so far) of this process, in MB."""
    return rss_mb("VmRSS"), rss_mb("VmHWM")


def phase_table(events: list, t_start: float, t_end: float,
                end_memory: tuple[float, float]) -> dict[str, list]:
    """label -> [seconds, RSS MB at its end, peak RSS MB so far] for run_campaign's steps."""
    first: dict[str, tuple] = {}
    for label, a, b, m0, m1 in events:
        first.setdefault(label, (a, b, m0, m1))
    none = (0.0, 0.0, (0.0, 0.0), (0.0, 0.0))

    def span(label: str) -> float:
        return first[label][1] - first[label][0] if label in first else 0.0

    def gap(after: str, before: str) -> float:
        if after in first and before in first:
            return first[before][0] - first[after][1]
        return 0.0

    def at_start(label: str) -> tuple[float, float]:
        return first.get(label, none)[2]

    def at_end(label: str) -> tuple[float, float]:
        return first.get(label, none)[3]

    phases = {
        "lock campaign": (first["candidates"][0] - t_start if "candidates" in first else 0.0,
                          at_start("candidates")),
        "candidates (signal query)": (span("candidates"), at_end("candidates")),
        "facts (5 queries)": (span("facts") + gap("candidates", "facts"), at_end("facts")),
        "eligibility + sampling + routing options": (
            span("routing_options") + gap("facts", "routing_options"), at_end("routing_options")),
        "skip/route loop (Python)": (gap("routing_options", "release_deferred"),
                                     at_start("release_deferred")),
        "release deferred": (span("release_deferred"), at_end("release_deferred")),
        "pace: 'already planned' query": (span("pace") - span("plan_send_times"),
                                          at_start("plan_send_times")),
        "pace: plan_send_times (Python)": (span("plan_send_times"), at_end("plan_send_times")),
        "insert asks (INSERT … RETURNING)": (span("insert_planned_asks") - span("start_asks"),
                                             at_start("start_asks")),
        "first touches + approval tasks": (span("start_asks"), at_end("start_asks")),
    }
    if "insert_planned_asks" in first:
        phases["audit row, UPDATE ask.selection_run, watermark, COMMIT"] = (
            t_end - first["insert_planned_asks"][1], end_memory)
    return {label: [secs, mem[0], mem[1]] for label, (secs, mem) in phases.items()}


async def fanout_child(campaign_id: int, profile_out: str | None) -> None:
    from models.core.database import close_pool, start_pool

    events: list = []
    statements: list = []
    instrument(events, statements)
    from models.asking.selection import run_campaign

    # The worker's pool (jobs/worker.py): run_campaign runs there, through the outbox or cron.
    await start_pool(min_size=1, max_size=5)
    try:
        rss_before = rss_mb()
        profiler = None
        if profile_out:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        t0 = time.perf_counter()
        summary = await run_campaign(campaign_id)
        t1 = time.perf_counter()
        end_memory = memory()
        if profiler is not None:
            profiler.disable()
            write_profile(profiler, profile_out)
        run_statements = list(statements)
        conn = await sql_connection()
        try:
            written = dict(await conn.fetchrow(
                "SELECT count(*) AS asks, count(*) FILTER (WHERE status = 'planned') AS planned, "
                "count(*) FILTER (WHERE status = 'held') AS held, "
                "count(*) FILTER (WHERE status = 'deferred') AS deferred, "
                "min(planned_at) FILTER (WHERE status = 'planned') AS first_at, "
                "max(planned_at) FILTER (WHERE status = 'planned') AS last_at, "
                "count(DISTINCT profile) AS platforms FROM ask WHERE campaign = $1", campaign_id))
            written["touches"] = await conn.fetchval(
                "SELECT count(*) FROM ask_touch t JOIN ask a ON a.id = t.ask WHERE a.campaign = $1",
                campaign_id)
            written["approval_tasks"] = await conn.fetchval(
                "SELECT count(*) FROM task t JOIN ask a ON a.id = t.ask "
                "WHERE a.campaign = $1 AND t.kind = 'approval'", campaign_id)
            written["per_platform"] = {r["key"]: r["n"] for r in await conn.fetch(
                "SELECT pl.key, count(*) AS n FROM ask a JOIN platform_profile p ON p.id = a.profile "
                "JOIN review_platform pl ON pl.id = p.platform WHERE a.campaign = $1 "
                "GROUP BY pl.key ORDER BY 2 DESC", campaign_id)}
        finally:
            await conn.close()
    finally:
        await close_pool()
    emit({
        "seconds": t1 - t0, "rss_before_mb": rss_before, "vmhwm_mb": rss_mb("VmHWM"),
        "summary": {"run_id": summary.run_id, "candidates": summary.candidates,
                    "eligible": summary.eligible, "selected": summary.selected,
                    "planned": summary.planned, "held": summary.held,
                    "deferred": summary.deferred, "skipped": dict(summary.skipped)},
        "phases": phase_table(events, t0, t1, end_memory),
        "sql": {"count": len(run_statements), "seconds": sum(s for _, s in run_statements),
                "top": sorted(run_statements, key=lambda s: -s[1])[:6]},
        "written": written,
    })


def write_profile(profiler, path: str) -> None:
    import io
    import pstats

    buf = io.StringIO()
    stats = pstats.Stats(profiler, stream=buf)
    stats.sort_stats("cumulative").print_stats(30)
    buf.write("\n--- by own time (tottime) ---\n")
    stats.sort_stats("tottime").print_stats(20)
    text = buf.getvalue()
    for prefix in (str(REPO / ".venv" / "lib"), str(REPO) + "/", sys.prefix, sys.base_prefix):
        text = text.replace(prefix, "")
    Path(path).write_text(text)


# --- SMTP sink child -------------------------------------------------------------------------


def smtp_sink(port: int, control_port: int) -> None:
    """aiosmtpd on its own event loop (uvloop when installed) and CPU; it only counts messages
    and their Message-IDs (no parsing), so it stays well ahead of the senders."""
    from aiosmtpd.smtp import SMTP

    message_id = re.compile(rb"^Message-ID:[ \t]*(\S+)", re.IGNORECASE | re.MULTILINE)
    state = {"count": 0, "bytes": 0, "ids": []}

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            content = envelope.original_content or envelope.content
            found = message_id.search(content)
            state["count"] += 1
            state["bytes"] += len(content)
            state["ids"].append(found.group(1).decode() if found else None)
            return "250 OK"

    async def control(reader, writer) -> None:
        command = (await reader.readline()).strip().decode()
        if command == "RESET":
            state.update(count=0, bytes=0, ids=[])
            reply = {"ok": True, "cpu": time.process_time()}
        else:
            reply = dict(state, cpu=time.process_time())
        writer.write(json.dumps(reply).encode() + b"\n")
        await writer.drain()
        writer.close()

    async def main() -> None:
        loop = asyncio.get_running_loop()
        handler = Handler()
        server = await loop.create_server(
            lambda: SMTP(handler, hostname="sink.bench.local", ident="bench sink", loop=loop),
            "127.0.0.1", port, backlog=512)
        ctl = await asyncio.start_server(control, "127.0.0.1", control_port)
        stop = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        print("READY", flush=True)
        await stop.wait()
        server.close()
        ctl.close()

    try:
        import uvloop

        uvloop.run(main())
    except ImportError:
        asyncio.run(main())


class SinkControl:
    def __init__(self, port: int) -> None:
        self.port = port

    async def _ask(self, command: str) -> dict:
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        writer.write(command.encode() + b"\n")
        await writer.drain()
        reply = json.loads(await reader.read())  # the sink closes after its one reply
        writer.close()
        return reply

    async def reset(self) -> float:
        return (await self._ask("RESET"))["cpu"]

    async def stats(self) -> dict:
        return await self._ask("STATS")


def start_sink(children: Children, env: dict, log_dir: Path) -> tuple[int, int]:
    port, control_port = free_port(), free_port()
    while control_port == port:
        control_port = free_port()
    with open(log_dir / "smtp-sink.log", "wb") as err:
        proc = children.popen("smtp-sink", [sys.executable, str(Path(__file__).resolve()),
                                            "--smtp-sink", "--port", str(port),
                                            "--control-port", str(control_port)],
                              env, stdout=subprocess.PIPE, stderr=err)
    ready = threading.Event()
    threading.Thread(target=lambda: (proc.stdout.readline(), ready.set()), daemon=True).start()
    if not ready.wait(20) or proc.poll() is not None:
        tail = (log_dir / "smtp-sink.log").read_text(errors="replace")[-2000:]
        raise BenchError(f"the SMTP sink did not start:\n{tail}")
    return port, control_port


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- send child ------------------------------------------------------------------------------


@dataclass
class Round:
    target: str
    number: int
    messages: int
    seconds: float
    worker_cpu: float
    sink_cpu: float
    machine_cpu: float
    received: int
    bytes_per_message: float

    @property
    def rate(self) -> float:
        return self.messages / self.seconds


TARGETS = {"bare": "bare aiosmtplib.send", "plaudit": "Plaudit send_touch",
           "reuse": "bare, reused connections"}


async def send_child(args) -> None:
    import copy

    import aiosmtplib
    import psutil

    import settings
    from jobs.asking.asks import send_touch
    from models.asking import sending
    from models.asking.tables import AskTouch
    from models.core.database import close_pool, start_pool

    cfg = settings.SETTINGS
    sink = SinkControl(args.control_port)
    n, c, warm = args.messages, args.concurrency, args.warmup_messages
    # The worker's pool (jobs/worker.py: start_pool(min_size=1, max_size=5), max_jobs=20).
    await start_pool(min_size=1, max_size=args.pool_max)
    try:
        need = warm + args.rounds * n
        rows = await AskTouch.raw(
            "SELECT t.id, t.message_id, t.ask FROM ask_touch t JOIN ask a ON a.id = t.ask "
            "WHERE a.campaign = {} AND a.status = 'planned' AND t.seq = 0 "
            "AND t.status = 'scheduled' ORDER BY t.id LIMIT {}", args.campaign_id, need + 1)
        if len(rows) < need + 1:
            raise BenchError(f"only {len(rows)} scheduled touches; {need + 1} needed")
        spare, rows = rows[-1], rows[:-1]
        # Time passes: their paced send times fall due.
        await AskTouch.raw("UPDATE ask_touch SET scheduled_at = now() - interval '1 minute' "
                           "WHERE id = ANY({}::int[])", [r["id"] for r in rows])

        # The reference message: what Plaudit composes for one real touch, built once.
        detail = (await AskTouch.raw(
            """SELECT t.id, t.message_id, c.email, c.first_name, c.last_name, c.company, c.locale,
                      k.templates, s.name AS sender_name, s.title AS sender_title,
                      s.email AS sender_email, pl.name AS platform_name, pr.name AS product_name
               FROM ask_touch t JOIN ask a ON a.id = t.ask JOIN customer c ON c.id = a.customer
               JOIN campaign k ON k.id = a.campaign LEFT JOIN sender s ON s.id = k.sender
               JOIN platform_profile p ON p.id = a.profile
               JOIN review_platform pl ON pl.id = p.platform JOIN product pr ON pr.id = k.product
               WHERE t.id = {}""", spare["id"]))[0]
        template, _ = sending.compose(detail)
        reference_bytes = len(template.as_bytes())

        def copies(tag: str, count: int) -> list:
            out = []
            for i in range(count):
                msg = copy.deepcopy(template)
                msg.replace_header("Message-ID", f"<bench.{tag}.{i}.{SEED:x}@plaudit.local>")
                out.append(msg)
            return out

        async def run_pool(items: list, work) -> None:
            it = iter(items)

            async def worker() -> None:
                for item in it:
                    await work(item)

            await asyncio.gather(*(worker() for _ in range(c)))

        async def bare(messages: list) -> None:
            async def one(msg) -> None:
                # Exactly jobs/asking/asks.py smtp_send's call: one new connection per message.
                await aiosmtplib.send(msg, hostname=cfg.smtp_host, port=cfg.smtp_port,
                                      username=cfg.smtp_username, password=cfg.smtp_password,
                                      start_tls=cfg.smtp_starttls, timeout=30)
            await run_pool(messages, one)

        async def reuse(messages: list) -> None:
            it = iter(messages)

            async def worker() -> None:
                client = aiosmtplib.SMTP(hostname=cfg.smtp_host, port=cfg.smtp_port,
                                         start_tls=cfg.smtp_starttls, timeout=30)
                async with client:
                    for msg in it:
                        await client.send_message(msg)

            await asyncio.gather(*(worker() for _ in range(c)))

        outcomes: dict[str, int] = {}

        async def plaudit(touch_rows: list) -> None:
            async def one(row) -> None:
                result = await send_touch({"job_try": 1}, row["id"])
                outcomes[result] = outcomes.get(result, 0) + 1
            await run_pool(touch_rows, one)

        def busy() -> tuple[float, float]:
            t = psutil.cpu_times()
            idle = t.idle + getattr(t, "iowait", 0.0)
            return sum(t) - idle, sum(t)

        async def measure(target: str, number: int, payload: list, expected_ids: list[str]) -> Round:
            outcomes.clear()
            sink_cpu0 = await sink.reset()
            cpu0, (busy0, total0) = time.process_time(), busy()
            t0 = time.perf_counter()
            await {"bare": bare, "reuse": reuse, "plaudit": plaudit}[target](payload)
            seconds = time.perf_counter() - t0
            cpu1, (busy1, total1) = time.process_time(), busy()
            stats = await sink.stats()
            got = stats["ids"]
            problems = []
            if target == "plaudit" and outcomes != {"sent": len(payload)}:
                problems.append(f"send_touch results {outcomes}")
            if stats["count"] != len(expected_ids):
                problems.append(f"the sink received {stats['count']} messages, "
                                f"{len(expected_ids)} expected")
            if len(set(got)) != len(got):
                problems.append(f"{len(got) - len(set(got))} duplicate Message-IDs")
            if set(got) != set(expected_ids):
                problems.append(f"{len(set(expected_ids) - set(got))} messages lost, "
                                f"{len(set(got) - set(expected_ids))} unexpected")
            if problems:
                raise BenchError(f"{TARGETS[target]} round {number}: " + "; ".join(problems))
            return Round(target, number, len(payload), seconds, (cpu1 - cpu0) / seconds,
                         (stats["cpu"] - sink_cpu0) / seconds,
                         (busy1 - busy0) / max(total1 - total0, 1e-9),
                         stats["count"], stats["bytes"] / max(stats["count"], 1))

        rounds: list[Round] = []
        # Warm-up (not counted): imports, the pool's connections, prepared statements.
        await measure("plaudit", 0, rows[:warm], [r["message_id"] for r in rows[:warm]])
        for target in ("bare", "reuse"):
            msgs = copies(f"warm-{target}", warm)
            await measure(target, 0, msgs, [m["Message-ID"] for m in msgs])
        log(f"warm-up done ({warm} messages per target)")
        for number in range(1, args.rounds + 1):
            batch = rows[warm + (number - 1) * n: warm + number * n]
            for target in ("bare", "plaudit", "reuse"):
                if target == "plaudit":
                    payload, expected = batch, [r["message_id"] for r in batch]
                else:
                    payload = copies(f"{target}-{number}", n)
                    expected = [m["Message-ID"] for m in payload]
                r = await measure(target, number, payload, expected)
                log(f"round {number}/{args.rounds} {TARGETS[target]:<26} {r.rate:8.1f} msg/s  "
                    f"worker CPU {r.worker_cpu:4.0%}  sink CPU {r.sink_cpu:4.0%}")
                rounds.append(r)
                del payload

        sent_ids = [r["id"] for r in rows]
        check = await AskTouch.raw(
            "SELECT count(*) FILTER (WHERE t.status = 'sent' AND t.seq = 0) AS sent, "
            "count(*) FILTER (WHERE t.seq = 1 AND t.status = 'scheduled') AS follow_ups, "
            "count(*) FILTER (WHERE t.seq = 0 AND t.body_html <> '') AS rendered "
            "FROM ask_touch t WHERE t.ask IN (SELECT ask FROM ask_touch WHERE id = ANY({}::int[]))",
            sent_ids)
        asks_sent = await AskTouch.raw(
            "SELECT count(*) AS n FROM ask WHERE status = 'sent' AND id IN "
            "(SELECT ask FROM ask_touch WHERE id = ANY({}::int[]))", sent_ids)
    finally:
        await close_pool()
    emit({"rounds": [r.__dict__ for r in rounds], "reference_bytes": reference_bytes,
          "db": dict(check[0]) | {"asks_sent": asks_sent[0]["n"], "expected": len(sent_ids)}})


# ---------------------------------------------------------------------------------------------
# Reporting
# ---------------------------------------------------------------------------------------------


def machine_summary() -> list[str]:
    model = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    try:
        nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    except OSError:
        nproc = str(len(os.sched_getaffinity(0)))
    mem = ""
    with contextlib.suppress(OSError, IndexError, ValueError):
        kb = int(Path("/proc/meminfo").read_text().split("MemTotal:")[1].split()[0])
        mem = f", {kb / 1024 / 1024:.1f} GiB RAM"
    from importlib import metadata

    versions = []
    for dist in ("piccolo", "asyncpg", "aiosmtplib", "aiosmtpd", "uvloop", "arq"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions.append(f"{dist} {metadata.version(dist)}")
    return [
        f"Machine : nproc {nproc}, {model}{mem}, {platform.system()} {platform.release()}",
        f"Python  : {platform.python_version()} ({platform.python_implementation()}) "
        f"{sys.executable}",
        f"Packages: {', '.join(versions)}",
    ]


def verdict(ok: bool) -> str:
    return "meets" if ok else "MISSES"


def print_report(args, header: list[str], world: World | None, fanouts: list[ChildRun],
                 send: dict | None, profile_text: str | None) -> None:
    out = print
    out()
    out("=" * 92)
    out("Plaudit asking: campaign fan-out (run_campaign) and send throughput (send_touch)")
    out("=" * 92)
    for line in header:
        out(line)
    rows: list[tuple[str, str, str, str, str]] = []

    if world is not None and fanouts:
        out()
        out(f"Fan-out data: {world.customers:,} customers (upsert_customers, {args.batch:,} per "
            f"call, {world.setup_seconds.get('upsert_customers', 0):.1f} s), signals "
            + ", ".join(f"{k} {v:,}" for k, v in world.signals.items())
            + f" (record_signals, {world.setup_seconds.get('record_signals', 0):.1f} s)")
        out(f"              {world.facts['insider']} insiders, {world.facts['notable']} notables, "
            f"{world.facts['suppressed']:,} suppressed, {world.facts['open_escalations']} open "
            f"escalations, {len(world.reviews):,} imported reviews, an earlier campaign's asks "
            f"to {world.facts.get('prior_planned', 0):,} customers (cool-down 90 days)")
        out(f"Campaign    : signal 'renewed', email, EN+FR templates, routing 'need' over 8 "
            f"profiles, audience {json.dumps(AUDIENCE)},")
        out(f"              pacing {json.dumps(PACING)}")
        out(f"Method      : each run is a fresh `python {Path(__file__).name} --fanout-child` "
            f"process (start_pool(1, 5) as the worker) timing run_campaign() alone; asks, "
            f"touches, tasks, selection runs truncated and watermarks reset between runs; "
            f"max RSS = ru_maxrss of that process (wait4)")
        out()
        out(f"{'run':>4} {'seconds':>8} {'max RSS MB':>11} {'RSS before':>11} {'SQL stmts':>10} "
            f"{'SQL s':>7} {'planned':>8} {'wall s':>7}")
        for i, run in enumerate(fanouts, 1):
            r = run.result
            out(f"{i:>4} {r['seconds']:>8.2f} {run.max_rss_mb:>11.1f} {r['rss_before_mb']:>11.1f} "
                f"{r['sql']['count']:>10} {r['sql']['seconds']:>7.2f} "
                f"{r['summary']['planned']:>8,} {run.seconds:>7.1f}")
        median_s = statistics.median(f.result["seconds"] for f in fanouts)
        max_rss = max(f.max_rss_mb for f in fanouts)
        last = fanouts[-1].result
        s = last["summary"]
        out()
        out(f"RunSummary  : candidates {s['candidates']:,}, eligible {s['eligible']:,}, selected "
            f"{s['selected']:,}, planned {s['planned']:,}, held {s['held']:,}, deferred "
            f"{s['deferred']:,}")
        out("              skipped: " + ", ".join(f"{k} {v:,}" for k, v in
                                                  sorted(s["skipped"].items(), key=lambda kv: -kv[1])))
        w = last["written"]
        out(f"Written     : {w['asks']:,} asks ({w['planned']:,} planned, {w['held']:,} held, "
            f"{w['deferred']:,} deferred), {w['touches']:,} touches, {w['approval_tasks']:,} "
            f"approval tasks; send times {str(w['first_at'])[:16]} → {str(w['last_at'])[:16]} UTC")
        out("              per platform: " + ", ".join(f"{k} {v:,}" for k, v in
                                                       w["per_platform"].items()))
        out()
        out("Where the time and memory go (median seconds over runs; RSS at the end of each "
            "step and peak RSS so far, last run):")
        out(f"  {'step of run_campaign':<56} {'seconds':>8} {'share':>6} {'RSS MB':>7} "
            f"{'peak MB':>8}")
        for label, (_, rss, peak) in last["phases"].items():
            med = statistics.median(f.result["phases"][label][0] for f in fanouts)
            out(f"  {label:<56} {med:8.2f} {med / median_s:6.0%} {rss:7.0f} {peak:8.0f}")
        out("Slowest SQL statements of the last run (seconds):")
        for text, secs in last["sql"]["top"]:
            out(f"  {secs:7.3f}  {text}")
        rows.append((f"fan-out {world.customers // 1000}k: run_campaign, median of {len(fanouts)}",
                     f"{median_s:.2f} s", f"target ≤ {args.target_seconds:g} s", "",
                     verdict(median_s <= args.target_seconds)))
        rows.append(("fan-out: peak RSS of the run_campaign process", f"{max_rss:.0f} MB",
                     f"target ≤ {args.target_rss_mb:g} MB", "",
                     verdict(max_rss <= args.target_rss_mb)))

    if send is not None:
        rounds = [Round(**r) for r in send["rounds"]]
        out()
        out(f"Send        : {args.messages:,} touches per round and target, {args.concurrency} "
            f"concurrent tasks (arq max_jobs), {args.rounds} rounds alternating bare → Plaudit → "
            f"reuse, after {args.warmup_messages} warm-up messages each")
        out(f"              Plaudit: jobs.asking.asks.send_touch(ctx, id) = claim_touch (SELECT … FOR "
            f"UPDATE, render, UPDATE) + aiosmtplib.send + mark_sent; pool "
            f"start_pool(1, {args.pool_max}) as jobs/worker.py; no arq/Redis in the loop")
        out("              bare: aiosmtplib.send() of prebuilt EmailMessages with the same "
            "arguments, also ONE NEW SMTP CONNECTION PER MESSAGE,")
        out("              so the ratio is Plaudit's own overhead (PostgreSQL claim/mark, "
            "rendering), not connection reuse")
        out("              sink: aiosmtpd in its own process (uvloop), counting messages and "
            "Message-IDs; every round verified: exact count, no duplicate, none lost")
        plaudit_bytes = statistics.mean(r.bytes_per_message for r in rounds if r.target == "plaudit")
        out(f"              message size: Plaudit {plaudit_bytes:,.0f} B on average (EN and FR), "
            f"bare {send['reference_bytes']:,} B (one real touch, composed by "
            f"models.asking.sending.compose)")
        out()
        out(f"{'round':>5}  {'target':<26} {'msg/s':>8} {'seconds':>8} {'worker CPU':>10} "
            f"{'sink CPU':>9} {'machine':>8} {'received':>9}")
        for r in rounds:
            out(f"{r.number:>5}  {TARGETS[r.target]:<26} {r.rate:>8.1f} {r.seconds:>8.2f} "
                f"{r.worker_cpu:>10.0%} {r.sink_cpu:>9.0%} {r.machine_cpu:>8.0%} "
                f"{r.received:>9,}")
        med = {t: statistics.median(r.rate for r in rounds if r.target == t) for t in TARGETS}
        db = send["db"]
        out("(worker/sink CPU: share of one core; machine: share of all cores, PostgreSQL "
            "included)")
        out(f"Database check: {db['sent']:,}/{db['expected']:,} touches sent with their rendered "
            f"body kept, {db['asks_sent']:,} asks 'sent', {db['follow_ups']:,} follow-up "
            f"touches scheduled")
        ratio = med["plaudit"] / med["bare"] if med["bare"] else 0.0
        per_round = [p.rate / b.rate for p, b in zip(
            [r for r in rounds if r.target == "plaudit"], [r for r in rounds if r.target == "bare"],
            strict=True)]
        out(f"Plaudit ÷ bare in each round (same minute, same load): "
            f"{', '.join(f'{x:.2f}' for x in per_round)}; median {statistics.median(per_round):.2f}")
        rows.append(("send: messages/s, median (1 connection/message)",
                     f"{med['plaudit']:,.0f}/s", f"bare aiosmtplib {med['bare']:,.0f}/s",
                     f"{ratio:.2f}", f"{verdict(ratio >= args.target_ratio)} ≥ "
                                     f"{args.target_ratio:g}"))
        rows.append(("(extra) bare, C reused SMTP connections", "",
                     f"{med['reuse']:,.0f}/s", f"{med['plaudit'] / med['reuse']:.2f}",
                     "Plaudit ÷ reuse"))

    if args.json:
        from customers_graphql_vs_raw import write_rows

        write_rows(args.json, rows)
    out()
    out(f"{'figure':<52} {'Plaudit':>10}  {'reference / target':<26} {'ratio':>6}  verdict")
    for figure, value, ref, ratio, note in rows:
        out(f"{figure:<52} {value:>10}  {ref:<26} {ratio:>6}  {note}")
    if profile_text:
        out()
        out("cProfile of one more run_campaign() (its own child; profiling slows Python code "
            "~1.5-2x, so read shares, not seconds):")
        out(profile_text.rstrip())
    out("=" * 92)


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--customers", type=int, default=100_000, help="customers (100000)")
    p.add_argument("--batch", type=int, default=5000, help="items per upsert/record call (5000)")
    p.add_argument("--runs", type=int, default=3, help="fan-out runs (3)")
    p.add_argument("--messages", type=int, default=2000, help="messages per send round (2000)")
    p.add_argument("--concurrency", type=int, default=20, help="concurrent sends (20)")
    p.add_argument("--rounds", type=int, default=3, help="send rounds per target (3)")
    p.add_argument("--warmup-messages", type=int, default=40, help="warm-up messages (40)")
    p.add_argument("--pool-max", type=int, default=5,
                   help="the sending worker's pool max_size (5, as jobs/worker.py)")
    p.add_argument("--profile", action="store_true",
                   help="afterwards, cProfile one more run_campaign and print the top functions")
    p.add_argument("--skip-send", action="store_true", help="fan-out only")
    p.add_argument("--target-seconds", type=float, default=10.0)
    p.add_argument("--target-rss-mb", type=float, default=200.0)
    p.add_argument("--target-ratio", type=float, default=0.5)
    p.add_argument("--keep-logs", action="store_true", help="keep the children's logs")
    p.add_argument("--json", metavar="PATH", help="also write the summary rows as JSON (run_all.py)")
    # Internal: the child processes.
    p.add_argument("--fanout-child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--send-child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--smtp-sink", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--campaign-id", type=int, help=argparse.SUPPRESS)
    p.add_argument("--profile-out", help=argparse.SUPPRESS)
    p.add_argument("--port", type=int, help=argparse.SUPPRESS)
    p.add_argument("--control-port", type=int, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if min(args.customers, args.batch, args.runs, args.messages, args.concurrency,
           args.rounds) < 1 or args.batch > 5000:
        p.error("counts must be positive, and --batch at most 5000 (the API's limit)")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.smtp_sink:
        smtp_sink(args.port, args.control_port)
        return 0
    if args.fanout_child:
        asyncio.run(fanout_child(args.campaign_id, args.profile_out))
        return 0
    if args.send_child:
        asyncio.run(send_child(args))
        return 0

    # Turn SIGTERM into an exception so the `finally` block stops every child.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = time.monotonic()
    children = Children()
    log_dir = Path(tempfile.mkdtemp(prefix="plaudit-bench-asking-"))
    try:
        db_url, db_note = resolve_database()
        env = project_environment(db_url)
        enter_project(env)
        load_before = os.getloadavg()

        log("migrating and building the world")
        world = asyncio.run(build_world(args))
        asyncio.run(vacuum_all())
        log(f"world ready after {time.monotonic() - started:.0f} s")

        fanouts: list[ChildRun] = []
        child_args = ["--fanout-child", "--campaign-id", str(world.campaign_id)]
        for i in range(1, args.runs + 1):
            world.facts["prior_planned"] = asyncio.run(reset_asking_state(world))["prior_planned"]
            run = run_child(children, f"fanout-{i}", child_args, env, 300, log_dir)
            r = run.result
            log(f"fan-out {i}/{args.runs}: run_campaign {r['seconds']:.2f} s, planned "
                f"{r['summary']['planned']:,}, max RSS {run.max_rss_mb:.0f} MB")
            fanouts.append(run)

        profile_text = None
        if args.profile:
            asyncio.run(reset_asking_state(world))
            path = log_dir / "fanout.prof.txt"
            run = run_child(children, "fanout-profile", [*child_args, "--profile-out", str(path)],
                            env, 300, log_dir)
            log(f"profiled fan-out: {run.result['seconds']:.2f} s under cProfile")
            profile_text = path.read_text()

        send = None
        if not args.skip_send:
            port, control_port = start_sink(children, env, log_dir)
            send_env = dict(env, SMTP_HOST="127.0.0.1", SMTP_PORT=str(port),
                            SMTP_STARTTLS="false")
            log(f"SMTP sink on :{port}; sending")
            run = run_child(children, "send", [
                "--send-child", "--campaign-id", str(world.campaign_id),
                "--control-port", str(control_port), "--messages", str(args.messages),
                "--concurrency", str(args.concurrency), "--rounds", str(args.rounds),
                "--warmup-messages", str(args.warmup_messages), "--pool-max", str(args.pool_max),
            ], send_env, 600, log_dir)
            send = run.result

        load_after = os.getloadavg()
        header = [*machine_summary(),
                  f"Load avg: {load_before[0]:.2f} before, {load_after[0]:.2f} after "
                  "(1-minute; other processes share these CPUs)",
                  f"Database: {db_note}",
                  f"Duration: {time.monotonic() - started:.0f} s in all"]
        print_report(args, header, world, fanouts, send, profile_text)
    finally:
        children.stop_all()
        if args.keep_logs:
            log(f"child logs kept in {log_dir}")
        else:
            import shutil

            shutil.rmtree(log_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        log("interrupted; every process this run started has been stopped")
        sys.exit(130)
