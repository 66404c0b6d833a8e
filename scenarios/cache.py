"""The catalog cache version: bumping it makes every cached catalog answer stale at once."""

import time

from django.core.cache import cache
from django.db import transaction

VERSION_KEY = "scenarios:catalog:version"
CATALOG_TTL_SECONDS = 60 * 60


def catalog_version() -> str:
    """The current version; cached catalog entries carry it in their key."""
    version = cache.get(VERSION_KEY)
    if version is None:
        version = str(time.time_ns())
        cache.add(VERSION_KEY, version, timeout=None)
        version = cache.get(VERSION_KEY, version)
    return str(version)


def _bump() -> None:
    cache.set(VERSION_KEY, str(time.time_ns()), timeout=None)


def catalog_changed() -> None:
    """Call after scenarios change: now, and again once the transaction commits.

    The second bump stops a reader who cached the old rows between the write and the commit
    from serving them for an hour.
    """
    _bump()
    transaction.on_commit(_bump)
