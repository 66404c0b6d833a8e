"""Breaking the database under a reply, as a PostgreSQL restart does, from another connection."""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from django.db import connection


class WriteBreaker(threading.Thread):
    """Waits for a reply row (``status = 'streaming'``) of ``table`` with ``column = value``, locks it so
    the write that ends the reply waits, then terminates the waiting server connection with
    ``pg_terminate_backend`` ``times`` times (each retry waits again) and lets the row go."""

    def __init__(self, params: dict[str, Any], table: str, column: str, value: str, times: int) -> None:
        super().__init__(daemon=True)
        self.params, self.table, self.column, self.value, self.times = params, table, column, value, times
        self.terminated: list[int] = []
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with psycopg.connect(**self.params) as holder, psycopg.connect(**self.params, autocommit=True) as killer:
                self._lock_reply(holder)
                for _ in range(self.times):
                    self.terminated.append(self._terminate_waiting_writer(killer, holder.info.backend_pid))
                holder.rollback()
        except BaseException as error:  # noqa: BLE001 - reported to the test
            self.error = error

    def _lock_reply(self, holder: psycopg.Connection[Any]) -> None:
        query = f"SELECT id FROM {self.table} WHERE status = 'streaming' AND {self.column} = %s FOR UPDATE"  # noqa: S608
        for _ in _polling():
            if holder.execute(query, [self.value]).fetchall():
                return
            holder.rollback()

    def _terminate_waiting_writer(self, killer: psycopg.Connection[Any], holder_pid: int) -> int:
        # A terminated writer lingers in pg_stat_activity for a moment: wait for the next one.
        query = "SELECT pid FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid)) AND NOT pid = ANY(%s)"
        for _ in _polling():
            row = killer.execute(query, [holder_pid, self.terminated]).fetchone()
            if row is not None:
                killer.execute("SELECT pg_terminate_backend(%s)", [row[0]])
                return int(row[0])
        raise AssertionError("unreachable")


def _polling(timeout: float = 15.0) -> Iterator[None]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        yield
        time.sleep(0.01)
    raise AssertionError("timed out waiting for the reply's write")


def _admin_params() -> dict[str, Any]:
    settings = connection.settings_dict
    return {
        "dbname": settings["NAME"],
        "host": settings["HOST"] or None,
        "port": settings["PORT"] or None,
        "user": settings["USER"] or None,
        "password": settings["PASSWORD"] or None,
    }


@contextmanager
def reply_write_broken(table: str, column: str, value: Any, *, times: int = 1) -> Iterator[WriteBreaker]:
    """Within the block, the write that ends the reply of ``column = value`` in ``table`` is cut off
    ``times`` times; on leaving, the breaker must have done so."""
    breaker = WriteBreaker(_admin_params(), table, column, str(value), times)
    breaker.start()
    yield breaker
    breaker.join(timeout=30)
    if breaker.error is not None:
        raise breaker.error
    assert len(breaker.terminated) == times
