"""What every practice socket does the same way (``core.consumers.PracticeSocket``), tested once on
a socket of its own; the chat and watch sockets' own tests cover what each carries."""

import threading
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.http import Http404
from django.urls import path
from django.utils import translation
from prometheus_client import REGISTRY

from accounts.tests.factories import UserFactory
from accounts.ws_auth import JWTAuthMiddleware
from core import ratelimits
from core.consumers import CLOSE_NOT_FOUND, CLOSE_UNAUTHENTICATED, PracticeSocket
from core.db import db_call
from core.tests.sockets import bearer_headers
from core.ws_security import OriginOrBearerValidator

pytestmark = pytest.mark.django_db(transaction=True)


class EchoSocket(PracticeSocket):
    """Opens on "/ws/echo/<name>" unless the name is "missing"; answers each frame with what it got."""

    channel_layer_alias = "echo-uses-no-channel-layer"
    metric_mode = "chat"
    frame_limits = {"echo.stop": ()}

    async def find(self, user: Any, query: dict[str, list[str]]) -> None:
        if self.scope["url_route"]["kwargs"]["name"] == "missing":
            raise Http404

    async def opened(self) -> None:
        await self.send_json({"type": "echo.open", "html": self.html})

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        kind = str(content.get("type", "")) if isinstance(content, dict) else ""
        if not await self.within_limits(kind):
            return
        if not isinstance(content, dict):
            await self.refuse_not_json_object()
        elif kind in ("echo", "echo.stop"):
            await self.send_json({"type": "echo", "got": content})
        elif kind == "echo.thread":  # the thread this socket's database work runs on
            await self.send_json({"type": "echo.thread", "name": await db_call(_thread_name)()})
        else:
            await self.refuse_unknown(kind)

    async def send_error(self, event: dict[str, Any]) -> None:
        await self.send_json({**event, "type": "echo.error"})


def _thread_name() -> str:
    return threading.current_thread().name


application = OriginOrBearerValidator(JWTAuthMiddleware(URLRouter([path("ws/echo/<str:name>", EchoSocket.as_asgi())])))


async def _open(name: str = "room", query: str = "", language: str = "en") -> WebsocketCommunicator:
    user = await database_sync_to_async(UserFactory)(preferences={"language": language})
    communicator = WebsocketCommunicator(application, f"/ws/echo/{name}{query}", headers=bearer_headers(user))
    connected, _ = await communicator.connect()
    assert connected
    return communicator


def _open_sockets() -> float:
    return REGISTRY.get_sample_value("active_sessions", {"type": "chat"}) or 0.0


async def test_it_closes_with_4401_when_no_one_is_signed_in() -> None:
    communicator = WebsocketCommunicator(application, "/ws/echo/room", headers=[(b"authorization", b"Bearer nope")])

    assert await communicator.connect() == (False, CLOSE_UNAUTHENTICATED)


async def test_it_closes_with_4404_when_there_is_nothing_the_user_may_see() -> None:
    user = await database_sync_to_async(UserFactory)()
    communicator = WebsocketCommunicator(application, "/ws/echo/missing", headers=bearer_headers(user))

    assert await communicator.connect() == (False, CLOSE_NOT_FOUND)


async def test_it_refuses_a_browser_from_another_site() -> None:
    user = await database_sync_to_async(UserFactory)()
    headers = [(b"origin", b"https://evil.example"), *bearer_headers(user)]
    communicator = WebsocketCommunicator(application, "/ws/echo/room", headers=headers)

    connected, _ = await communicator.connect()

    assert not connected


async def test_it_tells_the_socket_whether_the_page_asked_for_html() -> None:
    page = await _open(query="?format=html")
    app = await _open()

    assert await page.receive_json_from() == {"type": "echo.open", "html": True}
    assert await app.receive_json_from() == {"type": "echo.open", "html": False}
    await page.disconnect()
    await app.disconnect()


async def test_it_counts_the_open_socket_until_it_closes() -> None:
    before = _open_sockets()
    communicator = await _open()
    await communicator.receive_json_from()
    during = _open_sockets()
    await communicator.disconnect()

    assert during == before + 1
    assert _open_sockets() == before


async def test_it_answers_a_frame_that_is_not_json_and_stays_open() -> None:
    communicator = await _open()
    await communicator.receive_json_from()

    await communicator.send_to(text_data="{not json")
    refused = await communicator.receive_json_from()
    await communicator.send_json_to([1, 2])
    not_an_object = await communicator.receive_json_from()
    await communicator.send_json_to({"type": "echo", "n": 1})

    assert refused == {"type": "echo.error", "code": "bad_frame", "message": "The message is not valid JSON."}
    assert not_an_object == {"type": "echo.error", "code": "bad_request", "message": "Send a JSON object."}
    assert await communicator.receive_json_from() == {"type": "echo", "got": {"type": "echo", "n": 1}}
    await communicator.disconnect()


async def test_it_answers_a_binary_frame_in_the_users_language_and_stays_open() -> None:
    japanese = await _open(language="ja")
    english = await _open(language="en")
    for communicator in (japanese, english):
        await communicator.receive_json_from()
        await communicator.send_to(bytes_data=b'{"type": "echo"}')
    ja_error = await japanese.receive_json_from()
    en_error = await english.receive_json_from()
    assert ja_error["code"] == en_error["code"] == "bad_frame"
    assert en_error["message"] == "Send each message as JSON text (UTF-8)."
    assert ja_error["message"] == "メッセージはJSON形式のテキスト（UTF-8）で送ってください。"
    await english.send_json_to({"type": "echo"})
    assert await english.receive_json_from() == {"type": "echo", "got": {"type": "echo"}}
    for communicator in (japanese, english):
        await communicator.disconnect()


async def test_it_closes_with_1009_for_a_frame_over_the_size_limit() -> None:
    communicator = await _open()
    await communicator.receive_json_from()
    await communicator.send_to(text_data='{"type": "echo", "text": "' + "a" * 10_000_000 + '"}')
    assert await communicator.receive_output() == {"type": "websocket.close", "code": 1009}


async def test_it_names_an_unknown_frame_type() -> None:
    communicator = await _open()
    await communicator.receive_json_from()

    await communicator.send_json_to({"type": "x" * 60})

    error = await communicator.receive_json_from()
    assert error == {"type": "echo.error", "code": "bad_request", "message": f"Unknown message type: {'x' * 40}"}
    await communicator.disconnect()


async def test_it_drops_a_frame_over_the_limit_says_when_to_retry_and_stays_open(settings: Any) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "socket": ["1/m"]}
    communicator = await _open(language="ja")
    await communicator.receive_json_from()

    await communicator.send_json_to({"type": "echo", "n": 1})
    first = await communicator.receive_json_from()
    await communicator.send_json_to({"type": "echo", "n": 2})
    limited = await communicator.receive_json_from()
    await communicator.send_json_to({"type": "echo.stop"})  # a frame with no limits is never refused

    assert first["got"]["n"] == 1
    assert limited["type"] == "echo.error" and limited["code"] == "rate_limited"
    assert 0 < limited["retry_after"] <= 60
    assert f"{limited['retry_after']}秒" in limited["message"]  # in the user's language
    assert await communicator.receive_json_from() == {"type": "echo", "got": {"type": "echo.stop"}}
    await communicator.disconnect()


async def test_a_long_wait_is_said_in_minutes(settings: Any) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "socket": ["1/h"]}
    communicator = await _open(language="en")
    await communicator.receive_json_from()

    await communicator.send_json_to({"type": "echo", "n": 1})
    await communicator.receive_json_from()
    await communicator.send_json_to({"type": "echo", "n": 2})
    limited = await communicator.receive_json_from()

    assert limited["code"] == "rate_limited" and 0 < limited["retry_after"] <= 3600
    with translation.override("en"):  # the same words as the pages: minutes beyond a minute
        assert limited["message"] == ratelimits.wait_message(limited["retry_after"])
    await communicator.disconnect()


async def _lane_of(communicator: WebsocketCommunicator) -> str:
    await communicator.send_json_to({"type": "echo.thread"})
    return str((await communicator.receive_json_from())["name"])


async def test_each_socket_keeps_one_database_lane_and_sockets_share_the_lanes(settings: Any) -> None:
    settings.DATABASE_LANES = 2
    sockets = [await _open() for _ in range(3)]
    for communicator in sockets:
        await communicator.receive_json_from()
    lanes = [await _lane_of(communicator) for communicator in sockets]
    assert all(lane.startswith("db-lane-") for lane in lanes)
    assert lanes[0] != lanes[1] and lanes[2] in (lanes[0], lanes[1])  # taken in turn
    assert [await _lane_of(communicator) for communicator in sockets] == lanes  # and kept
    for communicator in sockets:
        await communicator.disconnect()


async def test_with_one_lane_every_socket_shares_the_processs_database_thread(settings: Any) -> None:
    settings.DATABASE_LANES = 1
    sockets = [await _open() for _ in range(2)]
    for communicator in sockets:
        await communicator.receive_json_from()
    lanes = {await _lane_of(communicator) for communicator in sockets}
    assert len(lanes) == 1 and not next(iter(lanes)).startswith("db-lane-")
    for communicator in sockets:
        await communicator.disconnect()
