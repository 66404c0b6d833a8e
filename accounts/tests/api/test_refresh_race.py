"""Refresh-token rotation under real concurrency: separate threads, separate PostgreSQL connections."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory

REFRESH, LOGIN, ME = reverse("auth-refresh"), reverse("auth-login"), reverse("users-me")
CONCURRENT = 10


def _refresh_at_once(token: str, barrier: threading.Barrier) -> tuple[int, dict[str, str]]:
    """One request from its own thread (its own database connection), released with the others."""
    try:
        barrier.wait(timeout=10)
        response = APIClient(HTTP_ACCEPT_LANGUAGE="en").post(REFRESH, {"refresh": token}, format="json")
        return response.status_code, response.json()
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_it_lets_exactly_one_of_ten_concurrent_refreshes_with_the_same_token_succeed():
    user = UserFactory.create()
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    token = api.post(LOGIN, {"username": user.username, "password": DEFAULT_PASSWORD}, format="json").json()["refresh"]
    barrier = threading.Barrier(CONCURRENT)

    with ThreadPoolExecutor(max_workers=CONCURRENT) as pool:
        results = list(pool.map(lambda _i: _refresh_at_once(token, barrier), range(CONCURRENT)))

    statuses = sorted(status for status, _body in results)
    assert statuses == [200] + [401] * (CONCURRENT - 1)
    winner = next(body for status, body in results if status == 200)
    assert api.post(REFRESH, {"refresh": winner["refresh"]}, format="json").status_code == 200
