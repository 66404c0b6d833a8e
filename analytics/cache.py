"""Per-user cache of analytics figures (Redis in deployment), invalidated by a version key.

Every cached value's key carries the user's version number; when an analysis lands (or is
removed) the version goes up, so older entries are never read again and simply expire.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache
from django.utils import translation

from core.cache import UNREACHABLE

T = TypeVar("T")

STRENGTHS_TTL = 5 * 60
PROGRESS_TTL = 15 * 60
REPORT_TTL = 60 * 60
PAGE_TTL = 5 * 60


def _version_key(user_id: object) -> str:
    return f"analytics:{user_id}:version"


def user_version(user_id: object) -> int:
    version = cache.get(_version_key(user_id))
    if version is None:
        cache.add(_version_key(user_id), 1, timeout=None)
        version = cache.get(_version_key(user_id), 1)
    return int(version)


def bump_user_version(user_id: object) -> None:
    """Forget every cached figure of this user."""
    key = _version_key(user_id)
    cache.add(key, 1, timeout=None)
    try:
        cache.incr(key)
    except ValueError:  # expired or evicted between the two calls
        cache.set(key, 2, timeout=None)
    except UNREACHABLE:  # Redis is restarting: it comes back empty, with nothing stale to forget
        pass


def cache_key(user_id: object, name: str, *params: object) -> str:
    shape = repr((translation.get_language(), *params)).encode()
    digest = hashlib.sha256(shape).hexdigest()[:16]
    return f"analytics:{user_id}:v{user_version(user_id)}:{name}:{digest}"


def cached(user_id: object, name: str, ttl: int, compute: Callable[[], T], *params: object) -> T:
    key = cache_key(user_id, name, *params)
    value: Any = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, ttl)
    return value  # type: ignore[no-any-return]
