"""HTTP cache for the public showcase: web sites ask for the same few showcases all day.

- **What is cached**: the exact response to a GraphQL request whose root fields are all
  `showcase` (the resolver tells us so), without errors, per (Authorization, method, request):
  two tokens never share an entry, so a token's scope and product always apply.
- **Invalidation**: PostgreSQL triggers NOTIFY `plaudit_showcase` when a quote, a consent, a
  rating snapshot, a profile, a platform, a product or a token's access changes, and every
  process LISTENs: the notice arrives when the writer's transaction commits, whoever wrote (API,
  admin, worker, psql), and the whole cache is dropped. A response computed while a notice
  arrived is not stored (it may predate the change). While the listening connection is down,
  nothing is served from the cache.
- **Conditional requests**: every showcase response carries a strong ETag (a hash of the body);
  a GET with a matching If-None-Match gets 304 Not Modified and no body.
- **A hit** touches neither the database nor GraphQL: the token was authenticated when the entry
  was stored, and revoking or changing a token clears the cache. Its last use is still recorded
  (to the minute, as for every token) by re-authenticating once a minute.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass

import asyncpg
import msgspec

log = logging.getLogger("plaudit.showcase_cache")
CHANNEL = "plaudit_showcase"
SCOPE_FLAG = "plaudit.showcase"
MAX_ENTRIES = 2048
MAX_BODY = 512 * 1024
TOUCH_EVERY = 60.0
RECONNECT_DELAYS = (0.5, 1, 2, 5, 10)


# Every cache of this process: a change made here clears them at once, without waiting for the
# NOTIFY round trip (which still reaches the other processes).
LOCAL_CACHES: list[ShowcaseCache] = []


def clear_local_caches() -> None:
    for cache in LOCAL_CACHES:
        cache.clear()


@dataclass
class Entry:
    body: bytes
    etag: str
    secret: str | None
    expires_at: float | None  # the token's expiry (monotonic clock), if it has one


def etag_for(body: bytes) -> str:
    return f'"{hashlib.blake2b(body, digest_size=16).hexdigest()}"'


class ShowcaseCache:
    def __init__(self, dsn: str | None = None, max_entries: int = MAX_ENTRIES) -> None:
        self.dsn = dsn
        self.max_entries = max_entries
        self.entries: OrderedDict[tuple, Entry] = OrderedDict()
        self.generation = 0
        self.listening = False
        self.hits = self.misses = 0
        self._touched: dict[str, float] = {}
        self._conn: asyncpg.Connection | None = None
        self._reconnect: asyncio.Task | None = None
        self._closing = False
        LOCAL_CACHES.append(self)

    # --- invalidation ---------------------------------------------------------------------

    def clear(self, *_: object) -> None:
        self.entries.clear()
        self.generation += 1

    async def start(self) -> None:
        """Listen for changes. Failing to connect leaves the cache off and retries meanwhile."""
        self._closing = False
        try:
            await self._listen()
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("showcase cache off until PostgreSQL answers: %s", exc)
            self._schedule_reconnect()

    async def _listen(self) -> None:
        conn = await asyncpg.connect(self.dsn)
        conn.add_termination_listener(self._lost)
        await conn.add_listener(CHANNEL, self.clear)
        self._conn = conn
        self.clear()  # anything may have changed while nobody was listening
        self.listening = True

    def _lost(self, _conn) -> None:
        self.listening = False
        self.clear()
        if not self._closing:
            log.warning("showcase cache: lost its PostgreSQL connection; off until it is back")
            self._schedule_reconnect()

    def _schedule_reconnect(self) -> None:
        if self._reconnect is None or self._reconnect.done():
            self._reconnect = asyncio.get_running_loop().create_task(self._reconnect_loop())

    async def _reconnect_loop(self) -> None:
        attempt = 0
        while not self._closing and not self.listening:
            await asyncio.sleep(RECONNECT_DELAYS[min(attempt, len(RECONNECT_DELAYS) - 1)])
            attempt += 1
            try:
                await self._listen()
            except (OSError, asyncpg.PostgresError):
                continue

    async def stop(self) -> None:
        self._closing = True
        self.listening = False
        if self._reconnect is not None:
            self._reconnect.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reconnect
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await self._conn.close()
        self.clear()

    # --- entries --------------------------------------------------------------------------

    def get(self, key: tuple) -> Entry | None:
        if not self.listening:
            return None
        entry = self.entries.get(key)
        if entry is None:
            return None
        if entry.expires_at is not None and time.monotonic() >= entry.expires_at:
            del self.entries[key]
            return None
        self.entries.move_to_end(key)
        return entry

    def put(self, key: tuple, entry: Entry, generation: int) -> None:
        # Stored only if nothing changed since the request began (its data may predate the change).
        if not self.listening or generation != self.generation or len(entry.body) > MAX_BODY:
            return
        self.entries[key] = entry
        self.entries.move_to_end(key)
        while len(self.entries) > self.max_entries:
            self.entries.popitem(last=False)

    def due_for_touch(self, secret: str) -> bool:
        now = time.monotonic()
        if now - self._touched.get(secret, 0.0) < TOUCH_EVERY:
            return False
        self._touched[secret] = now
        if len(self._touched) > 4 * self.max_entries:
            self._touched.clear()
        return True


def showcase_only(operation) -> bool:
    """True for a query whose root fields are all public proof — `showcase`, `caseStudies` (or
    __typename): cacheable."""
    from graphql import FieldNode, OperationType

    if operation is None or operation.operation != OperationType.QUERY:
        return False
    return all(isinstance(node, FieldNode) and node.name.value in ("showcase", "caseStudies", "__typename")
               for node in operation.selection_set.selections)


def has_errors(body: bytes) -> bool:
    try:
        return "errors" in msgspec.json.decode(body)
    except msgspec.DecodeError:
        return True
