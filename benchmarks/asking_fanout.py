"""Measurement 1, in a child process: one campaign fan-out (select, skip, route, pace, write the
asks and first touches), timed by phase, with its SQL statements and peak memory."""

from __future__ import annotations

import io
import sys
import time
from pathlib import Path

from asking_children import emit, rss_mb
from asking_world import REPO, sql_connection


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

    wrap(selection, "_trigger_and_watermark", "candidates")
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
        "watermark (signal query)": (span("candidates"), at_end("candidates")),
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
        hwm_after_run = rss_mb("VmHWM")
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
        "seconds": t1 - t0, "rss_before_mb": rss_before, "vmhwm_mb": hwm_after_run,
        "vmhwm_end_mb": rss_mb("VmHWM"),
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
