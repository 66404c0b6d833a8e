from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from accounts.tests.factories import UserFactory
from conversations.models import Message, Status
from conversations.tests.factories import ConversationFactory, MessageFactory
from core.tests.sockets import bearer_headers, receive_until
from workplace_roleplay.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)


_headers = bearer_headers


async def _connect(conversation: Any, user: Any = None, query: str = "") -> WebsocketCommunicator:
    user = user or conversation.user
    communicator = WebsocketCommunicator(application, f"/ws/chat/{conversation.id}{query}", headers=_headers(user))
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def _until(communicator: WebsocketCommunicator, kind: str, timeout: float = 5) -> list[dict[str, Any]]:
    return await receive_until(communicator, kind, timeout)


async def _started() -> Any:
    conversation = await database_sync_to_async(ConversationFactory)()
    await database_sync_to_async(MessageFactory)(conversation=conversation, role="assistant", content="お疲れさま！")
    return conversation


async def test_it_sends_events_in_order(fake_llm: Any) -> None:
    fake_llm.reply(tokens=["いい", "ですね", "！"])
    conversation = await _started()
    communicator = await _connect(conversation)
    history = await communicator.receive_json_from()
    assert history["type"] == "chat.history" and history["messages"][0]["content"] == "お疲れさま！"

    await communicator.send_json_to({"type": "chat.message", "text": "コーヒーどうですか", "client_id": "c-1"})
    events = await _until(communicator, "chat.message.done")
    kinds = [event["type"] for event in events]
    assert kinds[0] == "chat.message.new" and kinds[1] == "chat.typing.start"
    assert kinds[-2:] == ["chat.typing.stop", "chat.message.done"]
    assert "".join(e["text"] for e in events if e["type"] == "chat.token") == "いいですね！"
    assert events[0]["message"]["content"] == "コーヒーどうですか"
    assert events[-1]["message"]["status"] == "complete"
    await communicator.disconnect()


async def test_a_line_its_prompt_and_its_reply_row_take_one_database_call(
    fake_llm: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a burst of lines the model is asked as soon as this line is stored, not after every other line's insert."""
    from conversations import streaming

    fake_llm.reply(tokens=["はい"])
    communicator = await _connect(await _started())
    await communicator.receive_json_from()

    async def second_call(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the prompt and the reply row took a database call of their own")

    monkeypatch.setattr(streaming, "_reply_prepare", second_call)
    await communicator.send_json_to({"type": "chat.message", "text": "報告があります", "client_id": "one-call"})
    events = await _until(communicator, "chat.message.done")
    assert [e["type"] for e in events][:2] == ["chat.message.new", "chat.typing.start"]
    assert events[-1]["message"]["content"] == "はい"
    assert fake_llm.requests[-1]["messages"][-1]["content"].endswith("報告があります")
    await communicator.disconnect()


async def test_it_opens_a_new_conversation_with_the_partners_line(fake_llm: Any) -> None:
    fake_llm.reply(tokens=["おはよう", "ございます"])
    conversation = await database_sync_to_async(ConversationFactory)()
    communicator = await _connect(conversation)
    events = await _until(communicator, "chat.message.done")
    assert events[-1]["message"]["role"] == "assistant"
    assert events[-1]["message"]["content"] == "おはようございます"
    await communicator.disconnect()


async def test_it_stops_generation_and_keeps_the_partial_reply(fake_llm: Any) -> None:
    fake_llm.reply(tokens=["長い"] + ["話"] * 200, delay=0.03)
    communicator = await _connect(await _started())
    await communicator.receive_json_from()
    await communicator.send_json_to({"type": "chat.message", "text": "最近どう？", "client_id": "c-2"})
    await _until(communicator, "chat.token")
    await communicator.send_json_to({"type": "chat.stop"})
    events = await _until(communicator, "chat.message.done")
    final = events[-1]["message"]
    assert final["status"] == "interrupted"
    assert final["content"].startswith("長い")
    assert len(final["content"]) < 150
    await communicator.disconnect()


async def test_it_stores_the_partial_reply_when_the_client_disconnects(fake_llm: Any) -> None:
    fake_llm.reply(tokens=["切断"] + ["前"] * 200, delay=0.03)
    conversation = await _started()
    communicator = await _connect(conversation)
    await communicator.receive_json_from()
    await communicator.send_json_to({"type": "chat.message", "text": "ねえ", "client_id": "c-3"})
    await _until(communicator, "chat.token")
    await communicator.disconnect(timeout=3)  # the consumer ends only once the reply is stored

    reply = await database_sync_to_async(
        lambda: Message.objects.filter(conversation=conversation, role="assistant").order_by("-created_at").first()
    )()
    assert reply.status == Status.INTERRUPTED
    assert reply.content.startswith("切断")


async def test_it_never_duplicates_a_resent_message(fake_llm: Any) -> None:
    fake_llm.reply(tokens=["はい"])
    conversation = await _started()
    communicator = await _connect(conversation)
    await communicator.receive_json_from()
    await communicator.send_json_to({"type": "chat.message", "text": "一回だけ", "client_id": "same-id"})
    await _until(communicator, "chat.message.done")
    await communicator.send_json_to({"type": "chat.message", "text": "一回だけ", "client_id": "same-id"})
    again = await communicator.receive_json_from()
    assert again["type"] == "chat.message.new"
    assert await communicator.receive_nothing(timeout=0.3)
    count = await database_sync_to_async(Message.objects.filter(conversation=conversation, role="user").count)()
    assert count == 1
    await communicator.disconnect()


@pytest.mark.parametrize(
    "payload",
    [
        {"type": "chat.message", "text": "   "},
        {"type": "chat.message", "text": "あ" * 2001},
        {"type": "chat.message", "text": {"x": 1}},
        {"type": "bogus"},
        ["not", "an", "object"],
    ],
)
async def test_it_answers_bad_input_with_an_error_and_stores_nothing(fake_llm: Any, payload: Any) -> None:
    conversation = await _started()
    communicator = await _connect(conversation)
    await communicator.receive_json_from()
    await communicator.send_json_to(payload)
    event = await communicator.receive_json_from()
    assert event["type"] == "chat.error" and event["message"]
    count = await database_sync_to_async(Message.objects.filter(conversation=conversation, role="user").count)()
    assert count == 0
    await communicator.disconnect()


async def test_it_closes_the_socket_for_another_users_conversation() -> None:
    conversation = await _started()
    stranger = await database_sync_to_async(UserFactory)()
    communicator = WebsocketCommunicator(application, f"/ws/chat/{conversation.id}", headers=_headers(stranger))
    connected, code = await communicator.connect()
    assert not connected and code == 4404


async def test_it_closes_the_socket_without_credentials() -> None:
    conversation = await _started()
    origin = [(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000")]
    communicator = WebsocketCommunicator(application, f"/ws/chat/{conversation.id}", headers=origin)
    connected, code = await communicator.connect()
    assert not connected and code == 4401


async def test_it_refuses_a_foreign_origin() -> None:
    conversation = await _started()
    headers = [(b"origin", b"https://evil.example"), *_headers(conversation.user)]
    communicator = WebsocketCommunicator(application, f"/ws/chat/{conversation.id}", headers=headers)
    connected, _ = await communicator.connect()
    assert not connected


async def test_it_escapes_model_output_in_html_fragments(fake_llm: Any) -> None:
    fake_llm.reply(tokens=["<script>alert(1)</script>", "&"])
    communicator = await _connect(await _started(), query="?format=html")
    await communicator.receive_from()  # history
    await communicator.send_json_to({"text": "こんにちは", "client_id": "h-1", "HEADERS": {}})
    frames = []
    while (
        'hx-swap-oob="true"' not in (frame := await communicator.receive_from(timeout=5))
        or "msg-assistant" not in frame
    ):
        frames.append(frame)
    frames.append(frame)
    joined = "".join(frames)
    assert "<script>" not in joined
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in joined
    await communicator.disconnect()


async def test_it_shows_a_reply_that_finished_while_the_client_was_away(fake_llm: Any) -> None:
    from conversations.streaming import generate_reply

    conversation = await _started()
    communicator = await _connect(conversation)
    await communicator.receive_json_from()
    await communicator.disconnect()

    fake_llm.reply(tokens=["留守中の", "返事"])
    await database_sync_to_async(MessageFactory)(conversation=conversation, content="いますか？")

    async def _ignore(event: dict[str, Any]) -> None:
        return None

    await generate_reply(conversation=conversation, emit=_ignore, coalesce_seconds=0)  # e.g. via the API

    again = await _connect(conversation)
    history = await again.receive_json_from()
    contents = [(m["role"], m["content"], m["status"]) for m in history["messages"]]
    assert contents[-2:] == [("user", "いますか？", "complete"), ("assistant", "留守中の返事", "complete")]
    await again.disconnect()


async def test_it_keeps_the_reply_and_offers_retry_when_the_database_breaks_mid_reply(fake_llm: Any) -> None:
    from conversations.tests.outage import reply_write_broken

    fake_llm.reply(tokens=["ええと", "、", "その件は"], delay=0.05)
    conversation = await _started()
    communicator = await _connect(conversation)
    await communicator.receive_json_from()
    with reply_write_broken("conversations_message", "conversation_id", conversation.id):
        await communicator.send_json_to({"type": "chat.message", "text": "例の件ですが", "client_id": "db-1"})
        events = await _until(communicator, "chat.error", timeout=20)
    done = next(event for event in events if event["type"] == "chat.message.done")["message"]
    assert done["status"] == "interrupted" and done["content"] == "ええと、その件は"
    assert events[-1]["code"] == "database_unavailable" and events[-1]["retryable"] is True
    stored = await database_sync_to_async(Message.objects.get)(pk=done["id"])
    assert stored.status == Status.INTERRUPTED and stored.content == "ええと、その件は"

    fake_llm.reply(tokens=["もう一度", "どうぞ"])
    await communicator.send_json_to({"type": "chat.retry"})
    retried = await _until(communicator, "chat.message.done")
    assert retried[-1]["message"]["status"] == "complete" and retried[-1]["message"]["content"] == "もう一度どうぞ"
    await communicator.disconnect()


async def test_it_offers_retry_in_the_page_when_no_write_of_the_reply_goes_through(fake_llm: Any) -> None:
    from conversations.tests.outage import reply_write_broken

    fake_llm.reply(tokens=["消える", "返事"], delay=0.05)
    conversation = await _started()
    communicator = await _connect(conversation, query="?format=html")
    await communicator.receive_from()
    with reply_write_broken("conversations_message", "conversation_id", conversation.id, times=2):
        await communicator.send_json_to({"type": "chat.message", "text": "聞こえますか", "client_id": "db-2"})
        fragments = []
        while "chat.retry" not in (fragment := await communicator.receive_from(timeout=20)):
            fragments.append(fragment)
    # The reason and a Retry button, in the learner's language.
    assert 'id="chat-error"' in fragment and "保存できませんでした" in fragment and "再試行" in fragment
    assert not any("msg-assistant msg-complete" in f for f in fragments)  # never shown as stored
    await communicator.disconnect()
