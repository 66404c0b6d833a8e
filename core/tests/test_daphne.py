"""The real ASGI application under daphne: a stream that fails after its response started must
leave the server answering later failing requests (daphne's application checker must survive)."""

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from rest_framework_simplejwt.tokens import AccessToken

from conftest import LiveServer, live_asgi_process
from watch.models import State
from watch.tests.factories import WatchSessionFactory

FAILING_POSITION = 7  # the server's event log "fails" when asked for the events after it
UNGUARDED_POSITION = 8  # ... and then even the stream's own error event fails
FAIL_HEADER = "x-test-fail-before-response"  # the application raises before it answers
STOP_CHECKER_HEADER = "x-test-stop-application-checker"


def _plant_failures() -> None:
    """In the server process: failures the tests trigger by the position or a header they send."""
    import redis
    from django.core.signals import request_started

    from core import sse
    from watch import broadcast

    replay, stream_error = broadcast.replay, getattr(sse, "stream_error", None)

    async def failing_replay(session_id: str, after: int) -> Any:
        if after in (FAILING_POSITION, UNGUARDED_POSITION):
            raise redis.ResponseError("Invalid stream ID specified as stream command argument")
        return await replay(session_id, after)

    def failing_stream_error() -> dict[str, Any]:
        raise RuntimeError("the error event itself failed")

    async def before_request(sender: Any, scope: dict[str, Any] | None = None, **kwargs: Any) -> None:
        headers = dict((scope or {}).get("headers", []))
        if b"last-event-id" in headers and headers[b"last-event-id"] == str(UNGUARDED_POSITION).encode():
            sse.stream_error = failing_stream_error  # type: ignore[assignment]
        else:
            sse.stream_error = stream_error  # type: ignore[assignment]
        if STOP_CHECKER_HEADER.encode() in headers:
            _stop_application_checker()
        if FAIL_HEADER.encode() in headers:
            raise RuntimeError("planted failure before the response")

    broadcast.replay = failing_replay  # type: ignore[assignment]
    request_started.connect(before_request, weak=False)


def _stop_application_checker() -> None:
    """What a failing ``handle_exception`` does to daphne: its checker never runs again."""
    from daphne.server import Server
    from twisted.internet import reactor

    for call in reactor.getDelayedCalls():  # type: ignore[attr-defined]
        if getattr(call.func, "__func__", None) is Server.application_checker:
            call.cancel()


@pytest.fixture
def server(transactional_db: None, django_db_blocker: Any) -> Iterator[LiveServer]:
    with live_asgi_process(django_db_blocker, setup=_plant_failures) as live:
        yield live


@pytest.fixture
def watcher(transactional_db: None) -> Callable[[str], httpx.Response]:
    session = WatchSessionFactory(state=State.PAUSED)  # nothing for a runner to do
    token = str(AccessToken.for_user(session.user))

    def open_stream(base_url: str, query: str = "", **headers: str) -> httpx.Response:
        url = f"{base_url}/api/v1/watch/stream/{session.id}{query}"
        return httpx.get(url, headers={"Authorization": f"Bearer {token}", **headers}, timeout=10)

    return open_stream  # type: ignore[return-value]


def _assert_failing_requests_get_500(server: LiveServer) -> None:
    for _ in range(2):
        response = httpx.get(f"{server.url}/api/v1/watch/sessions", headers={FAIL_HEADER: "1"}, timeout=10)
        assert response.status_code == 500


def test_it_refuses_a_stream_position_past_64_bits_and_keeps_answering(server: LiveServer, watcher: Any) -> None:
    response = watcher(server.url, **{"Last-Event-ID": "18446744073709551616"})
    assert response.status_code == 400
    assert watcher(server.url, "?last_event_id=²").status_code == 400
    _assert_failing_requests_get_500(server)


def test_a_stream_failing_after_its_first_byte_ends_with_an_error_event(server: LiveServer, watcher: Any) -> None:
    response = watcher(server.url, **{"Last-Event-ID": str(FAILING_POSITION)})
    assert response.status_code == 200
    assert response.text.startswith("event: watch.error\n") and '"retryable": true' in response.text
    _assert_failing_requests_get_500(server)
    health = httpx.get(f"{server.url}/healthz", timeout=10)
    assert health.status_code == 200 and health.json()["server"] == "ok"


def test_a_stream_whose_error_handling_fails_too_is_ended_cleanly(server: LiveServer, watcher: Any) -> None:
    response = watcher(server.url, **{"Last-Event-ID": str(UNGUARDED_POSITION)})
    assert response.status_code == 200 and response.text == ""  # ended, not left hanging
    _assert_failing_requests_get_500(server)
    assert httpx.get(f"{server.url}/healthz", timeout=10).json()["server"] == "ok"


def test_liveness_fails_once_the_application_checker_stopped(server: LiveServer) -> None:
    assert httpx.get(f"{server.url}/healthz", timeout=10).status_code == 200
    response = httpx.get(f"{server.url}/healthz", headers={STOP_CHECKER_HEADER: "1"}, timeout=10)
    assert response.status_code == 503
    assert response.json()["server"] == "down" and response.json()["status"] == "degraded"
