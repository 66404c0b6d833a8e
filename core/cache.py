"""The Redis cache, kept out of the way when Redis is briefly unreachable.

Everything the product caches can be rebuilt from PostgreSQL (catalog lists, analytics
figures), so while Redis restarts a read is a miss and a write is skipped: pages,
the API and sockets keep serving instead of failing. Each skipped call is logged once per
error as a warning. Counters (``incr``, used by rate limits) still raise, and the rate
limiter lets requests through when they do.

Why not django-redis with ``IGNORE_EXCEPTIONS``: it swallows errors in every method alike,
counters included, so ``incr`` and ``add`` answer ``None`` while Redis is down. django-ratelimit
reads a ``None`` count as "limit" (every request answered 429 during a Redis restart) unless
``RATELIMIT_FAIL_OPEN`` is set, and then the skip is silent (no ``rate_limit_unavailable``
line); the log-in lockout would get ``None`` back from ``incr`` instead of a count. Its
ignored errors are logged (with ``DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS``) as a plain "Exception
ignored" traceback rather than one ``cache_unreachable`` warning naming the operation. This class is
Django's own Redis backend plus seven ``try`` blocks, so keeping it costs little.
"""

import threading
from typing import Any

import structlog
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = structlog.get_logger(__name__)
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)


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
