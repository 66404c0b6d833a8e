"""How the PostgreSQL pool checks a connection before handing it out: without a round trip.

A connection the server has dropped (a restart, an administrator's ``pg_terminate_backend``, an
idle timeout) has something waiting on its socket: the server's last error message, or the end
of the stream. An idle pooled connection in autocommit has nothing else to read (the product
listens to no notifications on them). So the check looks at the socket, which costs microseconds,
where psycopg's own ``check_connection`` sends an empty query and waits for the answer: a round
trip for every query a request or socket frame makes, on the hot path of every learner's line.
A connection the check refuses is discarded and the pool hands out another (or opens one), so a
PostgreSQL restart still costs no request.
"""

import select
from typing import Any

import psycopg


def check_unbroken(conn: Any) -> None:
    """Raise if the server has closed ``conn`` or sent it anything while it sat in the pool."""
    if conn.closed or conn.broken:
        raise psycopg.OperationalError("the connection is closed")
    if dropped(conn):
        conn.close()  # closed, the pool discards it instead of putting it back
        raise psycopg.OperationalError("the server closed the connection while it was idle")


async def check_unbroken_async(conn: Any) -> None:
    """``check_unbroken`` for an async pool (``core.adb``)."""
    if conn.closed or conn.broken:
        raise psycopg.OperationalError("the connection is closed")
    if dropped(conn):
        await conn.close()
        raise psycopg.OperationalError("the server closed the connection while it was idle")


def dropped(conn: Any) -> bool:
    """Something is waiting on an idle connection's socket: the server's goodbye, or its end."""
    readable, _, _ = select.select([conn.fileno()], [], [], 0)
    return bool(readable)
