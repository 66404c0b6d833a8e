"""The per-session bus of watch mode: the ordered event log, control, the runner's lease, viewer counts.

Redis (when ``settings.REDIS_URL`` is set), under ``<cache prefix>:watch:<session id>:``:

- ``events``: a Stream. One script INCRs ``seq`` and XADDs the event with the entry id ``0-<seq>``,
  so the entry id *is* the event's sequence number (``MAXLEN ~ WATCH_STREAM_MAXLEN``; the keys
  expire a day after the last event). Readers block on ``XREAD`` from the last seq they saw.
- ``control``: what the owner asked for (state, seat, pace, a counter for "stop this reply"), as
  JSON, written by the services and read by the runner on every chunk.
- ``lease``: the runner's lease (``SET NX PX``; refreshed and released only by its holder), so
  two runners never run one session.
- ``viewers``: a hash with one field per server process, ``"<count>:<unix time>"``; fields not
  refreshed for ``VIEWER_STALE_SECONDS`` (a process that died) are not counted.

Without Redis the same operations work on dictionaries in this process (the embedded default
runs one process: server and runner share it).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Any, Protocol
from weakref import WeakKeyDictionary

import redis
import redis.asyncio as aredis
from django.conf import settings

from watch import conf

VIEWER_STALE_SECONDS = 15.0
_PUBLISH = """
local seq = redis.call('INCR', KEYS[2])
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '0-' .. seq, 'd', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[3])
return seq
"""
_REFRESH = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0"
_RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"


@dataclass(frozen=True)
class Entry:
    """One event of a session's log with its sequence number."""

    seq: int
    event: dict[str, Any]


def encode(event: dict[str, Any]) -> str:
    """The event as stored, stamped with its publish time (``ts``, Unix seconds)."""
    return json.dumps({**event, "ts": time.time()}, ensure_ascii=False, separators=(",", ":"))


class Bus(Protocol):
    def publish_sync(self, session_id: str, event: dict[str, Any]) -> int: ...
    async def publish(self, session_id: str, event: dict[str, Any]) -> int: ...
    async def read(self, session_id: str, after: int, block_seconds: float) -> list[Entry]: ...
    async def range_after(self, session_id: str, after: int) -> list[Entry]: ...
    async def last_seq(self, session_id: str) -> int: ...
    def set_control(self, session_id: str, control: dict[str, Any]) -> None: ...
    async def control(self, session_id: str) -> dict[str, Any] | None: ...
    async def acquire_lease(self, session_id: str, token: str, seconds: float) -> bool: ...
    async def refresh_lease(self, session_id: str, token: str, seconds: float) -> bool: ...
    async def release_lease(self, session_id: str, token: str) -> None: ...
    def lease_held(self, session_id: str) -> bool: ...
    async def set_viewers(self, session_id: str, process: str, count: int) -> None: ...
    async def viewers(self, session_id: str) -> int: ...
    def viewers_sync(self, session_id: str) -> int: ...
    async def close_loop_client(self) -> None: ...


def _seq_of(entry_id: bytes | str) -> int:
    text = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    return int(text.rpartition("-")[2])


def _entry(entry_id: bytes | str, fields: dict[Any, Any]) -> Entry:
    raw = fields.get(b"d") or fields.get("d") or b"{}"
    return Entry(_seq_of(entry_id), json.loads(raw))


def _count_viewers(fields: dict[Any, Any], now: float) -> int:
    total = 0
    for value in fields.values():
        count, _, stamp = (value.decode() if isinstance(value, bytes) else str(value)).partition(":")
        if count.isdigit() and stamp and now - float(stamp) < VIEWER_STALE_SECONDS:
            total += int(count)
    return total


class RedisBus:
    def __init__(self, url: str, prefix: str) -> None:
        self.url, self.prefix = url, prefix
        self._sync = redis.Redis.from_url(url)
        self._sync_publish = self._sync.register_script(_PUBLISH)
        self._clients: WeakKeyDictionary[asyncio.AbstractEventLoop, aredis.Redis] = WeakKeyDictionary()

    def key(self, session_id: str, part: str) -> str:
        return f"{self.prefix}:{session_id}:{part}"

    def _client(self) -> aredis.Redis:
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            client = aredis.Redis.from_url(self.url)
            self._clients[loop] = client
        return client

    async def close_loop_client(self) -> None:
        client = self._clients.pop(asyncio.get_running_loop(), None)
        if client is not None:
            await client.aclose()

    def _publish_args(self, session_id: str, event: dict[str, Any]) -> tuple[list[str], list[Any]]:
        keys = [self.key(session_id, "events"), self.key(session_id, "seq")]
        return keys, [encode(event), int(conf.get("WATCH_STREAM_MAXLEN")), int(conf.get("WATCH_STREAM_TTL_SECONDS"))]

    def publish_sync(self, session_id: str, event: dict[str, Any]) -> int:
        keys, args = self._publish_args(session_id, event)
        return int(self._sync_publish(keys=keys, args=args))

    async def publish(self, session_id: str, event: dict[str, Any]) -> int:
        keys, args = self._publish_args(session_id, event)
        reply: Any = self._client().eval(_PUBLISH, len(keys), *keys, *args)
        return int(await reply)

    async def read(self, session_id: str, after: int, block_seconds: float) -> list[Entry]:
        key = self.key(session_id, "events")
        reply = await self._client().xread({key: f"0-{after}"}, count=1000, block=max(int(block_seconds * 1000), 1))
        return [_entry(entry_id, fields) for _, entries in reply or [] for entry_id, fields in entries]

    async def range_after(self, session_id: str, after: int) -> list[Entry]:
        entries = await self._client().xrange(self.key(session_id, "events"), min=f"(0-{after}", max="+")
        return [_entry(entry_id, fields) for entry_id, fields in entries]

    async def last_seq(self, session_id: str) -> int:
        return int(await self._client().get(self.key(session_id, "seq")) or 0)

    def set_control(self, session_id: str, control: dict[str, Any]) -> None:
        ttl = int(conf.get("WATCH_STREAM_TTL_SECONDS"))
        self._sync.set(self.key(session_id, "control"), json.dumps(control), ex=ttl)

    async def control(self, session_id: str) -> dict[str, Any] | None:
        raw = await self._client().get(self.key(session_id, "control"))
        return json.loads(raw) if raw else None

    async def acquire_lease(self, session_id: str, token: str, seconds: float) -> bool:
        return bool(await self._client().set(self.key(session_id, "lease"), token, nx=True, px=int(seconds * 1000)))

    async def refresh_lease(self, session_id: str, token: str, seconds: float) -> bool:
        reply: Any = self._client().eval(_REFRESH, 1, self.key(session_id, "lease"), token, str(int(seconds * 1000)))
        return bool(await reply)

    async def release_lease(self, session_id: str, token: str) -> None:
        reply: Any = self._client().eval(_RELEASE, 1, self.key(session_id, "lease"), token)
        await reply

    def lease_held(self, session_id: str) -> bool:
        return bool(self._sync.exists(self.key(session_id, "lease")))

    async def set_viewers(self, session_id: str, process: str, count: int) -> None:
        key = self.key(session_id, "viewers")
        async with self._client().pipeline(transaction=False) as pipe:
            if count:
                pipe.hset(key, process, f"{count}:{time.time():.1f}")
                pipe.expire(key, int(VIEWER_STALE_SECONDS * 4))
            else:
                pipe.hdel(key, process)
            await pipe.execute()

    async def viewers(self, session_id: str) -> int:
        fields: Any = self._client().hgetall(self.key(session_id, "viewers"))
        return _count_viewers(await fields, time.time())

    def viewers_sync(self, session_id: str) -> int:
        fields: dict[Any, Any] = self._sync.hgetall(self.key(session_id, "viewers"))  # type: ignore[assignment]
        return _count_viewers(fields, time.time())


@dataclass
class _Log:
    entries: deque[Entry]
    seq: int = 0
    waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = field(default_factory=list)

    def after(self, seq: int) -> list[Entry]:
        if not self.entries or seq >= self.seq:
            return []
        start = max(seq - self.entries[0].seq + 1, 0)
        return list(itertools.islice(self.entries, start, None))


class MemoryBus:
    """The bus inside one process: any thread may publish, readers wait on their own event loop."""

    MAX_SESSIONS = 1000

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._logs: OrderedDict[str, _Log] = OrderedDict()
        self._controls: dict[str, dict[str, Any]] = {}
        self._leases: dict[str, tuple[str, float]] = {}
        self._viewers: dict[str, dict[str, int]] = {}

    def _log(self, session_id: str) -> _Log:
        log = self._logs.get(session_id)
        if log is None:
            log = self._logs[session_id] = _Log(deque(maxlen=int(conf.get("WATCH_STREAM_MAXLEN"))))
            while len(self._logs) > self.MAX_SESSIONS:
                self._logs.popitem(last=False)
        return log

    def publish_sync(self, session_id: str, event: dict[str, Any]) -> int:
        with self._lock:
            log = self._log(session_id)
            log.seq += 1
            log.entries.append(Entry(log.seq, json.loads(encode(event))))
            waiters, log.waiters = log.waiters, []
            seq = log.seq
        for loop, ready in waiters:
            try:
                loop.call_soon_threadsafe(ready.set)
            except RuntimeError:  # that reader's loop has closed
                continue
        return seq

    async def publish(self, session_id: str, event: dict[str, Any]) -> int:
        return self.publish_sync(session_id, event)

    async def read(self, session_id: str, after: int, block_seconds: float) -> list[Entry]:
        ready = asyncio.Event()
        with self._lock:
            log = self._log(session_id)
            found = log.after(after)
            if not found:
                log.waiters.append((asyncio.get_running_loop(), ready))
        if found:
            return found
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(block_seconds):
                await ready.wait()
        with self._lock:
            log.waiters = [waiter for waiter in log.waiters if waiter[1] is not ready]
            return log.after(after)

    async def range_after(self, session_id: str, after: int) -> list[Entry]:
        with self._lock:
            return self._log(session_id).after(after)

    async def last_seq(self, session_id: str) -> int:
        with self._lock:
            return self._log(session_id).seq

    def set_control(self, session_id: str, control: dict[str, Any]) -> None:
        with self._lock:
            self._controls[session_id] = dict(control)

    async def control(self, session_id: str) -> dict[str, Any] | None:
        with self._lock:
            found = self._controls.get(session_id)
            return dict(found) if found is not None else None

    async def acquire_lease(self, session_id: str, token: str, seconds: float) -> bool:
        with self._lock:
            held = self._leases.get(session_id)
            if held is not None and held[1] > time.monotonic():
                return False
            self._leases[session_id] = (token, time.monotonic() + seconds)
            return True

    async def refresh_lease(self, session_id: str, token: str, seconds: float) -> bool:
        with self._lock:
            held = self._leases.get(session_id)
            if held is None or held[0] != token:
                return False
            self._leases[session_id] = (token, time.monotonic() + seconds)
            return True

    async def release_lease(self, session_id: str, token: str) -> None:
        with self._lock:
            if self._leases.get(session_id, ("", 0.0))[0] == token:
                del self._leases[session_id]

    def lease_held(self, session_id: str) -> bool:
        with self._lock:
            held = self._leases.get(session_id)
            return held is not None and held[1] > time.monotonic()

    async def set_viewers(self, session_id: str, process: str, count: int) -> None:
        with self._lock:
            counts = self._viewers.setdefault(session_id, {})
            if count:
                counts[process] = count
            else:
                counts.pop(process, None)

    async def viewers(self, session_id: str) -> int:
        return self.viewers_sync(session_id)

    def viewers_sync(self, session_id: str) -> int:
        with self._lock:
            return sum(self._viewers.get(session_id, {}).values())

    async def close_loop_client(self) -> None:
        return None


_buses: dict[tuple[str, str, str], Bus] = {}
_buses_lock = threading.Lock()


def backend_name() -> str:
    return str(conf.get("WATCH_BUS") or ("redis" if settings.REDIS_URL else "memory"))


def get_bus() -> Bus:
    """The bus for the current settings (one instance per backend, URL and prefix)."""
    kind = backend_name()
    key = (kind, str(settings.REDIS_URL), conf.redis_prefix())
    with _buses_lock:
        bus = _buses.get(key)
        if bus is None:
            bus = _buses[key] = RedisBus(settings.REDIS_URL, key[2]) if kind == "redis" else MemoryBus()
        return bus
