"""The watch socket and frames a client should never send: each is answered, none drops the socket."""

from typing import Any

import pytest
from channels.testing import WebsocketCommunicator

from accounts.models import DEFAULT_PREFERENCES
from accounts.tests.factories import UserFactory
from core.tests import raw_websocket as raw
from core.tests.raw_websocket import TEXT, Closed, RawWebSocket
from watch.models import State, WatchMessage, WatchSession
from watch.tests.conftest import db
from watch.tests.factories import WatchSessionFactory
from watch.tests.helpers import connect, headers, receive_until

pytestmark = pytest.mark.django_db(transaction=True)

MALFORMED_TEXT_FRAMES = raw.malformed_text_frames("watch.message", '{"type": "watch.pace", "pace": {number}}')


async def _owner_socket(language: str = "ja") -> tuple[Any, WebsocketCommunicator]:
    user = await db(UserFactory)(preferences={**DEFAULT_PREFERENCES, "language": language})
    session = await db(WatchSessionFactory)(user=user, state=State.STEPPED_IN, seat=1)
    communicator = await connect(session, user)
    assert (await communicator.receive_json_from())["type"] == "watch.snapshot"
    return session, communicator


async def _still_answers(communicator: WebsocketCommunicator) -> None:
    await communicator.send_json_to({"type": "watch.pace", "pace": "warp"})
    assert (await receive_until(communicator, "watch.error"))[-1]["code"] == "invalid"


@pytest.mark.parametrize("frame", MALFORMED_TEXT_FRAMES.values(), ids=MALFORMED_TEXT_FRAMES.keys())
async def test_it_answers_a_malformed_text_frame_and_stays_open(frame: str) -> None:
    session, communicator = await _owner_socket()
    await communicator.send_input({"type": "websocket.receive", "text": frame})
    error = (await receive_until(communicator, "watch.error"))[-1]
    assert error["code"] == "bad_frame" and error["message"]
    assert not await db(WatchMessage.objects.filter(session=session).exists)()
    await _still_answers(communicator)
    await communicator.disconnect()


async def test_a_binary_frame_is_refused_with_an_error_frame_and_stores_nothing() -> None:
    session, communicator = await _owner_socket("en")
    await communicator.send_to(bytes_data=b'{"type": "watch.stop"}')
    error = (await receive_until(communicator, "watch.error"))[-1]
    assert error["code"] == "bad_frame"
    assert not await db(WatchMessage.objects.filter(session=session).exists)()
    await _still_answers(communicator)
    await communicator.disconnect()


async def test_an_oversized_watch_line_is_closed_with_1009_and_stores_nothing() -> None:
    session, communicator = await _owner_socket()
    await communicator.send_to(text_data='{"type": "watch.message", "text": "' + "a" * 10_000_000 + '"}')
    assert (await communicator.receive_output())["code"] == 1009
    assert not await db(WatchMessage.objects.filter(session=session).exists)()


# --- Through daphne: what a real client can put on the wire --------------------------------------


def _raw_socket(live_asgi_server: Any) -> tuple[WatchSession, RawWebSocket]:
    session = WatchSessionFactory(state=State.PAUSED)
    socket = RawWebSocket(f"{live_asgi_server.ws_url}/ws/watch/{session.id}", headers(session.user))
    assert socket.receive_json()["type"] == "watch.snapshot"
    return session, socket


def _receive_until(socket: RawWebSocket, kind: str) -> dict[str, Any]:
    while (frame := socket.receive_json())["type"] != kind:
        pass
    return frame


@pytest.mark.parametrize(("opcode", "payload"), raw.undecodable_frames("watch.message"))
def test_it_answers_undecodable_frames_on_the_server_and_stays_open(
    live_asgi_server: Any, opcode: int, payload: bytes
) -> None:
    _, socket = _raw_socket(live_asgi_server)
    socket.send_frame(opcode, payload)
    assert _receive_until(socket, "watch.error")["code"] == "bad_frame"
    socket.send_json({"type": "watch.pace", "pace": "warp"})
    assert _receive_until(socket, "watch.error")["code"] == "invalid"  # still open, still answering
    socket.close()


def test_it_refuses_a_10_mb_frame_on_the_server_with_1009(live_asgi_server: Any) -> None:
    session, socket = _raw_socket(live_asgi_server)
    socket.send_frame(TEXT, raw.oversized_frame("watch.message"))
    with pytest.raises(Closed) as closed:
        while True:
            socket.receive()
    assert closed.value.code == 1009
    assert not WatchMessage.objects.filter(session=session).exists()


@pytest.mark.parametrize("seat", ["1e400", "-1e400", "[1]", '"x"'])
async def test_it_answers_a_seat_that_is_not_a_persona(seat: str) -> None:
    session = await db(WatchSessionFactory)(state=State.PAUSED)
    communicator = await connect(session, session.user)
    await communicator.receive_json_from()
    await communicator.send_input({"type": "websocket.receive", "text": f'{{"type": "watch.step_in", "seat": {seat}}}'})
    assert (await receive_until(communicator, "watch.error"))[-1]["code"] == "invalid"
    await _still_answers(communicator)
    await communicator.disconnect()


async def test_a_watch_frame_is_handled_after_channels_sweep_of_old_connections(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import channels.consumer

    sweeps: list[int] = []
    sweep = channels.consumer.aclose_old_connections

    async def counted() -> None:
        sweeps.append(1)
        await sweep()

    monkeypatch.setattr(channels.consumer, "aclose_old_connections", counted)
    _session, communicator = await _owner_socket()
    before = len(sweeps)
    await _still_answers(communicator)
    await communicator.disconnect()
    assert len(sweeps) > before
