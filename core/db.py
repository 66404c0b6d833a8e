"""Database access from async code, without holding a pooled connection while waiting.

Each request or socket frame borrows a PostgreSQL connection from its process's pool. Async code
(sockets, streamed replies, the judge) reaches the ORM through ``db_call``: the function runs on
the thread of its request or socket, like ``sync_to_async``, and the connection goes back to the
pool as soon as it returns, so seconds spent waiting on a model never hold one. (Channels'
``database_sync_to_async`` would also close connections inside a transaction, ending it.)
"""

from collections.abc import Callable, Coroutine
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from asgiref.sync import sync_to_async
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
