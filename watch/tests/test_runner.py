import asyncio
from typing import Any

import pytest

from conversations.models import Status
from watch import services
from watch.bus import get_bus
from watch.models import State, WatchMessage, WatchSession
from watch.runner import drive
from watch.tests.conftest import COMMENTARY, db, wait_for
from watch.tests.factories import WatchMessageFactory, WatchSessionFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _turns(session: WatchSession) -> list[tuple[int, str, str]]:
    return list(
        WatchMessage.objects.filter(session=session).order_by("seq").values_list("persona", "content", "status")
    )


async def test_it_alternates_the_personas_and_stops_at_the_turn_limit(fake_llm: Any, settings: Any) -> None:
    for line in ["A1", "B1", "A2", "B2"]:
        fake_llm.reply(tokens=[line[0], line[1]])
    fake_llm.reply_json(COMMENTARY)
    session = await db(WatchSessionFactory)()

    await drive(str(session.id))

    assert await db(_turns)(session) == [
        (0, "A1", "complete"),
        (1, "B1", "complete"),
        (0, "A2", "complete"),
        (1, "B2", "complete"),
    ]
    await db(session.refresh_from_db)()
    assert session.state == State.FINISHED and session.ended_at is not None
    assert session.metadata["end_reason"] == "max_turns"
    assert session.commentary["first"]["did_well"][0]["axis"] == "empathy"
    opening, reply, third = (request["messages"] for request in fake_llm.requests[:3])
    assert "同僚" in opening[0]["content"] and "先輩" in reply[0]["content"]
    assert reply[-1] == {"role": "user", "content": "A1"}
    assert third[-2:] == [{"role": "assistant", "content": "A1"}, {"role": "user", "content": "B1"}]


async def test_it_gives_each_persona_its_own_model(fake_llm: Any, settings: Any) -> None:
    fake_llm.add_fallback()
    settings.WATCH_MAX_TURNS = 2
    settings.WATCH_PERSONA_MODELS = [f"openai_compatible/{fake_llm.PRIMARY}", f"ollama/{fake_llm.SECONDARY}"]
    fake_llm.reply(tokens=["一"], model=fake_llm.PRIMARY)
    fake_llm.reply(tokens=["二"], model=fake_llm.SECONDARY)
    user = await db(_user)()
    session = await db(services.watch_start)(user=user, theme="report", personas=["newcomer", "senior"])
    await wait_for(lambda: db(_ended)(session))
    assert [r["model"] for r in fake_llm.requests[:2]] == [fake_llm.PRIMARY, fake_llm.SECONDARY]
    rows = await db(list)(
        WatchMessage.objects.filter(session=session).order_by("seq").values_list("content", flat=True)
    )
    assert rows == ["一", "二"]


def _user() -> Any:
    from accounts.tests.factories import UserFactory

    return UserFactory()


def _ended(session: WatchSession) -> bool:
    session.refresh_from_db()
    return session.is_ended and bool(session.metadata.get("finalized"))


async def test_it_stops_within_one_chunk(fake_llm: Any) -> None:
    fake_llm.reply(tokens=[f"t{i} " for i in range(200)], delay=0.05)
    fake_llm.reply_json(COMMENTARY)
    session = await db(WatchSessionFactory)()
    runner = asyncio.create_task(drive(str(session.id)))
    await wait_for(lambda: WatchMessage.objects.filter(session=session, status=Status.STREAMING).exists())
    await asyncio.sleep(0.3)
    await db(services.watch_stop)(session=session)  # the runner's control says "stopped" from here on
    published = await _published_text(str(session.id))
    await asyncio.wait_for(runner, 10)
    row = await db(WatchMessage.objects.get)(session=session)
    assert row.status == Status.INTERRUPTED
    assert row.content.startswith(published) and len(published.split()) >= 2
    assert len(row.content.split()) <= len(published.split()) + 1
    assert len(fake_llm.requests) == 2  # the turn and the commentary; no further turn


async def _published_text(session_id: str) -> str:
    entries = await get_bus().range_after(session_id, 0)
    return "".join(e.event.get("text", "") for e in entries if e.event.get("kind") == "token")


async def test_it_keeps_a_turn_left_streaming_by_a_dead_runner_as_interrupted(fake_llm: Any, settings: Any) -> None:
    settings.WATCH_MAX_TURNS = 2
    session = await db(WatchSessionFactory)()
    await db(WatchMessageFactory)(session=session, persona=0, content="途中まで", status=Status.STREAMING, seq=1)
    fake_llm.reply(tokens=["続き"])
    fake_llm.reply_json(COMMENTARY)
    await drive(str(session.id))
    assert await db(_turns)(session) == [(0, "途中まで", "interrupted"), (1, "続き", "complete")]


async def test_it_pauses_itself_when_the_model_keeps_failing(fake_llm: Any) -> None:
    fake_llm.fail(status=500)
    session = await db(WatchSessionFactory)()
    await drive(str(session.id))
    await db(session.refresh_from_db)()
    assert session.state == State.PAUSED
    assert session.metadata["notice"]
    assert [row[2] for row in await db(_turns)(session)] == ["failed", "failed"]


async def test_it_ends_the_session_at_the_time_limit(fake_llm: Any, settings: Any) -> None:
    settings.WATCH_MAX_SECONDS = 0.4
    fake_llm.reply(tokens=["長い"] * 100, delay=0.02)
    fake_llm.reply_json(COMMENTARY)
    session = await db(WatchSessionFactory)()
    await asyncio.wait_for(drive(str(session.id)), 10)
    await db(session.refresh_from_db)()
    assert session.state == State.FINISHED and session.metadata["end_reason"] == "max_seconds"
    assert await db(_turns)(session) == [
        (0, await db(lambda: WatchMessage.objects.get(session=session).content)(), "interrupted")
    ]


async def test_it_holds_after_the_turn_in_flight_when_paused_and_goes_on_when_resumed(fake_llm: Any) -> None:
    for line in ["A1", "B1", "A2", "B2"]:
        fake_llm.reply(tokens=[line[0], line[1]], delay=0.05)
    fake_llm.reply_json(COMMENTARY)
    session = await db(WatchSessionFactory)()
    runner = asyncio.create_task(drive(str(session.id)))
    await wait_for(lambda: WatchMessage.objects.filter(session=session).exists())
    await db(services.watch_pause)(session=session)
    await asyncio.wait_for(runner, 10)  # the runner gives the session up while it is paused
    assert await db(_turns)(session) == [(0, "A1", "complete")]

    resumed = await db(services.watch_resume)(session=session)  # dispatches a new runner
    await wait_for(lambda: WatchSession.objects.get(pk=resumed.pk).metadata.get("finalized"), timeout=10)
    assert [turn[1] for turn in await db(_turns)(session)] == ["A1", "B1", "A2", "B2"]


async def test_it_keeps_a_turn_whose_final_write_the_database_broke(fake_llm: Any, settings: Any) -> None:
    from conversations.tests.outage import reply_write_broken
    from watch.tests.helpers import connect, receive_until

    settings.WATCH_MAX_TURNS = 1
    fake_llm.reply(tokens=["お疲れ", "さまです", "。"], delay=0.05)
    fake_llm.reply_json(COMMENTARY)
    session = await db(WatchSessionFactory)()
    with reply_write_broken("watch_watchmessage", "session_id", session.id):
        viewer = await connect(session, session.user)  # a session without a runner gets one
        frames = await receive_until(viewer, "watch.error", timeout=20)
    done = [f for f in frames if f["type"] == "watch.ai.message" and f["kind"] == "done"][-1]["message"]
    assert done["status"] == "interrupted" and done["content"] == "お疲れさまです。"
    assert frames[-1]["code"] == "database_unavailable" and frames[-1]["retryable"] is True
    assert await db(_turns)(session) == [(0, "お疲れさまです。", "interrupted")]
    await wait_for(lambda: WatchSession.objects.get(pk=session.pk).state == State.FINISHED)  # the talk went on
    await viewer.disconnect()


async def test_it_pauses_when_no_write_of_a_turn_goes_through_and_the_sweep_ends_it(
    fake_llm: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from datetime import timedelta

    from conversations.sweeps import interrupt_stale_replies
    from conversations.tests.outage import reply_write_broken
    from watch.tests.helpers import connect, receive_until

    fake_llm.reply(tokens=["聞こえ", "ますか"], delay=0.05)
    session = await db(WatchSessionFactory)()
    with reply_write_broken("watch_watchmessage", "session_id", session.id, times=2):
        viewer = await connect(session, session.user)  # a session without a runner gets one
        frames = await receive_until(viewer, "watch.error", timeout=20)
    assert frames[-1]["code"] == "database_unavailable" and frames[-1]["retryable"] is True
    await wait_for(lambda: WatchSession.objects.get(pk=session.pk).state == State.PAUSED)
    await db(session.refresh_from_db)()
    assert session.metadata["notice"]
    assert any(r.levelname == "ERROR" and "reply_not_stored" in r.getMessage() for r in caplog.records)
    row = await db(WatchMessage.objects.get)(session=session)
    assert row.status == Status.STREAMING

    counts = await db(interrupt_stale_replies)(now=row.created_at + timedelta(minutes=11))
    assert counts["watch"] == 1
    assert await db(_turns)(session) == [(0, "", "interrupted")]
    ended = await receive_until(viewer, "watch.ai.message")
    assert ended[-1]["kind"] == "done" and ended[-1]["message"]["status"] == "interrupted"
    await viewer.disconnect()
