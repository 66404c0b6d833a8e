"""Retry on the chat socket: it applies only to the partner's last reply, while it is the last."""

from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.utils import timezone
from rest_framework_simplejwt.tokens import AccessToken

from conversations.models import Conversation, Message, Role, Status
from conversations.tests.factories import ConversationFactory, MessageFactory
from workplace_roleplay.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)


async def _connect(conversation: Conversation, query: str = "") -> WebsocketCommunicator:
    headers = [(b"authorization", f"Bearer {AccessToken.for_user(conversation.user)}".encode())]
    communicator = WebsocketCommunicator(application, f"/ws/chat/{conversation.id}{query}", headers=headers)
    connected, _ = await communicator.connect()
    assert connected
    return communicator


@database_sync_to_async
def _conversation_with(*turns: tuple[str, str, str]) -> tuple[Conversation, list[Message]]:
    """A conversation holding ``(role, content, status)`` turns, in order."""
    conversation = ConversationFactory()
    messages = [MessageFactory(conversation=conversation, role=r, content=c, status=s) for r, c, s in turns]
    return conversation, messages


@database_sync_to_async
def _replies(conversation: Conversation) -> list[tuple[str, str]]:
    rows = Message.objects.filter(conversation=conversation, role=Role.ASSISTANT).order_by("created_at", "id")
    return [(m.content, m.status) for m in rows]


OPENING = (Role.ASSISTANT, "お疲れさま！", Status.COMPLETE)
STOPPED = (Role.ASSISTANT, "そうですね、それで", Status.INTERRUPTED)


async def test_it_refuses_a_retry_of_a_reply_that_is_no_longer_the_last(fake_llm: Any) -> None:
    conversation, messages = await _conversation_with(
        OPENING, (Role.USER, "最近どう？", Status.COMPLETE), STOPPED,
        (Role.USER, "新しい話題です", Status.COMPLETE), (Role.ASSISTANT, "いいですね", Status.COMPLETE),
    )  # fmt: skip
    communicator = await _connect(conversation)
    await communicator.receive_json_from()  # history

    await communicator.send_json_to({"type": "chat.retry", "message_id": str(messages[2].id)})
    refused = await communicator.receive_json_from()
    await communicator.send_json_to({"type": "chat.retry"})
    refused_again = await communicator.receive_json_from()

    assert refused["type"] == refused_again["type"] == "chat.error"
    assert refused["code"] == refused_again["code"] == "not_retryable"
    assert refused["message"] == "もう一度試せるのは、途中で止まったか失敗した最後の返事だけです。"
    assert await communicator.receive_nothing(timeout=0.3)
    assert len(await _replies(conversation)) == 3
    await communicator.disconnect()


async def test_it_refuses_a_retry_named_for_an_earlier_reply_after_a_new_line(fake_llm: Any) -> None:
    conversation, messages = await _conversation_with(
        OPENING, (Role.USER, "最近どう？", Status.COMPLETE), STOPPED, (Role.USER, "新しい話題です", Status.COMPLETE)
    )
    communicator = await _connect(conversation)
    await communicator.receive_json_from()

    await communicator.send_json_to({"type": "chat.retry", "message_id": str(messages[2].id)})
    refused = await communicator.receive_json_from()

    assert refused["type"] == "chat.error" and refused["code"] == "not_retryable"
    assert await _replies(conversation) == [("お疲れさま！", "complete"), ("そうですね、それで", "interrupted")]
    await communicator.disconnect()


async def test_it_retries_the_last_reply_while_it_is_the_last(fake_llm: Any) -> None:
    fake_llm.reply(tokens=["もう一度", "どうぞ"])
    conversation, messages = await _conversation_with(OPENING, (Role.USER, "最近どう？", Status.COMPLETE), STOPPED)
    communicator = await _connect(conversation)
    await communicator.receive_json_from()

    await communicator.send_json_to({"type": "chat.retry", "message_id": str(messages[2].id)})
    while (event := await communicator.receive_json_from(timeout=5))["type"] != "chat.message.done":
        assert event["type"] != "chat.error"

    assert event["message"]["content"] == "もう一度どうぞ"
    assert (await _replies(conversation))[-1] == ("もう一度どうぞ", "complete")
    await communicator.disconnect()


async def test_a_retry_naming_another_learners_reply_touches_neither_conversation(fake_llm: Any) -> None:
    mine, _ = await _conversation_with(OPENING, (Role.USER, "最近どう？", Status.COMPLETE), STOPPED)
    theirs, their_messages = await _conversation_with(OPENING, (Role.USER, "相談です", Status.COMPLETE), STOPPED)
    communicator = await _connect(mine)
    await communicator.receive_json_from()

    await communicator.send_json_to({"type": "chat.retry", "message_id": str(their_messages[2].id)})
    refused = await communicator.receive_json_from()

    assert refused["type"] == "chat.error" and refused["code"] == "not_retryable"
    assert str(their_messages[2].id) not in str(refused)
    assert await communicator.receive_nothing(timeout=0.3)
    for conversation in (mine, theirs):
        assert (await _replies(conversation))[-1] == ("そうですね、それで", "interrupted")
    assert fake_llm.requests == []  # no model was asked for anyone
    await communicator.disconnect()


async def test_it_refuses_a_retry_once_the_conversation_has_ended(fake_llm: Any) -> None:
    conversation, _ = await _conversation_with(OPENING, (Role.USER, "最近どう？", Status.COMPLETE), STOPPED)
    communicator = await _connect(conversation)
    await communicator.receive_json_from()
    await database_sync_to_async(Conversation.objects.filter(pk=conversation.pk).update)(ended_at=timezone.now())

    await communicator.send_json_to({"type": "chat.retry"})
    refused = await communicator.receive_json_from()

    assert refused["type"] == "chat.error" and refused["code"] == "closed"
    assert len(await _replies(conversation)) == 2
    await communicator.disconnect()


async def _frames_until(communicator: WebsocketCommunicator, needle: str) -> str:
    frames = []
    while needle not in (frame := await communicator.receive_from(timeout=5)):
        frames.append(frame)
    return "".join([*frames, frame])


async def test_it_offers_retry_only_on_the_last_reply_and_takes_it_away_when_a_line_is_sent(fake_llm: Any) -> None:
    fake_llm.reply(tokens=["いいですね"])
    conversation, messages = await _conversation_with(OPENING, (Role.USER, "最近どう？", Status.COMPLETE), STOPPED)
    communicator = await _connect(conversation, "?format=html")

    history = await communicator.receive_from()
    assert history.count('id="retry-button"') == 1
    assert f'"message_id": "{messages[2].id}"' in history
    await communicator.send_json_to({"type": "chat.message", "text": "新しい話題です", "client_id": "r-1"})
    new_line = await communicator.receive_from()
    rest = await _frames_until(communicator, "msg-complete")

    assert '<span id="retry-wrap" hx-swap-oob="innerHTML"></span>' in new_line
    assert 'id="retry-button"' not in new_line + rest
    await communicator.disconnect()


async def test_it_draws_no_retry_for_an_ended_conversation(fake_llm: Any) -> None:
    conversation, _ = await _conversation_with(OPENING, (Role.USER, "最近どう？", Status.COMPLETE), STOPPED)
    await database_sync_to_async(Conversation.objects.filter(pk=conversation.pk).update)(ended_at=timezone.now())
    communicator = await _connect(conversation, "?format=html")

    history = await communicator.receive_from()

    assert "そうですね、それで" in history and 'id="retry-button"' not in history
    await communicator.disconnect()
