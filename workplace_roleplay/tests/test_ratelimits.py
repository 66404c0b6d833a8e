"""The shared rate limits: counting, the page middleware, the client address behind a proxy."""

from typing import Any

import pytest
from django.test import Client

from accounts.tests.factories import UserFactory
from workplace_roleplay import ratelimits

pytestmark = pytest.mark.django_db


def _limits(settings: Any, **limits: str) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, **{name: [rate] for name, rate in limits.items()}}


def test_it_refuses_the_request_over_the_limit_and_says_how_long_to_wait(settings: Any) -> None:
    _limits(settings, chat_message="2/m")
    results = [ratelimits.hit(["chat_message"], "user:one") for _ in range(3)]
    assert results[:2] == [None, None]
    assert results[2] is not None and 1 <= results[2] <= 60


def test_it_counts_each_user_and_each_limit_apart(settings: Any) -> None:
    _limits(settings, chat_message="1/m", scenario_start="1/m")
    assert ratelimits.hit(["chat_message"], "user:one") is None
    assert ratelimits.hit(["chat_message"], "user:two") is None
    assert ratelimits.hit(["scenario_start"], "user:one") is None
    assert ratelimits.hit(["chat_message"], "user:one") is not None


def test_every_rate_of_a_limit_applies(settings: Any) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "default": ["100/h", "2/m"]}
    assert [ratelimits.hit(["default"], "ip:203.0.113.9") is None for _ in range(3)] == [True, True, False]


async def test_the_consumer_check_answers_with_the_seconds_to_wait(settings: Any) -> None:
    _limits(settings, watch_start="1/m")
    assert await ratelimits.check("watch_start", "203.0.113.7") is None
    retry_after = await ratelimits.check("watch_start", "203.0.113.7")
    assert retry_after is not None and retry_after >= 1


def test_limits_come_from_the_environment_in_several_shapes(settings: Any) -> None:
    settings.RATE_LIMITS = {"default": "200/h, 50/m", "chat_message": ["30/m"]}
    assert ratelimits.rates_for("default") == ["200/h", "50/m"]
    assert ratelimits.rates_for("chat_message") == ["30/m"]
    assert ratelimits.rates_for("unknown") == []


def test_an_unreachable_cache_lets_requests_through(settings: Any) -> None:
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    _limits(settings, chat_message="0/m")
    assert ratelimits.hit(["chat_message"], "user:one") is None


def test_pages_over_the_default_limit_get_a_429_page_with_retry_after(client: Client, settings: Any) -> None:
    _limits(settings, default="3/m")
    client.force_login(UserFactory())
    statuses = [client.get("/chat/").status_code for _ in range(3)]
    refused = client.get("/chat/")
    assert statuses == [200, 200, 200]
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    body = refused.content.decode()
    assert "<html" in body and "rate-limited" in body and refused["Retry-After"] in body


def test_htmx_requests_over_the_limit_get_only_the_message(client: Client, settings: Any) -> None:
    _limits(settings, default="1/m")
    client.force_login(UserFactory())
    client.get("/chat/journal/", headers={"HX-Request": "true"})
    refused = client.get("/chat/journal/", headers={"HX-Request": "true"})
    assert refused.status_code == 429
    assert "<html" not in refused.content.decode() and 'role="alert"' in refused.content.decode()


def test_anonymous_visitors_are_counted_by_the_trusted_proxy_header(client: Client, settings: Any) -> None:
    settings.TRUSTED_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    _limits(settings, default="1/m")
    first = client.get("/accounts/login/", headers={"X-Forwarded-For": "198.51.100.1"})
    spoofed = client.get("/accounts/login/", headers={"X-Forwarded-For": "192.0.2.77, 198.51.100.1"})
    other = client.get("/accounts/login/", headers={"X-Forwarded-For": "198.51.100.2"})
    assert (first.status_code, spoofed.status_code, other.status_code) == (200, 429, 200)


def test_probes_and_static_files_are_never_limited(client: Client, settings: Any) -> None:
    _limits(settings, default="1/m")
    assert [client.get("/healthz").status_code for _ in range(3)] == [200, 200, 200]
    assert [client.get("/readyz").status_code for _ in range(3)] == [200, 200, 200]


def test_the_api_answers_429_as_json_with_retry_after(settings: Any) -> None:
    from rest_framework.test import APIClient

    _limits(settings, default="2/m")
    api = APIClient()
    api.force_authenticate(UserFactory())
    [api.get("/api/v1/chat/history") for _ in range(2)]
    refused = api.get("/api/v1/chat/history")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    assert set(refused.json()) == {"detail", "retry_after"}
    assert refused.json()["retry_after"] == int(refused["Retry-After"])
