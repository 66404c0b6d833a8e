"""Chat messages over the socket: over the limit an error event arrives, the socket stays open and nothing is stored."""

from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from rest_framework_simplejwt.tokens import AccessToken

from conversations.models import Message
from conversations.tests.factories import ConversationFactory, MessageFactory
from workplace_roleplay.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)


async def _open(conversation: Any) -> WebsocketCommunicator:
    headers = [(b"authorization", f"Bearer {AccessToken.for_user(conversation.user)}".encode())]
    communicator = WebsocketCommunicator(application, f"/ws/chat/{conversation.id}", headers=headers)
    connected, _ = await communicator.connect()
    assert connected
    assert (await communicator.receive_json_from())["type"] == "chat.history"
    return communicator


async def _next(communicator: WebsocketCommunicator, kind: str) -> dict[str, Any]:
    while (event := await communicator.receive_json_from(timeout=5))["type"] != kind:
        pass
    return event


async def test_it_answers_rate_limited_and_keeps_the_socket_open(fake_llm: Any, settings: Any) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "chat_message": ["1/m"]}
    conversation = await database_sync_to_async(ConversationFactory)()
    await database_sync_to_async(MessageFactory)(conversation=conversation, role="assistant", content="やあ")
    communicator = await _open(conversation)

    await communicator.send_json_to({"type": "chat.message", "text": "一通目", "client_id": "w1"})
    await _next(communicator, "chat.message.done")
    await communicator.send_json_to({"type": "chat.message", "text": "二通目", "client_id": "w2"})
    error = await communicator.receive_json_from(timeout=5)

    assert error["type"] == "chat.error" and error["code"] == "rate_limited"
    assert error["retry_after"] >= 1 and error["message"]
    count = await database_sync_to_async(Message.objects.filter(content="二通目").count)()
    assert count == 0

    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "chat_message": ["100/m"]}
    await communicator.send_json_to({"type": "chat.message", "text": "三通目", "client_id": "w3"})
    assert (await _next(communicator, "chat.message.new"))["message"]["content"] == "三通目"
    await _next(communicator, "chat.message.done")
    await communicator.disconnect()


async def test_the_page_socket_shows_the_rate_limit_message(fake_llm: Any, settings: Any) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "socket": ["1/m"]}
    conversation = await database_sync_to_async(ConversationFactory)()
    await database_sync_to_async(MessageFactory)(conversation=conversation, role="assistant", content="やあ")
    headers = [(b"authorization", f"Bearer {AccessToken.for_user(conversation.user)}".encode())]
    communicator = WebsocketCommunicator(application, f"/ws/chat/{conversation.id}?format=html", headers=headers)
    assert (await communicator.connect())[0]
    await communicator.receive_from()  # history

    await communicator.send_json_to({"type": "chat.retry"})
    refused = await communicator.receive_from(timeout=5)  # a complete reply is not retried
    assert 'id="chat-error"' in refused and "秒" not in refused
    await communicator.send_json_to({"type": "chat.message", "text": "速すぎ", "client_id": "h1"})
    while 'id="chat-error"' not in (error := await communicator.receive_from(timeout=5)):
        pass

    assert "秒" in error
    assert not await database_sync_to_async(Message.objects.filter(content="速すぎ").exists)()
    await communicator.disconnect()
