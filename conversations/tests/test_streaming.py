import asyncio
from datetime import timedelta
from typing import Any

import pytest
from channels.db import database_sync_to_async

from conversations.models import Message, Status
from conversations.streaming import ConversationReplyStore, generate_reply, stream_into
from conversations.tests.factories import ConversationFactory, MessageFactory

pytestmark = pytest.mark.django_db(transaction=True)


class Recorder:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    async def __call__(self, event: dict[str, Any]) -> None:
        self.events.append(event)

    def types(self) -> list[str]:
        return [event["type"] for event in self.events]

    def text(self) -> str:
        return "".join(event["text"] for event in self.events if event["type"] == "token")


async def _conversation_with_a_line() -> Any:
    conversation = await database_sync_to_async(ConversationFactory)()
    await database_sync_to_async(MessageFactory)(conversation=conversation, content="今日は寒いですね")
    return conversation


async def test_it_streams_the_reply_in_order_and_stores_it(fake_llm: Any) -> None:
    fake_llm.reply(tokens=["そう", "ですね", "、", "本当に", "寒い", "です"])
    conversation = await _conversation_with_a_line()
    recorder = Recorder()

    reply = await generate_reply(conversation=conversation, emit=recorder, coalesce_seconds=0)

    assert recorder.types()[0] == "typing.start"
    assert recorder.types()[-2:] == ["typing.stop", "message.done"]
    assert recorder.text() == "そうですね、本当に寒いです"
    stored = await database_sync_to_async(Message.objects.get)(id=reply.id)
    assert (stored.content, stored.status) == ("そうですね、本当に寒いです", Status.COMPLETE)
    assert stored.metadata["tokens_out"] > 0 and "latency_ms" in stored.metadata
    sent = fake_llm.requests[-1]["messages"]
    assert sent[0]["role"] == "system" and sent[-1] == {"role": "user", "content": "今日は寒いですね"}


async def test_it_coalesces_tokens_into_fewer_frames(fake_llm: Any) -> None:
    fake_llm.reply(tokens=list("あいうえおかきくけこ"), delay=0.0)
    conversation = await _conversation_with_a_line()
    recorder = Recorder()
    await generate_reply(conversation=conversation, emit=recorder, coalesce_seconds=10)
    tokens = [event for event in recorder.events if event["type"] == "token"]
    assert len(tokens) <= 2
    assert recorder.text() == "あいうえおかきくけこ"


async def test_it_keeps_the_partial_text_when_the_stream_breaks(fake_llm: Any) -> None:
    fake_llm.reply(tokens=["途中", "まで", "話", "して"])
    fake_llm.cut_after(2)
    conversation = await _conversation_with_a_line()
    recorder = Recorder()
    reply = await generate_reply(conversation=conversation, emit=recorder, coalesce_seconds=0)
    stored = await database_sync_to_async(Message.objects.get)(id=reply.id)
    assert stored.status == Status.INTERRUPTED
    assert stored.content == "途中まで"
    assert recorder.events[-1]["message"]["status"] == "interrupted"


async def test_it_stores_a_failed_reply_with_a_message_for_the_learner(fake_llm: Any) -> None:
    fake_llm.fail(status=500)
    conversation = await _conversation_with_a_line()
    reply = await generate_reply(conversation=conversation, emit=Recorder(), coalesce_seconds=0)
    stored = await database_sync_to_async(Message.objects.get)(id=reply.id)
    assert stored.status == Status.FAILED
    assert stored.content == ""
    assert stored.metadata["error"]


async def test_it_stores_the_partial_reply_when_cancelled(fake_llm: Any) -> None:
    fake_llm.reply(tokens=["ゆっくり", "話", "します", "ね"] * 20, delay=0.05)
    conversation = await _conversation_with_a_line()
    recorder = Recorder()
    task = asyncio.create_task(generate_reply(conversation=conversation, emit=recorder, coalesce_seconds=0))
    while "token" not in recorder.types():
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    stored = await database_sync_to_async(Message.objects.get)(conversation=conversation, role="assistant")
    assert stored.status == Status.INTERRUPTED
    assert stored.content.startswith("ゆっくり")
    assert recorder.events[-1]["type"] == "message.done"


async def test_it_ends_the_reply_at_the_chunk_where_interrupt_says_so(fake_llm: Any) -> None:
    fake_llm.add_fallback()
    fake_llm.reply(tokens=["一", "二", "三", "四", "五", "六"], delay=0.01)
    conversation = await _conversation_with_a_line()
    recorder = Recorder()
    asked = 0

    async def interrupt() -> bool:
        nonlocal asked
        asked += 1
        return asked >= 3

    store = ConversationReplyStore(conversation)
    payload = await stream_into(
        store,
        messages=[{"role": "user", "content": "数えて"}],
        purpose="chat_partner",
        mode="chat",
        emit=recorder,
        coalesce_seconds=0,
        model=f"ollama/{fake_llm.SECONDARY}",
        interrupt=interrupt,
    )
    assert (payload["content"], payload["status"]) == ("一二三", Status.INTERRUPTED)
    assert recorder.text() == "一二三"
    assert fake_llm.requests[-1]["model"] == fake_llm.SECONDARY


async def test_it_keeps_the_reply_as_interrupted_when_the_database_breaks_its_final_write(
    fake_llm: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from conversations.tests.outage import reply_write_broken

    fake_llm.reply(tokens=["途中", "まで", "話しました"], delay=0.05)
    conversation = await _conversation_with_a_line()
    recorder = Recorder()
    with reply_write_broken("conversations_message", "conversation_id", conversation.id):
        reply = await generate_reply(conversation=conversation, emit=recorder)
    assert reply.status == Status.INTERRUPTED and reply.content == "途中まで話しました"
    stored = await database_sync_to_async(Message.objects.get)(pk=reply.pk)
    assert stored.status == Status.INTERRUPTED and stored.content == "途中まで話しました"
    assert stored.metadata["error"]
    assert recorder.types()[-3:] == ["typing.stop", "message.done", "error"]
    assert recorder.events[-1]["code"] == "database_unavailable" and recorder.events[-1]["retryable"] is True
    assert any(r.levelname == "WARNING" and "reply_store_failed" in r.getMessage() for r in caplog.records)


async def test_it_tells_the_listener_when_no_write_of_the_reply_goes_through(
    fake_llm: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from conversations.streaming import ReplyNotStoredError
    from conversations.sweeps import interrupt_stale_replies
    from conversations.tests.outage import reply_write_broken

    fake_llm.reply(tokens=["届かない", "返事"], delay=0.05)
    conversation = await _conversation_with_a_line()
    recorder = Recorder()
    with reply_write_broken("conversations_message", "conversation_id", conversation.id, times=2):
        with pytest.raises(ReplyNotStoredError):
            await generate_reply(conversation=conversation, emit=recorder)
    assert recorder.types()[-2:] == ["typing.stop", "error"] and recorder.events[-1]["retryable"] is True
    assert any(r.levelname == "ERROR" and "reply_not_stored" in r.getMessage() for r in caplog.records)
    left = await database_sync_to_async(Message.objects.get)(conversation=conversation, role="assistant")
    assert left.status == Status.STREAMING  # until the sweep, past the deadline

    counts = await database_sync_to_async(interrupt_stale_replies)(now=left.created_at + timedelta(minutes=11))
    assert counts["conversations"] == 1
    await database_sync_to_async(left.refresh_from_db)()
    assert left.status == Status.INTERRUPTED


async def test_it_tells_the_listener_when_the_reply_cannot_be_begun(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.db import OperationalError

    from conversations import services
    from conversations.streaming import ReplyNotStoredError

    def refused(**kwargs: Any) -> None:
        raise OperationalError("the database system is starting up")

    monkeypatch.setattr(services, "reply_begin", refused)
    recorder = Recorder()
    with pytest.raises(ReplyNotStoredError):
        await generate_reply(conversation=await _conversation_with_a_line(), emit=recorder)
    assert recorder.types() == ["error"] and recorder.events[0]["code"] == "database_unavailable"
