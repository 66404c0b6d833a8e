"""The reply stream for the app speaks the learner's profile language, whatever the phone sends."""

import json
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.test import AsyncClient
from rest_framework_simplejwt.tokens import AccessToken

from accounts.tests.factories import UserFactory
from conversations.models import Conversation, Role
from conversations.tests.factories import ConversationFactory, MessageFactory

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def _conversation(language: str) -> tuple[Conversation, str]:
    user = UserFactory(preferences={"language": language, "default_partner": "同僚"})
    conversation = ConversationFactory(user=user)
    MessageFactory(conversation=conversation, role=Role.ASSISTANT, content="Hello!")
    return conversation, str(AccessToken.for_user(user))


async def _failed_reply(language: str, accept_language: str) -> dict[str, Any]:
    conversation, token = await _conversation(language)
    response = await AsyncClient().post(
        "/api/v1/chat/message",
        json.dumps({"conversation_id": str(conversation.id), "text": "Hi", "client_id": "l1"}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}", "Accept": "text/event-stream", "Accept-Language": accept_language},
    )
    body = b"".join([chunk async for chunk in response.streaming_content]).decode()
    done = [line for line in body.splitlines() if line.startswith("data: ") and "chat.message.done" in line]
    return dict(json.loads(done[-1][len("data: ") :])["message"])


async def test_it_streams_a_failure_in_english_to_an_english_learner(fake_llm: Any) -> None:
    fake_llm.fail(500)

    message = await _failed_reply("en", "ja")

    assert message["status"] == "failed" and message["error"].isascii() and message["error"]


async def test_it_streams_a_failure_in_japanese_to_a_japanese_learner(fake_llm: Any) -> None:
    fake_llm.fail(500)

    message = await _failed_reply("ja", "en")

    assert message["status"] == "failed" and not message["error"].isascii()
