import threading
from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from conversations.models import Message
from conversations.tests.factories import ConversationFactory, MessageFactory
from core.cache import ResilientRedisCache

pytestmark = pytest.mark.django_db

DOWN = "redis://127.0.0.1:1/0"  # nothing listens there


def _down_cache() -> ResilientRedisCache:
    return ResilientRedisCache(DOWN, {"OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}})


def test_it_answers_a_miss_and_skips_writes_while_redis_is_unreachable() -> None:
    cache = _down_cache()
    assert cache.get("k", "fallback") == "fallback"
    assert cache.get_many(["a", "b"]) == {}
    cache.set("k", 1)
    cache.delete("k")
    assert cache.add("k", 1) is False


def test_it_keeps_its_time_to_live_when_redis_is_up() -> None:
    cache = caches["default"]
    client = cache._cache.get_client()  # type: ignore[attr-defined]
    cache.set("ttl-check", 1, 30)
    assert 0 < client.ttl(cache.make_and_validate_key("ttl-check")) <= 30
    cache.set("default-ttl", 1)
    assert 290 < client.ttl(cache.make_and_validate_key("default-ttl")) <= 300
    assert cache.get("default-ttl") == 1


def test_chat_keeps_serving_while_redis_is_down(settings: Any, fake_llm: Any) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": DOWN,
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    assert isinstance(caches["default"], ResilientRedisCache) and caches["default"].get("x", "miss") == "miss"
    conversation = ConversationFactory()
    MessageFactory(conversation=conversation, role="assistant", content="お疲れさま")
    fake_llm.reply(tokens=["はい", "どうぞ"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(conversation.user)}")
    response = client.post(
        "/api/v1/chat/message", {"conversation_id": str(conversation.id), "text": "質問です"}, format="json"
    )
    assert response.status_code == 201 and response.json()["reply"]["content"] == "はいどうぞ"
    assert Message.objects.filter(conversation=conversation).count() == 3
    page = Client()
    page.force_login(conversation.user)
    assert page.get(f"/chat/{conversation.id}/").status_code == 200


def test_analytics_invalidation_does_not_fail_while_redis_is_down(monkeypatch: pytest.MonkeyPatch) -> None:
    from analytics import cache as analytics_cache

    monkeypatch.setattr(analytics_cache, "cache", _down_cache())
    analytics_cache.bump_user_version("some-user")  # an analysis landing during a Redis restart
    assert analytics_cache.user_version("some-user") == 1


def test_every_cache_object_of_the_process_shares_one_pool_of_redis_connections() -> None:
    """Django makes a cache object per thread and async context; each would otherwise open its own
    Redis connections (a new one for every request thread and socket task)."""
    here = caches["default"]
    elsewhere: list[Any] = []
    thread = threading.Thread(target=lambda: elsewhere.append(caches["default"]))
    thread.start()
    thread.join()
    assert elsewhere[0] is not here
    assert elsewhere[0]._cache is here._cache
    assert (
        elsewhere[0]._cache.get_client(write=True).connection_pool is here._cache.get_client(write=True).connection_pool
    )


def test_cache_calls_reuse_one_redis_client_instead_of_building_one_each(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each ``redis.Redis`` builds its table of response callbacks: that cost is paid once, not per call."""
    import redis

    client = caches["default"]._cache.get_client(write=True)
    built: list[Any] = []
    original = redis.Redis.__init__

    def counting(self: Any, *args: Any, **kwargs: Any) -> None:
        built.append(1)
        original(self, *args, **kwargs)

    monkeypatch.setattr(redis.Redis, "__init__", counting)
    caches["default"].set("shared-client", 1)
    assert caches["default"].get("shared-client") == 1
    assert caches["default"]._cache.get_client(write=True) is client
    assert built == []
