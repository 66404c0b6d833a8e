import asyncio
import threading
import time
from typing import Any

import pytest

from accounts.tests.factories import UserFactory
from watch import services
from watch.broadcast import frames_from
from watch.bus import Entry, MemoryBus, RedisBus, get_bus
from watch.models import State
from watch.tests.conftest import db
from watch.tests.factories import WatchSessionFactory
from watch.tests.helpers import connect, receive_until, replay, script_turns, without_presence


def _token(seq: int, message: str, text: str) -> Entry:
    return Entry(seq, {"type": "watch.ai.message", "kind": "token", "message_id": message, "text": text, "ts": seq})


def _done(seq: int, message: str) -> Entry:
    return Entry(seq, {"type": "watch.ai.message", "kind": "done", "message": {"id": message}, "ts": seq})


def test_it_joins_the_chunks_of_one_turn_read_together_into_one_frame() -> None:
    state = Entry(3, {"type": "watch.state", "session": {}, "ts": 3})
    entries = [_token(1, "a", "こん"), _token(2, "a", "にちは"), state, _token(4, "b", "は"), _token(5, "c", "い")]
    frames = frames_from(entries)
    assert [(f.data.get("text"), f.data["first_seq"], f.seq) for f in frames] == [
        ("こんにちは", 1, 2),
        (None, 3, 3),
        ("は", 4, 4),
        ("い", 5, 5),
    ]
    assert frames[0].data["ts"] == 1  # the oldest chunk's publish time


def test_it_lets_the_end_of_a_turn_stand_for_its_last_chunks() -> None:
    entries = [_token(1, "a", "こん"), _token(2, "a", "にちは"), _done(3, "a"), _token(4, "b", "は"), _done(5, "c")]
    frames = frames_from(entries)
    assert [(f.data["kind"], f.data["first_seq"], f.seq, f.data["ts"]) for f in frames] == [
        ("done", 1, 3, 1),
        ("token", 4, 4, 4),
        ("done", 5, 5, 5),
    ]


async def test_the_memory_bus_wakes_a_reader_when_another_thread_publishes() -> None:
    bus = MemoryBus()
    reader = asyncio.create_task(bus.read("s", 0, block_seconds=5))
    await asyncio.sleep(0.05)
    threading.Thread(target=bus.publish_sync, args=("s", {"type": "x"})).start()
    started = time.monotonic()
    entries = await asyncio.wait_for(reader, 2)
    assert [e.seq for e in entries] == [1] and time.monotonic() - started < 1
    assert [e.seq for e in await bus.range_after("s", 0)] == [1] and await bus.last_seq("s") == 1


@pytest.mark.parametrize("make_bus", [MemoryBus, lambda: get_bus()], ids=["memory", "redis"])
async def test_a_lease_has_one_holder_until_it_is_released_or_expires(make_bus: Any, settings: Any) -> None:
    bus = make_bus()
    assert isinstance(bus, MemoryBus | RedisBus)
    session = f"lease-{time.monotonic_ns()}"
    assert await bus.acquire_lease(session, "one", 5)
    assert not await bus.acquire_lease(session, "two", 5) and bus.lease_held(session)
    assert not await bus.refresh_lease(session, "two", 5)
    await bus.release_lease(session, "two")  # not its lease: nothing happens
    assert bus.lease_held(session)
    await bus.release_lease(session, "one")
    assert await bus.acquire_lease(session, "two", 0.2)
    await asyncio.sleep(0.3)
    assert await bus.acquire_lease(session, "three", 5)
    await bus.close_loop_client()


@pytest.mark.parametrize("make_bus", [MemoryBus, lambda: get_bus()], ids=["memory", "redis"])
async def test_the_viewer_count_adds_up_the_processes(make_bus: Any) -> None:
    bus = make_bus()
    session = f"viewers-{time.monotonic_ns()}"
    await bus.set_viewers(session, "web-1", 3)
    await bus.set_viewers(session, "web-2", 2)
    assert await bus.viewers(session) == 5 == bus.viewers_sync(session)
    await bus.set_viewers(session, "web-1", 0)
    assert await bus.viewers(session) == 2
    await bus.close_loop_client()


@pytest.mark.django_db(transaction=True)
async def test_it_works_the_same_without_redis(fake_llm: Any, settings: Any) -> None:
    settings.WATCH_BUS = "memory"
    script_turns(fake_llm, [["一"], ["二"], ["三"], ["四"]], delay=0.01)
    session = await db(WatchSessionFactory)(state=State.PAUSED)
    session = await db(services.watch_share)(session=session, enabled=True)
    owner = await connect(session, await db(lambda: session.user)())
    viewer = await connect(session, await db(UserFactory)(), f"?share={session.share_token}")
    snapshot = await owner.receive_json_from()
    await viewer.receive_json_from()
    while (await receive_until(owner, "watch.user.join"))[-1]["viewers"] != 2:
        pass  # the owner hears of the viewer (the count is summed over server processes)
    await db(services.watch_resume)(session=session)
    owner_frames = without_presence(await receive_until(owner, "watch.commentary"))
    viewer_frames = without_presence(await receive_until(viewer, "watch.commentary"))
    assert owner_frames == viewer_frames
    assert [turn[1] for turn in replay(snapshot, viewer_frames)] == ["一", "二", "三", "四"]
    await owner.disconnect()
    await viewer.disconnect()
