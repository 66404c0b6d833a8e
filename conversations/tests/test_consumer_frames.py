"""The chat socket and frames a client should never send: each is answered, none drops the socket."""

from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from rest_framework_simplejwt.tokens import AccessToken

from accounts.models import DEFAULT_PREFERENCES
from accounts.tests.factories import UserFactory
from conversations.models import Message
from conversations.tests.factories import ConversationFactory, MessageFactory
from core.tests import raw_websocket as raw
from core.tests.raw_websocket import TEXT, Closed, RawWebSocket
from workplace_roleplay.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)

MALFORMED_TEXT_FRAMES = raw.malformed_text_frames(
    "chat.message", '{"type": "chat.message", "text": "hi", "client_id": {number}}'
)


def _headers(user: Any) -> list[tuple[bytes, bytes]]:
    return [(b"authorization", f"Bearer {AccessToken.for_user(user)}".encode())]


async def _started(language: str = "ja") -> Any:
    user = await database_sync_to_async(UserFactory)(preferences={**DEFAULT_PREFERENCES, "language": language})
    conversation = await database_sync_to_async(ConversationFactory)(user=user)
    await database_sync_to_async(MessageFactory)(conversation=conversation, role="assistant", content="お疲れさま！")
    return conversation


async def _connect(conversation: Any) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(
        application, f"/ws/chat/{conversation.id}", headers=_headers(conversation.user)
    )
    connected, _ = await communicator.connect()
    assert connected
    assert (await communicator.receive_json_from())["type"] == "chat.history"
    return communicator


async def _learner_lines(conversation: Any) -> list[str]:
    rows = Message.objects.filter(conversation=conversation, role="user").order_by("created_at")
    return await database_sync_to_async(lambda: [m.content for m in rows])()


async def _still_answers(communicator: WebsocketCommunicator) -> None:
    await communicator.send_json_to({"type": "chat.message", "text": "こんにちは", "client_id": "after"})
    event = await communicator.receive_json_from()
    assert event["type"] == "chat.message.new" and event["message"]["content"] == "こんにちは"


@pytest.mark.parametrize("frame", MALFORMED_TEXT_FRAMES.values(), ids=MALFORMED_TEXT_FRAMES.keys())
async def test_it_answers_a_malformed_text_frame_and_stays_open(fake_llm: Any, frame: str) -> None:
    fake_llm.reply(tokens=["はい"])
    conversation = await _started()
    communicator = await _connect(conversation)
    await communicator.send_input({"type": "websocket.receive", "text": frame})
    error = await communicator.receive_json_from()
    assert error["type"] == "chat.error" and error["code"] == "bad_frame" and error["message"]
    assert await _learner_lines(conversation) == []
    await _still_answers(communicator)
    await communicator.disconnect()


async def test_a_binary_frame_is_refused_with_an_error_frame_and_stores_nothing(fake_llm: Any) -> None:
    fake_llm.reply(tokens=["Sure"])
    conversation = await _started("en")
    communicator = await _connect(conversation)
    await communicator.send_to(bytes_data=b'{"type": "chat.message", "text": "hi"}')
    error = await communicator.receive_json_from()
    assert error["type"] == "chat.error" and error["code"] == "bad_frame"
    assert await _learner_lines(conversation) == []
    await _still_answers(communicator)
    await communicator.disconnect()


async def test_an_oversized_chat_line_is_closed_with_1009_and_stores_nothing() -> None:
    conversation = await _started()
    communicator = await _connect(conversation)
    await communicator.send_to(text_data='{"type": "chat.message", "text": "' + "a" * 10_000_000 + '"}')
    assert (await communicator.receive_output())["code"] == 1009
    assert await _learner_lines(conversation) == []


# --- Through daphne: what a real client can put on the wire --------------------------------------


def _raw_socket(live_asgi_server: Any, conversation: Any) -> RawWebSocket:
    socket = RawWebSocket(f"{live_asgi_server.ws_url}/ws/chat/{conversation.id}", _headers(conversation.user))
    assert socket.receive_json()["type"] == "chat.history"
    return socket


@pytest.mark.parametrize(("opcode", "payload"), raw.undecodable_frames("chat.message"))
def test_it_answers_undecodable_frames_on_the_server_and_stays_open(
    live_asgi_server: Any, opcode: int, payload: bytes
) -> None:
    conversation = ConversationFactory()
    MessageFactory(conversation=conversation, role="assistant", content="お疲れさま！")
    socket = _raw_socket(live_asgi_server, conversation)
    socket.send_frame(opcode, payload)
    error = socket.receive_json()
    assert error["type"] == "chat.error" and error["code"] == "bad_frame"
    socket.send_json({"type": "bogus"})
    assert socket.receive_json()["type"] == "chat.error"  # still open, still answering
    socket.close()


def test_it_refuses_a_10_mb_frame_on_the_server_with_1009(live_asgi_server: Any) -> None:
    conversation = ConversationFactory()
    MessageFactory(conversation=conversation, role="assistant", content="お疲れさま！")
    socket = _raw_socket(live_asgi_server, conversation)
    socket.send_frame(TEXT, raw.oversized_frame("chat.message"))
    with pytest.raises(Closed) as closed:
        socket.receive()
    assert closed.value.code == 1009
    assert not Message.objects.filter(conversation=conversation, role="user").exists()


async def test_a_line_the_database_refuses_is_answered_as_retryable_and_the_socket_stays_open(
    fake_llm: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import DatabaseError

    from conversations import live

    async def refused(*args: Any, **kwargs: Any) -> Any:
        raise DatabaseError("the database system is starting up")

    conversation = await _started(language="en")
    communicator = await _connect(conversation)
    store = live.line_store
    monkeypatch.setattr(live, "line_store", refused)
    await communicator.send_json_to({"type": "chat.message", "text": "hello", "client_id": "db-down"})
    error = await communicator.receive_json_from(timeout=5)

    assert error["type"] == "chat.error" and error["code"] == "database_unavailable" and error["retryable"] is True
    assert "could not be saved" in error["message"]
    assert await _learner_lines(conversation) == []
    monkeypatch.setattr(live, "line_store", store)  # the database is back: the same socket sends again
    fake_llm.reply(tokens=["hi"], delay=0.0)
    await communicator.send_json_to({"type": "chat.message", "text": "hello", "client_id": "db-down"})
    assert (await communicator.receive_json_from(timeout=5))["type"] == "chat.message.new"
    await communicator.disconnect()
    assert await _learner_lines(conversation) == ["hello"]


async def test_a_line_reaches_its_handler_without_a_sweep_of_old_connections(
    monkeypatch: pytest.MonkeyPatch, fake_llm: Any
) -> None:
    import channels.consumer

    sweeps: list[int] = []

    async def counted() -> None:
        sweeps.append(1)

    monkeypatch.setattr(channels.consumer, "aclose_old_connections", counted)
    fake_llm.reply(tokens=["はい"], delay=0.0)
    conversation = await _started()
    communicator = await _connect(conversation)
    await communicator.send_json_to({"type": "chat.message", "text": "こんにちは", "client_id": "hop"})
    while (await communicator.receive_json_from(timeout=5))["type"] != "chat.message.done":
        pass
    await communicator.disconnect()

    assert sweeps == []
    assert await _learner_lines(conversation) == ["こんにちは"]
