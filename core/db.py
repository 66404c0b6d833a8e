"""Database access from async code, without holding a pooled connection while waiting, and the
database lanes sockets do it on.

Each request or socket frame borrows a PostgreSQL connection from its process's pool. Async code
(sockets, streamed replies, the judge) reaches the ORM through ``db_call``: the function runs on
the thread of its request or socket, like ``sync_to_async``, and the connection goes back to the
pool as soon as it returns, so seconds spent waiting on a model never hold one. (Channels'
``database_sync_to_async`` would also close connections inside a transaction, ending it.)

A request has a thread of its own (Django's ASGI handler). Sockets do not: each socket runs in
one of ``settings.DATABASE_LANES`` lanes, single threads taken in turn (``database_lane``), so a
socket's calls keep their order on one thread while a burst of sockets is served by several
threads side by side, their database round trips overlapping. One lane is the default: every
further thread takes the interpreter lock from the event loop that streams replies (measured in
the README); a thread per socket is worse still.
"""

import itertools
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connection

P = ParamSpec("P")
R = TypeVar("R")


def release_connection() -> None:
    """Give this thread's connection back (to the pool, or close it); the next query takes another.

    A connection inside a transaction is kept: closing it would end the transaction.
    """
    if not connection.in_atomic_block:
        connection.close()


def db_call(function: Callable[P, R]) -> Callable[P, Coroutine[Any, Any, R]]:
    """``function`` as a coroutine function run on this context's thread, releasing its connection after."""

    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return function(*args, **kwargs)
        finally:
            release_connection()

    return wraps(function)(sync_to_async(run))


_lanes: list[ThreadPoolExecutor] = []
_lanes_lock = threading.Lock()
_turn = itertools.count()


def database_lane() -> ThreadPoolExecutor | None:
    """The next of this process's database lanes (single-thread executors), in turn; None with
    ``DATABASE_LANES`` below 2 (every socket then shares the process's one thread)."""
    count = int(getattr(settings, "DATABASE_LANES", 0) or 0)
    if count < 2:
        return None
    if len(_lanes) != count:
        with _lanes_lock:
            while len(_lanes) < count:
                _lanes.append(ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"db-lane-{len(_lanes)}"))
    return _lanes[next(_turn) % count]
