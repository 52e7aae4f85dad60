"""arq worker settings; `plaudit worker` runs them."""

from __future__ import annotations

from arq import cron

import settings
from jobs.asking.asks import dispatch_touches, send_touch
from jobs.asking.campaigns import run_active_campaigns
from jobs.events.webhooks import Listener, deliver_webhooks, dispatch_webhooks
from jobs.outbox import Relay, run_outbox_message, sweep_outbox
from jobs.people.signals import daily_tenure_milestones
from jobs.redis import redis_settings


async def startup(ctx: dict) -> None:
    from models.core.database import start_pool

    await start_pool(min_size=1, max_size=5)
    ctx["relay"] = Relay(ctx["redis"], settings.SETTINGS.queue_name)
    import httpx

    from jobs.events.webhooks import TIMEOUT

    # Redirects are not followed: a receiver answers, it does not send us elsewhere.
    ctx["webhook_client"] = httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False,
                                              limits=httpx.Limits(max_connections=50))
    ctx["webhook_listener"] = Listener(ctx["redis"])
    ctx["webhook_listener"].start()


async def shutdown(ctx: dict) -> None:
    from models.core.database import close_pool

    if "webhook_listener" in ctx:
        await ctx["webhook_listener"].stop()
        await ctx["webhook_client"].aclose()
    await close_pool()


def worker_settings(**overrides) -> dict:
    base = dict(
        functions=[run_outbox_message, send_touch, deliver_webhooks],
        cron_jobs=[
            cron(sweep_outbox, second={0, 30}, run_at_startup=True),
            cron(dispatch_touches, second={5, 20, 35, 50}, run_at_startup=True),
            cron(run_active_campaigns, second={10}),
            cron(dispatch_webhooks, second=set(range(2, 60, 5)), run_at_startup=True),
            cron(daily_tenure_milestones, hour={2}, minute={0}, second={0}),
        ],
        on_startup=startup,
        on_shutdown=shutdown,
        redis_settings=redis_settings(),
        queue_name=settings.SETTINGS.queue_name,
        # Responsive hand-over without hammering Redis (STACK_NOTES: 0.5 s caps ~200 jobs/s).
        poll_delay=0.05,
        max_jobs=20,
        job_timeout=300,
        keep_result=3600,
    )
    return base | overrides


