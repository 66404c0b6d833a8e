"""Chat messages through the API: 30 a minute by default; over the limit nothing is stored."""

from typing import Any

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from conversations.models import Message
from conversations.tests.factories import ConversationFactory, MessageFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _client(user: Any) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    return client


def test_it_refuses_a_message_over_the_chat_limit_and_stores_nothing(fake_llm: Any, settings: Any) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "chat_message": ["2/m"]}
    conversation = ConversationFactory()
    MessageFactory(conversation=conversation, role="assistant", content="お疲れさま！")
    client = _client(conversation.user)

    def send(n: int) -> Any:
        body = {"conversation_id": str(conversation.id), "text": f"{n}回目の話", "client_id": f"c{n}"}
        return client.post("/api/v1/chat/message", body, format="json")

    assert [send(n).status_code for n in (1, 2)] == [201, 201]
    stored = Message.objects.count()
    refused = send(3)

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    assert refused.json()["detail"]
    assert Message.objects.count() == stored
    assert not Message.objects.filter(content="3回目の話").exists()
    assert len(fake_llm.requests) == 2
