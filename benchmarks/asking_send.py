"""Measurement 2, in a child process: sending N touches with Plaudit's send_touch, alternating with a
bare aiosmtplib loop at the same concurrency, into the SMTP sink."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from asking_children import SinkControl, emit
from asking_world import SEED
from harness import BenchError, log


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
            """SELECT t.id, t.seq, t.message_id, c.email, c.first_name, c.last_name, c.company, c.locale,
                      k.follow_up,
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
