"""Django's PostgreSQL backend, its connection pool checking connections with ``core.db_pool``.

Django gives a pool either psycopg's round-trip check (``CONN_HEALTH_CHECKS``) or none; this
backend gives it ``check_unbroken``, which looks at the socket instead (see ``core.db_pool``).
``settings.DATABASES`` names it as the engine whenever the pool is on.
"""

from typing import Any

from django.db.backends.postgresql import base

from core.db_pool import check_unbroken


class DatabaseWrapper(base.DatabaseWrapper):
    @property
    def pool(self) -> Any:
        pool = super().pool  # type: ignore[misc]  # a property of the untyped base class
        if pool is not None and pool._check is not check_unbroken:  # psycopg-pool keeps its check here
            pool._check = check_unbroken
        return pool
