from typing import Any

import psycopg
import pytest
from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.conf import settings
from django.db import connection, transaction

from accounts.models import User
from core.db import db_call, release_connection
from core.db_pool import check_unbroken


def _holds_connection() -> bool:
    return connection.connection is not None


def _query() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


@pytest.mark.django_db(transaction=True)
async def test_db_call_hands_its_connection_back_when_it_returns() -> None:
    async with ThreadSensitiveContext():  # one thread, as a request has
        assert await db_call(_query)() > 0
        assert await sync_to_async(_holds_connection)() is False
        await sync_to_async(_query)()  # plain sync_to_async keeps it: what db_call exists to avoid
        assert await sync_to_async(_holds_connection)() is True
        await sync_to_async(release_connection)()


@pytest.mark.django_db(transaction=True)
async def test_db_call_hands_the_connection_back_when_the_function_raises() -> None:
    def failing() -> None:
        _query()
        raise ValueError("bad")

    async with ThreadSensitiveContext():  # one thread, as a request has
        with pytest.raises(ValueError):
            await db_call(failing)()
        assert await sync_to_async(_holds_connection)() is False


@pytest.mark.django_db
def test_a_connection_inside_a_transaction_is_kept() -> None:
    with transaction.atomic():
        User.objects.create(username="kept")
        release_connection()
        assert connection.connection is not None
        assert User.objects.filter(username="kept").exists()


def test_postgresql_connections_come_from_a_pool_that_checks_them() -> None:
    database = settings.DATABASES["default"]
    assert database["OPTIONS"]["pool"]["max_size"] == settings.DATABASE_POOL_MAX_SIZE > 0
    assert database["CONN_MAX_AGE"] == 0
    assert database["ENGINE"] == "core.postgresql" and connection.pool._check is check_unbroken  # type: ignore[attr-defined]
    assert database["CONN_HEALTH_CHECKS"] is False  # Django's check would be a second, a round trip


@pytest.mark.django_db(transaction=True)
def test_handing_out_a_pooled_connection_sends_no_query(monkeypatch: pytest.MonkeyPatch) -> None:
    pid = _query()
    release_connection()  # back in the pool, which now holds only connections that were used
    sent: list[str] = []
    execute = psycopg.Connection.execute

    def counting(self: psycopg.Connection[Any], query: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append(str(query))
        return execute(self, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.Connection, "execute", counting)
    connection.ensure_connection()  # a pooled connection handed out, checked
    handed = connection.connection.info.backend_pid  # type: ignore[union-attr]
    release_connection()
    assert sent == [] and handed in [pooled.info.backend_pid for pooled in connection.pool._pool]  # type: ignore[attr-defined]
    assert pid > 0


@pytest.mark.django_db(transaction=True)
def test_connections_killed_on_the_server_are_never_handed_out_again() -> None:
    pid = _query()
    release_connection()  # back in the pool, with the others the pool keeps open
    pooled = [pooled.info.backend_pid for pooled in connection.pool._pool]  # type: ignore[attr-defined]
    assert pid in pooled
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as admin:
        # As a restart does: each backend is gone (up to 5 s each) before the next query is made.
        admin.execute("SELECT pg_terminate_backend(pid, 5000) FROM unnest(%s::int[]) AS pid", [pooled])
    assert _query() not in pooled  # a fresh, working connection: no error reaches the request
