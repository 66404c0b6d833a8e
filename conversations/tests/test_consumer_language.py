"""The chat socket speaks the learner's language: fragments and error frames follow the profile."""

from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from rest_framework_simplejwt.tokens import AccessToken

from accounts.tests.factories import UserFactory
from conversations.models import Conversation, Role, Status
from conversations.tests.factories import ConversationFactory, MessageFactory
from workplace_roleplay.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def _conversation(language: str) -> Conversation:
    user = UserFactory(preferences={"language": language, "default_partner": "同僚"})
    conversation = ConversationFactory(user=user)
    MessageFactory(conversation=conversation, role=Role.ASSISTANT, content="お疲れさま！")
    MessageFactory(conversation=conversation, role=Role.USER, content="最近どう？")
    MessageFactory(conversation=conversation, role=Role.ASSISTANT, content="そうですね", status=Status.INTERRUPTED)
    return conversation


async def _connect(conversation: Conversation, query: str = "?format=html") -> WebsocketCommunicator:
    headers = [(b"authorization", f"Bearer {AccessToken.for_user(conversation.user)}".encode())]
    communicator = WebsocketCommunicator(application, f"/ws/chat/{conversation.id}{query}", headers=headers)
    connected, _ = await communicator.connect()
    assert connected
    return communicator


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ["Partner", "You", "Interrupted — the partial reply was kept.", "Retry"]),
        ("ja", ["相手", "あなた", "中断しました", "再試行"]),
    ],
)
async def test_it_draws_the_history_in_the_learners_language(language: str, words: list[str]) -> None:
    communicator = await _connect(await _conversation(language))

    history = await communicator.receive_from()

    assert all(word in history for word in words), history
    await communicator.disconnect()


async def test_it_draws_the_typing_indicator_and_stop_in_english_for_an_english_learner(fake_llm: Any) -> None:
    fake_llm.reply(tokens=["Sure"] * 100, delay=0.03)
    communicator = await _connect(await _conversation("en"))
    await communicator.receive_from()

    await communicator.send_json_to({"type": "chat.message", "text": "Hello", "client_id": "en-1"})
    await communicator.receive_from()  # the learner's line
    typing = await communicator.receive_from(timeout=5)
    await communicator.send_json_to({"type": "chat.message", "text": "Again", "client_id": "en-2"})
    while "chat-error" not in (busy := await communicator.receive_from(timeout=5)):
        pass

    assert "typing…" in typing and ">Stop</button>" in typing and "入力中" not in typing
    assert "The partner is still replying. Wait for the reply or press Stop." in busy
    await communicator.send_json_to({"type": "chat.stop"})
    await communicator.disconnect()


async def test_it_sends_error_frames_in_japanese_to_a_japanese_learner(fake_llm: Any) -> None:
    fake_llm.reply(tokens=["はい"] * 100, delay=0.03)
    communicator = await _connect(await _conversation("ja"), query="")
    await communicator.receive_json_from()

    await communicator.send_json_to({"type": "chat.message", "text": "こんにちは", "client_id": "ja-1"})
    await communicator.send_json_to({"type": "chat.message", "text": "もう一度", "client_id": "ja-2"})
    while (event := await communicator.receive_json_from(timeout=5))["type"] != "chat.error":
        pass

    assert event["code"] == "busy"
    assert event["message"] == "相手がまだ返事をしています。返事を待つか、「停止」を押してください。"
    await communicator.send_json_to({"type": "chat.stop"})
    await communicator.disconnect()


async def test_it_answers_an_unknown_frame_in_the_learners_language() -> None:
    communicator = await _connect(await _conversation("ja"), query="")
    await communicator.receive_json_from()

    await communicator.send_json_to({"type": "bogus"})
    event = await communicator.receive_json_from()

    assert event["type"] == "chat.error" and event["message"].startswith("不明なメッセージの種類です")
    await communicator.disconnect()
