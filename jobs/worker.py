"""arq worker settings; `plaudit worker` runs them."""

from __future__ import annotations

from arq import cron

import settings
from jobs.asking.asks import dispatch_touches, send_touch
from jobs.asking.campaigns import run_active_campaigns
from jobs.outbox import Relay, run_outbox_message, sweep_outbox
from jobs.people.signals import daily_tenure_milestones
from jobs.redis import redis_settings


async def startup(ctx: dict) -> None:
    from models.core.database import start_pool

    await start_pool(min_size=1, max_size=5)
    ctx["relay"] = Relay(ctx["redis"], settings.SETTINGS.queue_name)


async def shutdown(ctx: dict) -> None:
    from models.core.database import close_pool

    await close_pool()


def worker_settings(**overrides) -> dict:
    base = dict(
        functions=[run_outbox_message, send_touch],
        cron_jobs=[
            cron(sweep_outbox, second={0, 30}, run_at_startup=True),
            cron(dispatch_touches, second={5, 20, 35, 50}, run_at_startup=True),
            cron(run_active_campaigns, second={10}),
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


