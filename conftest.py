"""Fixtures shared by every app's tests."""

from collections.abc import Iterator

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clean_cache() -> Iterator[None]:
    """Each test starts with an empty cache (Redis database of the test settings)."""
    cache.clear()
    yield
