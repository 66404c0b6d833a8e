"""The live path's statements (``conversations.live``, ``core.adb``) store what the ORM path stores."""

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.db import DatabaseError, connection
from django.test import override_settings
from django.utils import timezone

from conversations import live, services, streaming
from conversations.models import Message, Role, Status
from conversations.personas import persona_for
from conversations.selectors import conversation_history
from conversations.tests.factories import ConversationFactory, MessageFactory
from core import adb

pytestmark = pytest.mark.django_db(transaction=True)


async def _conversation(**fields: Any) -> Any:
    conversation = await database_sync_to_async(ConversationFactory)(**fields)
    await database_sync_to_async(MessageFactory)(conversation=conversation, role=Role.ASSISTANT, content="お疲れさま！")
    return conversation


def _rows(conversation: Any) -> list[tuple[str, str, str, str | None]]:
    rows = Message.objects.filter(conversation=conversation).order_by("created_at", "id")
    return [(m.role, m.content, m.status, m.client_id) for m in rows]


async def _take(conversation: Any, text: object, client_id: str | None = None) -> streaming.LineTaken:
    persona = await database_sync_to_async(persona_for)(conversation)
    return await streaming.take_line(conversation, persona, text=text, client_id=client_id)


@pytest.mark.parametrize("async_pool_size", [0, -1], ids=["event-loop", "orm"])
async def test_both_paths_store_the_line_and_open_the_reply_after_it(async_pool_size: int) -> None:
    with override_settings(DATABASE_ASYNC_POOL_SIZE=async_pool_size):
        assert live.available() is (async_pool_size >= 0)
        conversation = await _conversation()
        taken = await _take(conversation, "  最近どうですか？ ", client_id="c-1")

    assert taken.created and taken.prepared is not None
    prompt, reply = taken.prepared
    assert prompt[-2:] == [
        {"role": "assistant", "content": "お疲れさま！"},
        {"role": "user", "content": "最近どうですか？"},
    ]
    assert prompt[0]["role"] == "system"
    rows = await database_sync_to_async(_rows)(conversation)
    assert rows == [
        ("assistant", "お疲れさま！", "complete", None),
        ("user", "最近どうですか？", "complete", "c-1"),
        ("assistant", "", "streaming", None),
    ]
    stored = await database_sync_to_async(Message.objects.get)(id=taken.message.id)
    assert streaming.message_payload(stored) == streaming.message_payload(taken.message)
    assert str(reply.id) == str((await database_sync_to_async(Message.objects.get)(status=Status.STREAMING)).id)
    # the prompt's history is the one the ORM reads (the streaming row left out)
    history = await database_sync_to_async(conversation_history)(conversation_id=conversation.id)
    assert prompt[-len(history) :] == history


async def test_a_client_id_sent_again_returns_the_stored_line_and_writes_nothing() -> None:
    conversation = await _conversation()
    first = await _take(conversation, "一度だけ", client_id="same")
    again = await _take(conversation, "一度だけ", client_id="same")

    assert (first.created, again.created, again.prepared) == (True, False, None)
    assert again.message.id == first.message.id
    assert streaming.message_payload(again.message) == streaming.message_payload(first.message)
    rows = await database_sync_to_async(_rows)(conversation)
    assert [row[:3] for row in rows].count(("user", "一度だけ", "complete")) == 1
    assert len(rows) == 3  # the opening line, the line, one reply row


async def test_two_sends_of_one_id_at_once_store_one_line() -> None:
    conversation = await _conversation()
    results = await asyncio.gather(*(_take(conversation, "同時に", client_id="twice") for _ in range(6)))

    assert sum(result.created for result in results) == 1
    assert {result.message.id for result in results} == {results[0].message.id}
    rows = await database_sync_to_async(_rows)(conversation)
    assert len(rows) == 3


async def test_an_ended_conversation_takes_no_line_even_if_the_socket_thinks_it_open() -> None:
    conversation = await _conversation()
    # ended elsewhere (the feedback asked on another device, the time-limit job): the socket's copy is stale
    await database_sync_to_async(type(conversation).objects.filter(id=conversation.id).update)(ended_at=timezone.now())

    with pytest.raises(services.ConversationClosedError):
        await _take(conversation, "まだ話せますか？")
    rows = await database_sync_to_async(_rows)(conversation)
    assert len(rows) == 1


async def test_reply_end_keeps_what_the_row_held_and_adds_the_model_figures() -> None:
    conversation = await _conversation()
    taken = await _take(conversation, "こんにちは")
    assert taken.prepared is not None
    reply = taken.prepared[1]
    reply.metadata = {"demo": True}
    await database_sync_to_async(Message.objects.filter(id=reply.id).update)(metadata={"demo": True})

    ended = await live.reply_store_end(message=reply, text="はい", status=Status.COMPLETE, metadata={"tokens_out": 2})

    stored = await database_sync_to_async(Message.objects.get)(id=reply.id)
    assert (stored.content, stored.status, stored.metadata) == ("はい", "complete", {"demo": True, "tokens_out": 2})
    assert streaming.message_payload(stored) == streaming.message_payload(ended)


async def test_a_database_failure_is_djangos_database_error(monkeypatch: pytest.MonkeyPatch) -> None:
    conversation = await _conversation()
    params = adb.connection_params()
    monkeypatch.setattr(adb, "connection_params", lambda: {**params, "port": 1, "connect_timeout": 2})

    with pytest.raises(DatabaseError):
        await live.line_store(conversation, content="届かない", client_id=None)


@override_settings(DATABASE_ASYNC_POOL_SIZE=2)
async def test_the_pool_hands_out_no_connection_the_server_dropped() -> None:
    conversation = await _conversation()
    try:
        await _take(conversation, "一行目")
        pids = set()
        for _ in range(3):
            row = await adb.fetch_one("SELECT pg_backend_pid()", ())
            assert row is not None
            pids.add(row[0])
        killed = await database_sync_to_async(_terminate)(pids)
        assert killed == len(pids) >= 1
        await asyncio.sleep(0.3)  # the server's goodbye reaches the idle connections' sockets

        taken = await _take(conversation, "二行目")  # no error: the dead connections are discarded

        assert taken.created
        row = await adb.fetch_one("SELECT pg_backend_pid()", ())
        assert row is not None and row[0] not in pids
    finally:
        await adb.close()


def _terminate(pids: set[int]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid, 5000) FROM unnest(%s::int[]) pid) t", [list(pids)]
        )
        return int(cursor.fetchone()[0])


async def test_a_reply_end_the_database_refused_is_stored_on_the_retry(
    fake_llm: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import psycopg

    fake_llm.reply(tokens=["はい", "どうぞ"], delay=0.0)
    conversation = await _conversation()
    taken = await _take(conversation, "話してもいいですか")
    fetch_one = adb.fetch_one
    failures: list[str] = []

    async def failing_once(sql: str, params: Any) -> Any:
        if sql.startswith("UPDATE") and not failures:
            failures.append(sql)
            raise psycopg.OperationalError("the database system is starting up")
        return await fetch_one(sql, params)

    monkeypatch.setattr(adb, "fetch_one", failing_once)
    monkeypatch.setattr(streaming, "STORE_RETRY_SECONDS", 0)
    events: list[dict[str, Any]] = []

    async def emit(event: dict[str, Any]) -> None:
        events.append(event)

    reply = await streaming.generate_reply(conversation=conversation, emit=emit, prepared=taken.prepared)

    assert len(failures) == 1
    stored = await database_sync_to_async(Message.objects.get)(id=reply.id)
    assert (stored.content, stored.status) == ("はいどうぞ", Status.INTERRUPTED)  # kept, marked as retried
    assert [e["code"] for e in events if e["type"] == "error"] == ["database_unavailable"]


async def test_the_statement_stores_only_in_that_users_open_conversation_of_that_mode() -> None:
    conversation = await _conversation()
    other = await database_sync_to_async(ConversationFactory)()
    for stub in (
        type(conversation)(id=conversation.id, user_id=other.user_id, mode=conversation.mode),  # someone else
        type(conversation)(id=conversation.id, user_id=conversation.user_id, mode="scenario"),  # another mode
    ):
        with pytest.raises(live.ConversationEndedError):
            await live.line_store(stub, content="入れないで", client_id=None)
    late = (timezone.now() - timedelta(seconds=1)).isoformat()
    await database_sync_to_async(type(conversation).objects.filter(id=conversation.id).update)(
        metadata={"ends_at": late}
    )
    with pytest.raises(live.ConversationEndedError):  # past its time limit
        await live.line_store(conversation, content="遅すぎ", client_id=None)
    assert len(await database_sync_to_async(_rows)(conversation)) == 1

    await database_sync_to_async(type(conversation).objects.filter(id=conversation.id).update)(
        metadata={"ends_at": "soon"}  # a value that is no time: no limit, as parse_datetime reads it
    )
    stored = await live.line_store(conversation, content="間に合う", client_id=None)
    assert stored.created and stored.found is not None and stored.found["metadata"] == {"ends_at": "soon"}


@override_settings(DATABASE_ASYNC_POOL_SIZE=-1)
async def test_the_orm_path_builds_the_prompt_with_the_callers_partner(monkeypatch: pytest.MonkeyPatch) -> None:
    from llm.prompts import Persona

    resolved: list[Any] = []
    monkeypatch.setattr(streaming, "persona_for", lambda conversation: resolved.append(conversation))
    conversation = await _conversation()

    taken = await streaming.take_line(conversation, Persona(role="経理部の佐藤さん"), text="こんにちは", client_id=None)

    assert resolved == []  # resolved once by the caller, not again for the prompt
    assert taken.prepared is not None and "経理部の佐藤さん" in taken.prepared[0][0]["content"]
