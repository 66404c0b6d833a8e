"""The shared rate limits: counting, the page middleware, the client address behind a proxy."""

from types import SimpleNamespace
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django_ratelimit.core import get_usage

from accounts.tests.factories import UserFactory
from core import ratelimits

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


def test_on_redis_every_window_is_counted_in_one_round_trip_on_django_ratelimits_own_counters(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _limits(settings, chat_message="3/m")
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "socket": ["100/h", "50/m"]}
    pipelines: list[int] = []
    count_hits = cache.count_hits

    def counted(keys: list[tuple[str, int]]) -> list[int]:
        pipelines.append(len(keys))
        return count_hits(keys)

    monkeypatch.setattr(cache, "count_hits", counted)
    for _ in range(2):
        assert ratelimits.hit(["socket", "chat_message"], "user:seven") is None
    assert pipelines == [3, 3]  # three windows, one call each time
    # django-ratelimit (the log-in lockout, the API throttle's reads) sees the same counts
    usage = get_usage(None, group="rl:chat_message", key=lambda _g, _r: "user:seven", rate="3/m", increment=True)
    assert usage is not None and usage["count"] == 3 and not usage["should_limit"]
    assert ratelimits.hit(["chat_message"], "user:seven") is not None  # the fourth is over


async def test_socket_frames_are_counted_at_once_and_redis_told_right_after(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio

    from core import cache as cache_module

    _limits(settings, chat_message="30/m")
    sent: list[int] = []
    send = cache_module.HitCounts._send

    async def counted(self: Any, batch: list[Any]) -> None:
        sent.append(len(batch))
        await send(self, batch)

    monkeypatch.setattr(cache_module.HitCounts, "_send", counted)
    results = await asyncio.gather(*(ratelimits.check("chat_message", "203.0.113.40") for _ in range(40)))

    assert results.count(None) == 30  # exactly the limit let through, with no round trip waited for
    assert all(wait is not None and 1 <= wait <= 60 for wait in results if wait is not None)
    assert sent == []
    await asyncio.sleep(cache_module.HitCounts.SYNC_SECONDS + 0.2)
    assert sent == [1]  # one counter, one script call for the forty frames
    # Redis now holds the forty: django-ratelimit and the thread path see them
    usage = get_usage(None, group="rl:chat_message", key=lambda _g, _r: "ip:203.0.113.40", rate="30/m")
    assert usage is not None and usage["count"] == 40
    assert await ratelimits.check("chat_message", "203.0.113.41") is None


async def test_socket_counts_learn_what_other_processes_counted(settings: Any) -> None:
    import asyncio

    from core import cache as cache_module

    _limits(settings, chat_message="5/m")
    assert await ratelimits.check("chat_message", "203.0.113.42") is None
    for _ in range(4):  # another process (or the API) counts four more
        ratelimits.hit(["chat_message"], "ip:203.0.113.42")
    await asyncio.sleep(cache_module.HitCounts.SYNC_SECONDS + 0.2)
    assert await ratelimits.check("chat_message", "203.0.113.42") is not None  # the sixth is over


def test_another_cache_counts_through_django_ratelimit(settings: Any) -> None:
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    _limits(settings, chat_message="1/m")
    assert ratelimits.hit(["chat_message"], "user:eight") is None
    assert ratelimits.hit(["chat_message"], "user:eight") is not None


async def test_an_unreachable_cache_still_limits_socket_frames_in_the_process(settings: Any) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 1},
        }
    }
    _limits(settings, chat_message="1/m")
    assert await ratelimits.check("chat_message", "198.51.100.5") is None
    assert await ratelimits.check("chat_message", "198.51.100.5") is not None


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


def test_pages_over_the_page_limit_get_a_429_page_with_retry_after(client: Client, settings: Any) -> None:
    _limits(settings, page="3/m")
    client.force_login(UserFactory())
    statuses = [client.get("/chat/").status_code for _ in range(3)]
    refused = client.get("/chat/")
    assert statuses == [200, 200, 200]
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    body = refused.content.decode()
    assert "<html" in body and "rate-limited" in body and refused["Retry-After"] in body


def test_htmx_requests_over_the_limit_get_only_the_message(client: Client, settings: Any) -> None:
    _limits(settings, page="1/m")
    client.force_login(UserFactory())
    client.get("/chat/journal/", headers={"HX-Request": "true"})
    refused = client.get("/chat/journal/", headers={"HX-Request": "true"})
    assert refused.status_code == 429
    assert "<html" not in refused.content.decode() and 'role="alert"' in refused.content.decode()


def test_anonymous_visitors_are_counted_by_the_trusted_proxy_header(client: Client, settings: Any) -> None:
    settings.TRUSTED_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    _limits(settings, page="1/m")
    first = client.get("/accounts/login/", headers={"X-Forwarded-For": "198.51.100.1"})
    spoofed = client.get("/accounts/login/", headers={"X-Forwarded-For": "192.0.2.77, 198.51.100.1"})
    other = client.get("/accounts/login/", headers={"X-Forwarded-For": "198.51.100.2"})
    assert (first.status_code, spoofed.status_code, other.status_code) == (200, 429, 200)


def test_probes_and_static_files_are_never_limited(client: Client, settings: Any) -> None:
    _limits(settings, page="1/m")
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


def _shipped_limits(settings: Any) -> None:
    from workplace_roleplay.settings import base

    settings.RATE_LIMITS = dict(base.RATE_LIMITS)


def test_a_brisk_learner_is_never_locked_out_of_the_pages(client: Client, settings: Any) -> None:
    _shipped_limits(settings)
    client.force_login(UserFactory())
    statuses = {client.get("/chat/journal/", headers={"HX-Request": "true"}).status_code for _ in range(80)}
    assert statuses == {200}


async def test_a_brisk_learner_is_never_locked_out_of_the_sockets(settings: Any) -> None:
    _shipped_limits(settings)
    address = "203.0.113.50"  # counted like a signed-in user, without a database row
    waits = [await ratelimits.check((ratelimits.DEFAULT, ratelimits.CHAT_MESSAGE), address) for _ in range(25)]
    waits += [await ratelimits.check(ratelimits.DEFAULT, address) for _ in range(55)]
    assert waits == [None] * 80


def test_the_api_keeps_its_own_limits_apart_from_the_pages(settings: Any) -> None:
    _limits(settings, default="1/m")
    assert ratelimits.hit([ratelimits.DEFAULT], "user:one") is None
    assert ratelimits.hit([ratelimits.PAGE], "user:one") is None
    assert ratelimits.hit([ratelimits.DEFAULT], "user:one") is not None


def _clock_just_after_a_window_ends(monkeypatch: pytest.MonkeyPatch, user: Any, period: int) -> None:
    """Hold the limiter's clock one second into the user's window: its end is ``period - 1``
    seconds away, wherever the user's own jitter (django-ratelimit's ``_get_window``) puts it."""
    import django_ratelimit.core

    clock = SimpleNamespace(time=lambda: 1_800_000_000)
    monkeypatch.setattr(django_ratelimit.core, "time", clock)
    ended = django_ratelimit.core._get_window(ratelimits.subject_of(user), period)  # a window ends here
    clock.time = lambda: ended + 1


def test_the_wait_is_said_in_minutes_in_the_learners_language(
    client: Client, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _limits(settings, page="1/h")
    english = UserFactory(preferences={"language": "en"})
    _clock_just_after_a_window_ends(monkeypatch, english, 3600)
    client.force_login(english)
    client.get("/chat/")
    refused = client.get("/chat/")
    body = refused.content.decode()
    assert refused.status_code == 429
    assert refused["Retry-After"] == "3599"
    assert "Please wait 60 minutes" in body and "second" not in body
    japanese_user = UserFactory(preferences={"language": "ja"})
    _clock_just_after_a_window_ends(monkeypatch, japanese_user, 3600)
    japanese = Client()
    japanese.force_login(japanese_user)
    japanese.get("/chat/")
    assert "60分待ってから" in japanese.get("/chat/").content.decode()


def test_the_wait_text_counts_seconds_under_a_minute_and_minutes_after() -> None:
    from django.utils import translation

    with translation.override("en"):
        assert ratelimits.wait_message(1) == "You are going a little fast. Please wait 1 second and try again."
        assert "wait 59 seconds" in ratelimits.wait_message(59)
        assert "wait 1 minute and" in ratelimits.wait_message(60)
        assert "wait 29 minutes" in ratelimits.wait_message(1701)
    with translation.override("ja"):
        assert "29分" in ratelimits.wait_message(1701)


def test_feedback_for_a_conversation_with_learner_lines_is_never_refused(
    client: Client, settings: Any, fake_llm: Any
) -> None:
    from conversations.tests.factories import ConversationFactory, MessageFactory, judge_answer

    _limits(settings, page="1/h")
    conversation = ConversationFactory()
    MessageFactory(conversation=conversation, content="ご相談があります")
    fake_llm.reply_json(judge_answer("ご相談があります"))
    client.force_login(conversation.user)
    assert client.get(f"/chat/{conversation.id}/").status_code == 200
    assert client.get(f"/chat/{conversation.id}/").status_code == 429
    response = client.post(f"/chat/{conversation.id}/feedback/", headers={"HX-Request": "true"})
    assert response.status_code == 200 and "丁寧でした" in response.content.decode()


def test_feedback_over_the_api_is_never_refused_by_the_api_budget(client: Client, settings: Any, fake_llm: Any) -> None:
    from rest_framework_simplejwt.tokens import AccessToken

    from conversations.tests.factories import ConversationFactory, MessageFactory, judge_answer

    _limits(settings, default="1/m")
    conversation = ConversationFactory()
    MessageFactory(conversation=conversation, content="ご相談があります")
    fake_llm.reply_json(judge_answer("ご相談があります"))
    auth = {"HTTP_AUTHORIZATION": f"Bearer {AccessToken.for_user(conversation.user)}"}
    assert client.get("/api/v1/chat/history", **auth).status_code == 200
    assert client.get("/api/v1/chat/history", **auth).status_code == 429

    response = client.post(
        "/api/v1/chat/feedback", {"conversation_id": str(conversation.id)}, content_type="application/json", **auth
    )

    assert response.status_code == 200 and response.json()["feedback"]["summary"] == "丁寧でした"


class _NoFullScan(dict):  # type: ignore[type-arg]
    """Counters an exchange may look up by name but never walk through."""

    def _refuse(self, *args: Any) -> Any:
        raise AssertionError("an exchange walked every counter of the process")

    items = values = keys = __iter__ = _refuse  # type: ignore[assignment]


async def test_an_exchange_reads_only_the_counters_counted_since_the_last_one(settings: Any) -> None:
    """A process keeps a counter for every subject counted within the longest window (an hour):
    the exchange every ``SYNC_SECONDS`` must not walk them all, only those counted since."""
    import asyncio

    from core import cache as cache_module

    _limits(settings, chat_message="30/m")
    for number in range(50):  # fifty learners counted once, then quiet
        assert await ratelimits.check("chat_message", f"203.0.113.{number + 100}") is None
    await asyncio.sleep(cache_module.HitCounts.SYNC_SECONDS + 0.2)
    counts = cache_module._hit_counts(cache._servers[0], cache._options)  # type: ignore[attr-defined]
    counts.counters = _NoFullScan(counts.counters)

    assert await ratelimits.check("chat_message", "203.0.113.100") is None  # one of them speaks again
    await counts.send_now()

    usage = get_usage(None, group="rl:chat_message", key=lambda _g, _r: "ip:203.0.113.100", rate="30/m")
    assert usage is not None and usage["count"] == 2  # Redis was told


async def test_counters_whose_window_has_ended_are_forgotten(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    from core import cache as cache_module

    monkeypatch.setattr(cache_module.HitCounts, "SWEEP_SECONDS", 0.0)
    monkeypatch.setattr(ratelimits, "EXPIRATION_FUDGE", 0)
    _limits(settings, watch_start="5/s")
    assert await ratelimits.check("watch_start", "198.51.100.60") is None
    counts = cache_module._hit_counts(cache._servers[0], cache._options)  # type: ignore[attr-defined]
    first = set(counts.counters)
    await asyncio.sleep(1.3)  # the one-second window has ended

    assert await ratelimits.check("watch_start", "198.51.100.61") is None
    await counts.send_now()

    assert len(first) == 1 and not first & set(counts.counters)  # the ended window's counter is gone
    assert len(counts.counters) == 1  # the new learner's
