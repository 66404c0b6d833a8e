"""PostgreSQL from the event loop, for the few statements on a learner's live path.

A line sent on a socket or to the API is stored, its prompt read and its reply's row opened in one
statement (``conversations.live``), and the reply finished in another. Through the ORM those ran
on a database thread, one statement after another for every socket of the process: a burst of
lines queued behind each other's round trips. Here they run on the event loop through psycopg's
async driver, side by side on a small pool of connections, with no thread hop and no ORM work.

- ``available()``: the default database is PostgreSQL and ``DATABASE_ASYNC_POOL_SIZE`` is not
  negative (on another database the live path keeps the ORM, ``conversations.live``).
- ``fetch_one(sql, params)``: run one statement, in autocommit; its first row (or None).

Each event loop has its own pool (daphne runs one loop per process); its connections are made as
Django's would be (``get_connection_params``: the same database, user and options, so a test run
reaches the test database), in UTC, and checked before use by looking at their socket
(``core.db_pool``). ``DATABASE_ASYNC_POOL_SIZE`` is the pool's size per process; 0 opens a
connection for each statement instead (the test settings: every test has its own event loop).
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

import psycopg
from django.conf import settings
from django.db import connections
from psycopg_pool import AsyncConnectionPool

from core.db_pool import check_unbroken_async

# Connection parameters of Django's that name its own cursor and adapters, not the server.
_DJANGO_ONLY = ("cursor_factory", "context", "prepare_threshold")
_pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, AsyncConnectionPool] = weakref.WeakKeyDictionary()


def available() -> bool:
    return connections["default"].vendor == "postgresql" and pool_size() >= 0


def pool_size() -> int:
    return int(getattr(settings, "DATABASE_ASYNC_POOL_SIZE", 8))


def connection_params() -> dict[str, Any]:
    params = connections["default"].get_connection_params()
    return {key: value for key, value in params.items() if key not in _DJANGO_ONLY}


async def _configure(conn: psycopg.AsyncConnection[Any]) -> None:
    await conn.execute("SET TIME ZONE 'UTC'")


def _pool() -> AsyncConnectionPool:
    loop = asyncio.get_running_loop()
    pool = _pools.get(loop)
    if pool is None:
        size = pool_size()
        pool = AsyncConnectionPool(
            kwargs={**connection_params(), "autocommit": True},
            min_size=min(2, size),
            max_size=size,
            open=False,
            configure=_configure,
            check=check_unbroken_async,
            timeout=float(getattr(settings, "DATABASE_POOL_TIMEOUT", 10.0)),
            name="live",
        )
        _pools[loop] = pool
    return pool


async def _open(pool: AsyncConnectionPool) -> None:
    if pool.closed:
        await pool.open()


async def fetch_one(sql: str, params: dict[str, Any] | tuple[Any, ...]) -> tuple[Any, ...] | None:
    """Run one statement in autocommit; its first row, or None. Raises ``psycopg.Error``."""
    if pool_size() == 0:
        async with await psycopg.AsyncConnection.connect(**connection_params(), autocommit=True) as conn:
            await _configure(conn)
            return await _first_row(conn, sql, params)
    pool = _pool()
    await _open(pool)
    async with pool.connection() as conn:
        return await _first_row(conn, sql, params)


async def _first_row(conn: psycopg.AsyncConnection[Any], sql: str, params: Any) -> tuple[Any, ...] | None:
    cursor = await conn.execute(sql, params)
    return await cursor.fetchone() if cursor.description else None


async def close() -> None:
    """Close this loop's pool (a server shutting down; tests)."""
    pool = _pools.pop(asyncio.get_running_loop(), None)
    if pool is not None and not pool.closed:
        await pool.close()
