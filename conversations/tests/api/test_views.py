import json
from typing import Any

import pytest
from django.test import AsyncClient
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from accounts.tests.factories import UserFactory
from conversations.models import Conversation, Feedback, Message
from conversations.tests.factories import ConversationFactory, MessageFactory, quoted_evidence

pytestmark = pytest.mark.django_db(transaction=True)


def _client(user: Any) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    return client


def _started(user: Any = None) -> Conversation:
    conversation = ConversationFactory(**({"user": user} if user else {}))
    MessageFactory(conversation=conversation, role="assistant", content="お疲れさま！")
    return conversation


def test_it_starts_a_chat_with_the_partners_opening_line(fake_llm: Any) -> None:
    fake_llm.reply(tokens=["お疲れ", "さまです"])
    user = UserFactory()
    response = _client(user).post("/api/v1/chat/start", {"partner": "先輩", "situation": "ランチ"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["conversation"]["metadata"]["partner"] == "先輩"
    assert body["messages"][0]["content"] == "お疲れさまです"
    assert Conversation.objects.get().user == user


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"partner": "社長", "situation": "ランチ"}, "partner"),
        ({"partner": "custom", "situation": "ランチ"}, "custom_partner"),
        ({"partner": "同僚"}, "situation"),
    ],
)
def test_it_rejects_a_bad_start_with_field_errors(payload: dict[str, str], field: str) -> None:
    response = _client(UserFactory()).post("/api/v1/chat/start", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Conversation.objects.exists()


def test_it_replies_as_json(fake_llm: Any) -> None:
    fake_llm.reply(tokens=["そう", "ですね"])
    conversation = _started()
    response = _client(conversation.user).post(
        "/api/v1/chat/message",
        {"conversation_id": str(conversation.id), "text": "寒いですね", "client_id": "a1"},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["message"]["content"] == "寒いですね"
    assert (body["reply"]["content"], body["reply"]["status"]) == ("そうですね", "complete")


def test_it_does_not_store_a_resend_twice(fake_llm: Any) -> None:
    fake_llm.reply(tokens=["はい"])
    conversation = _started()
    client = _client(conversation.user)
    payload = {"conversation_id": str(conversation.id), "text": "一度だけ", "client_id": "dup"}
    assert client.post("/api/v1/chat/message", payload, format="json").status_code == 201
    again = client.post("/api/v1/chat/message", payload, format="json")
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert Message.objects.filter(conversation=conversation, role="user").count() == 1


@pytest.mark.parametrize("text", ["", "   ", "あ" * 2001, 12, None])
def test_it_rejects_bad_text_with_field_errors(text: Any) -> None:
    conversation = _started()
    response = _client(conversation.user).post(
        "/api/v1/chat/message", {"conversation_id": str(conversation.id), "text": text}, format="json"
    )
    assert response.status_code == 400
    assert "text" in response.json()
    assert not Message.objects.filter(role="user").exists()


def test_it_hides_other_users_conversations_everywhere() -> None:
    conversation = _started()
    stranger = _client(UserFactory())
    ref = {"conversation_id": str(conversation.id)}
    assert stranger.post("/api/v1/chat/message", {**ref, "text": "やあ"}, format="json").status_code == 404
    assert stranger.post("/api/v1/chat/feedback", ref, format="json").status_code == 404
    assert stranger.get(f"/api/v1/chat/session/{conversation.id}").status_code == 404
    assert stranger.delete(f"/api/v1/chat/session/{conversation.id}").status_code == 404
    assert stranger.get("/api/v1/chat/history").json()["results"] == []
    assert Conversation.objects.filter(id=conversation.id).exists()


def test_it_requires_authentication() -> None:
    assert APIClient().get("/api/v1/chat/history").status_code == 401
    assert APIClient().post("/api/v1/chat/start", {}, format="json").status_code == 401


def test_it_lists_and_searches_history() -> None:
    user = UserFactory()
    found = _started(user)
    MessageFactory(conversation=found, content="来週の報告について")
    _started(user)
    client = _client(user)
    assert client.get("/api/v1/chat/history").json()["count"] == 2
    results = client.get("/api/v1/chat/history", {"q": "報告"}).json()["results"]
    assert [row["id"] for row in results] == [str(found.id)]


def test_it_gives_structured_feedback_and_ends_the_chat(fake_llm: Any) -> None:
    conversation = _started()
    MessageFactory(conversation=conversation, content="お忙しいところすみません、少しよろしいですか？")
    scores = {
        "empathy": 70,
        "clarity": 80,
        "active_listening": 60,
        "adaptability": 65,
        "positivity": 75,
        "professionalism": 85,
    }
    report = {
        "summary": "丁寧でした",
        "went_well": [{"quote": "お忙しいところすみません", "comment": "配慮"}],
        "to_improve": [],
        "better_phrasings": [],
        "scores": scores,
        "evidence": quoted_evidence("お忙しいところすみません"),
    }
    fake_llm.reply_json(report)
    response = _client(conversation.user).post(
        "/api/v1/chat/feedback", {"conversation_id": str(conversation.id)}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["feedback"]["scores"] == scores
    conversation.refresh_from_db()
    assert conversation.ended_at is not None
    assert Feedback.objects.get(conversation=conversation).content["summary"] == "丁寧でした"


def test_it_stores_no_feedback_when_the_judge_answers_nonsense(fake_llm: Any) -> None:
    conversation = _started()
    MessageFactory(conversation=conversation, content="よろしくお願いします")
    fake_llm.reply_json({"scores": {"empathy": 900}})
    fake_llm.reply_json({"summary": 3})
    response = _client(conversation.user).post(
        "/api/v1/chat/feedback", {"conversation_id": str(conversation.id)}, format="json"
    )
    assert response.status_code == 503
    assert response.json()["detail"]
    assert not Feedback.objects.exists()


def test_it_asks_for_a_line_before_feedback() -> None:
    conversation = _started()
    response = _client(conversation.user).post(
        "/api/v1/chat/feedback", {"conversation_id": str(conversation.id)}, format="json"
    )
    assert response.status_code == 400 and "conversation_id" in response.json()


def test_it_deletes_a_session() -> None:
    conversation = _started()
    response = _client(conversation.user).delete(f"/api/v1/chat/session/{conversation.id}")
    assert response.status_code == 204
    assert not Conversation.objects.exists()


def test_it_returns_the_stored_history_of_a_session() -> None:
    conversation = _started()
    body = _client(conversation.user).get(f"/api/v1/chat/session/{conversation.id}").json()
    assert [m["content"] for m in body["messages"]] == ["お疲れさま！"]


async def test_it_streams_the_reply_as_server_sent_events(fake_llm: Any) -> None:
    from channels.db import database_sync_to_async

    fake_llm.reply(tokens=["ストリーム", "です"])
    conversation = await database_sync_to_async(_started)()
    token = await database_sync_to_async(lambda: str(AccessToken.for_user(conversation.user)))()
    client = AsyncClient()
    response = await client.post(
        "/api/v1/chat/message",
        json.dumps({"conversation_id": str(conversation.id), "text": "どうぞ", "client_id": "s1"}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}", "Accept": "text/event-stream"},
    )
    assert response.status_code == 201  # the line was stored, as in JSON
    assert response["Content-Type"].startswith("text/event-stream")
    body = b"".join([chunk async for chunk in response.streaming_content]).decode()
    events = [line[len("event: ") :] for line in body.splitlines() if line.startswith("event: ")]
    assert events[0] == "chat.message.new" and events[-1] == "chat.message.done"
    assert "chat.token" in events
    reply = await database_sync_to_async(Message.objects.get)(
        conversation=conversation, role="assistant", status="complete", content="ストリームです"
    )
    assert reply is not None


@pytest.mark.parametrize("stream", [True, False])
def test_the_request_stores_the_line_the_prompt_and_the_reply_row_itself(
    fake_llm: Any, monkeypatch: pytest.MonkeyPatch, stream: bool
) -> None:
    """No database call is left to the reply's stream (it would wait on a thread every stream shares)."""
    from conversations import streaming

    async def shared_thread_call(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the reply took a database call of its own before the model was asked")

    monkeypatch.setattr(streaming, "_reply_prepare", shared_thread_call)
    fake_llm.reply(tokens=["了解", "です"])
    conversation = _started()
    body = {"conversation_id": str(conversation.id), "text": "報告です", "client_id": f"p-{stream}", "stream": stream}
    response = _client(conversation.user).post("/api/v1/chat/message", body, format="json")
    assert response.status_code == 201
    if stream:
        assert _sse_events(response)[-1][1]["message"]["content"] == "了解です"
    else:
        assert response.json()["reply"]["content"] == "了解です"


def _sse_events(response: Any) -> list[tuple[str, dict[str, Any]]]:
    """(event name, data) of every event of an event-stream answer, streamed or not."""
    from asgiref.sync import async_to_sync

    async def collect() -> bytes:
        return b"".join([chunk async for chunk in response.streaming_content])

    body = async_to_sync(collect)().decode() if response.streaming else response.content.decode()
    events = []
    for block in body.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        events.append((fields["event"], json.loads(fields["data"])))
    return events


def test_it_streams_the_reply_when_asked_with_format_sse(fake_llm: Any) -> None:
    fake_llm.reply(tokens=["はい", "、どうぞ"])
    conversation = _started()
    client = _client(conversation.user)
    body = {"conversation_id": str(conversation.id), "text": "相談です", "client_id": "f1"}
    response = client.post("/api/v1/chat/message?format=sse", body, format="json")
    assert response.status_code in (200, 201) and response["Content-Type"].startswith("text/event-stream")
    events = _sse_events(response)
    names = [name for name, _ in events]
    assert names[0] == "chat.message.new" and names[-1] == "chat.message.done" and "error" not in names
    assert events[-1][1]["message"]["content"] == "はい、どうぞ"

    again = _sse_events(client.post("/api/v1/chat/message?format=sse", body, format="json"))
    assert again[0][0] == "message" and again[0][1]["duplicate"] is True
    refused = client.post("/api/v1/chat/message?format=sse", {**body, "text": ""}, format="json")
    assert refused.status_code == 400 and _sse_events(refused)[0][0] == "error"


def test_a_line_the_database_refuses_is_answered_503_retryable_and_nothing_is_kept(
    fake_llm: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import DatabaseError

    from conversations import live

    async def refused(*args: Any, **kwargs: Any) -> Any:
        raise DatabaseError("the database system is starting up")

    conversation = ConversationFactory()
    monkeypatch.setattr(live, "line_store", refused)
    response = _client(conversation.user).post(
        "/api/v1/chat/message", {"conversation_id": str(conversation.id), "text": "こんにちは"}, format="json"
    )

    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert response.json()["retryable"] is True and response.json()["detail"]
    assert not Message.objects.filter(conversation=conversation).exists()
