"""The Redis cache, kept out of the way when Redis is briefly unreachable.

Everything the product caches can be rebuilt from PostgreSQL (catalog lists, analytics
figures), so while Redis restarts a read is a miss and a write is skipped: pages,
the API and sockets keep serving instead of failing. Each skipped call is logged once per
error as a warning. Counters (``incr``, used by rate limits) still raise, and the rate
limiter lets requests through when they do; counts made on the event loop (``count_hits_here``)
are kept in the process meanwhile and told to Redis once it answers again.

Why not django-redis with ``IGNORE_EXCEPTIONS``: it swallows errors in every method alike,
counters included, so ``incr`` and ``add`` answer ``None`` while Redis is down. django-ratelimit
reads a ``None`` count as "limit" (every request answered 429 during a Redis restart) unless
``RATELIMIT_FAIL_OPEN`` is set, and then the skip is silent (no ``rate_limit_unavailable``
line); the log-in lockout would get ``None`` back from ``incr`` instead of a count. Its
ignored errors are logged (with ``DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS``) as a plain "Exception
ignored" traceback rather than one ``cache_unreachable`` warning naming the operation. This class is
Django's own Redis backend plus seven ``try`` blocks, so keeping it costs little.
"""

import asyncio
import threading
import weakref
from typing import Any

import redis.asyncio
import structlog
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = structlog.get_logger(__name__)
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)


# Add ARGV[2i-1] hits to counter KEYS[i] (made with a lifetime of ARGV[2i] seconds, as ``count_hits``
# makes one); the new totals.
_ADD_HITS = """
local totals = {}
for i, key in ipairs(KEYS) do
  redis.call('SET', key, 0, 'EX', ARGV[2 * i], 'NX')
  totals[i] = redis.call('INCRBY', key, ARGV[2 * i - 1])
end
return totals
"""

_CLIENTS: dict[str, Any] = {}
_CLIENTS_LOCK = threading.Lock()


class SharedClientRedisCacheClient(RedisCacheClient):
    """Django's Redis cache client, with one redis-py client per connection pool.

    Django's makes a new ``redis.Redis`` for every call, and each builds its table of some 80
    response callbacks (about 65 µs): on every cache read and write and every rate-limit count,
    twice a learner's line. A ``redis.Redis`` on a pool is safe to share between threads."""

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        clients: dict[int, Any] = self.__dict__.setdefault("_clients_by_pool", {})
        client = clients.get(id(pool))
        if client is None:
            client = clients[id(pool)] = self._client(connection_pool=pool)  # type: ignore[attr-defined]
        return client


class ResilientRedisCache(RedisCache):
    def __init__(self, server: Any, params: Any) -> None:
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient

    @property
    def _cache(self) -> Any:  # type: ignore[override]
        """One client (and so one pool of Redis connections) per process and configuration.

        Django makes a cache object per thread and per async context, and its Redis backend a
        connection pool per cache object: every request thread and socket task would open
        connections of its own. redis-py's pools are thread-safe and reopen after a fork."""
        key = repr((self._servers, sorted(self._options.items())))  # type: ignore[attr-defined]
        client = _CLIENTS.get(key)
        if client is None:
            with _CLIENTS_LOCK:
                client = _CLIENTS.get(key)
                if client is None:
                    client = _CLIENTS[key] = self._class(self._servers, **self._options)  # type: ignore[attr-defined]
        return client

    def _skip(self, operation: str, error: Exception) -> None:
        log.warning("cache_unreachable", operation=operation, error=type(error).__name__)

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        try:
            return super().get(key, default, version)
        except UNREACHABLE as error:
            self._skip("get", error)
            return default

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        try:
            return super().get_many(keys, version)
        except UNREACHABLE as error:
            self._skip("get_many", error)
            return {}

    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        try:
            super().set(key, value, timeout, version)
        except UNREACHABLE as error:
            self._skip("set", error)

    def set_many(self, data: dict[Any, Any], timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> list[Any]:
        try:
            return super().set_many(data, timeout, version)
        except UNREACHABLE as error:
            self._skip("set_many", error)
            return list(data)

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        try:
            return super().add(key, value, timeout, version)
        except UNREACHABLE as error:
            self._skip("add", error)
            return False

    def delete(self, key: Any, version: int | None = None) -> bool:
        try:
            return super().delete(key, version)
        except UNREACHABLE as error:
            self._skip("delete", error)
            return False

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        try:
            super().delete_many(keys, version)
        except UNREACHABLE as error:
            self._skip("delete_many", error)

    def count_hits(self, keys: list[tuple[str, int]]) -> list[int]:
        """Count one hit on each ``(key, seconds)`` counter in one round trip; the new counts.

        A counter starts at 1 and lives ``seconds`` (as ``add`` then ``incr`` would: the same keys
        and values, so django-ratelimit's reads agree). Raises when Redis is unreachable, as
        ``incr`` does."""
        if not keys:
            return []
        names = [self.make_and_validate_key(key) for key, _ in keys]
        client = self._cache.get_client(names[0], write=True)  # type: ignore[attr-defined]
        pipeline = client.pipeline(transaction=False)
        for name, (_, seconds) in zip(names, keys, strict=True):
            pipeline.set(name, 0, ex=seconds, nx=True)
            pipeline.incr(name)
        return [int(count) for count in pipeline.execute()[1::2]]

    def count_hits_here(self, keys: list[tuple[str, int]]) -> list[int]:
        """``count_hits`` without waiting for Redis, for the event loop (socket frames): the counts
        this process knows now. Redis is told within ``HitCounts.SYNC_SECONDS`` (every counter of
        the loop in one script call) and answers with the counts of every process, which later
        counts start from. So a limit holds exactly within one process, and across processes up to
        what the others counted since the last exchange."""
        if not keys:
            return []
        names = [self.make_and_validate_key(key) for key, _ in keys]
        return _hit_counts(self._servers[0], self._options).count(names, [seconds for _, seconds in keys])  # type: ignore[attr-defined]

    async def send_hits_now(self) -> None:
        """Tell Redis this loop's counts now (e.g. before a thread reads them), not at the next exchange."""
        await _hit_counts(self._servers[0], self._options).send_now()  # type: ignore[attr-defined]


class _Counter:
    __slots__ = ("known", "sending", "pending", "seconds", "ends")

    def __init__(self, seconds: int, now: float) -> None:
        self.known, self.sending, self.pending = 0, 0, 0
        self.seconds, self.ends = seconds, now + seconds

    @property
    def total(self) -> int:
        return self.known + self.sending + self.pending


class HitCounts:
    """One event loop's counters: counted at once, exchanged with Redis every ``SYNC_SECONDS``.

    The loop holds a counter for every subject counted within the longest window (an hour), so
    an exchange reads only the counters counted since the last one (``counted``), and counters
    whose window has ended are dropped every ``SWEEP_SECONDS`` (a counter is started afresh
    when counted after its window anyway)."""

    SYNC_SECONDS = 0.2
    SWEEP_SECONDS = 60.0

    def __init__(self, url: str, options: dict[str, Any]) -> None:
        self.client = redis.asyncio.Redis.from_url(url, **options)
        self.script = self.client.register_script(_ADD_HITS)
        self.counters: dict[str, _Counter] = {}
        self.counted: set[str] = set()  # names with hits Redis has not been told
        self.exchange: asyncio.TimerHandle | None = None
        self.sweep_at = 0.0

    def count(self, names: list[str], seconds: list[int]) -> list[int]:
        loop = asyncio.get_running_loop()
        now = loop.time()
        counts = []
        for name, lifetime in zip(names, seconds, strict=True):
            counter = self.counters.get(name)
            if counter is None or counter.ends <= now:
                counter = self.counters[name] = _Counter(lifetime, now)
            counter.pending += 1
            counts.append(counter.total)
        self.counted.update(names)
        if self.exchange is None:
            self.exchange = loop.call_later(self.SYNC_SECONDS, self._exchange)
        return counts

    async def send_now(self) -> None:
        if self.exchange is not None:
            self.exchange.cancel()
        task = self._exchange()
        if task is not None:
            await task

    def _exchange(self) -> asyncio.Future[None] | None:
        self.exchange = None
        now = asyncio.get_running_loop().time()
        if now >= self.sweep_at:
            self._drop_ended(now)
        counters, batch = self.counters, []
        for name in self.counted:
            counter = counters.get(name)
            if counter is not None and counter.pending and counter.ends > now:
                batch.append((name, counter))
        self.counted = set()
        for _, counter in batch:
            counter.sending, counter.pending = counter.sending + counter.pending, 0
        if not batch:
            return None
        task = asyncio.ensure_future(self._send(batch))
        _sending.add(task)
        task.add_done_callback(_sending.discard)
        return task

    def _drop_ended(self, now: float) -> None:
        """Forget the counters whose window has ended (their Redis keys have expired too)."""
        self.sweep_at = now + self.SWEEP_SECONDS
        self.counters = {name: counter for name, counter in self.counters.items() if counter.ends > now}

    async def _send(self, batch: list[tuple[str, _Counter]]) -> None:
        keys = [name for name, _ in batch]
        args = [value for _, counter in batch for value in (counter.sending, counter.seconds)]
        try:
            totals = await self.script(keys=keys, args=args)
        except Exception as error:  # noqa: BLE001 - Redis restarting, unreachable: counted again with the next exchange
            log.warning("cache_unreachable", operation="count_hits_here", error=type(error).__name__)
            for _, counter in batch:
                counter.pending, counter.sending = counter.pending + counter.sending, 0
            self.counted.update(keys)
            return
        for (_, counter), total in zip(batch, totals, strict=True):
            counter.known, counter.sending = int(total), 0


_counts: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, HitCounts]] = weakref.WeakKeyDictionary()
_sending: set[asyncio.Future[None]] = set()


def _hit_counts(url: str, options: dict[str, Any]) -> HitCounts:
    """This event loop's counters for one Redis server (a client is bound to the loop it runs on)."""
    per_loop = _counts.setdefault(asyncio.get_running_loop(), {})
    key = repr((url, sorted(options.items())))
    counts = per_loop.get(key)
    if counts is None:
        counts = per_loop[key] = HitCounts(url, options)
    return counts
