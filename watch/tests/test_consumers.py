import asyncio
from typing import Any

import pytest
from channels.testing import WebsocketCommunicator

from accounts.tests.factories import UserFactory
from conversations.models import Status
from watch import services
from watch.models import State, WatchMessage, WatchSession
from watch.tests.conftest import COMMENTARY, db, wait_for
from watch.tests.factories import WatchSessionFactory
from watch.tests.helpers import (
    assert_contiguous,
    connect,
    headers,
    receive_until,
    replay,
    script_turns,
    without_presence,
)
from workplace_roleplay.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)
LINES = [["お疲れ", "さまです。"], ["おつ", "かれ！"], ["今日は", "寒い", "ですね"], ["本当", "に"]]


async def _shared_session() -> Any:
    session = await db(WatchSessionFactory)(state=State.PAUSED)
    shared = await db(services.watch_share)(session=session, enabled=True)
    return await db(WatchSession.objects.select_related("user").get)(pk=shared.pk)


async def _start(session: Any) -> None:
    """Resume the paused session: its runner starts (once everyone under test is watching)."""
    await db(services.watch_resume)(session=session)


def _finished(session: Any) -> bool:
    session.refresh_from_db()
    return bool(session.metadata.get("finalized"))


async def test_it_sends_two_viewers_the_same_stream(fake_llm: Any) -> None:
    script_turns(fake_llm, LINES, delay=0.01)
    session = await _shared_session()
    owner = await connect(session, session.user)
    viewer = await connect(session, await db(UserFactory)(), f"?share={session.share_token}")
    first, second = await owner.receive_json_from(), await viewer.receive_json_from()
    assert first["type"] == second["type"] == "watch.snapshot"

    await _start(session)
    owner_frames = without_presence(await receive_until(owner, "watch.commentary"))
    viewer_frames = without_presence(await receive_until(viewer, "watch.commentary"))

    assert owner_frames == viewer_frames
    assert [turn[1] for turn in replay(second, viewer_frames)] == [
        "お疲れさまです。",
        "おつかれ！",
        "今日は寒いですね",
        "本当に",
    ]
    speakers = [
        f["message"]["speaker"] for f in viewer_frames if f["type"] == "watch.ai.message" and f["kind"] == "start"
    ]
    assert speakers == ["同僚", "先輩", "同僚", "先輩"]
    assert viewer_frames[-1]["session"]["commentary"]["overview"]
    await owner.disconnect()
    await viewer.disconnect()


async def test_it_gives_a_late_joiner_the_transcript_then_the_live_stream_without_gap_or_duplicate(
    fake_llm: Any,
) -> None:
    script_turns(fake_llm, [[f"{n}-{i} " for i in range(12)] for n in range(4)], delay=0.03)
    session = await _shared_session()
    owner = await connect(session, session.user)
    await owner.receive_json_from()
    await _start(session)
    seen = await receive_until(owner, "watch.ai.message")  # the first turn starts
    while not any(f.get("kind") == "token" and f["text"].startswith("1-") for f in seen):
        seen.append(await owner.receive_json_from(timeout=10))  # into the second turn

    late = await connect(session, await db(UserFactory)(), f"?share={session.share_token}")
    snapshot = await late.receive_json_from()
    assert snapshot["type"] == "watch.snapshot" and snapshot["seq"] > 0
    assert [m["content"] for m in snapshot["messages"]][0] == "".join(f"0-{i} " for i in range(12))
    frames = without_presence(await receive_until(late, "watch.commentary"))

    assert_contiguous(snapshot["seq"], frames)
    transcript = await db(list)(
        WatchMessage.objects.filter(session=session).order_by("seq").values_list("persona", "content", "status")
    )
    assert replay(snapshot, frames) == transcript
    assert len(transcript) == 4
    await owner.disconnect()
    await late.disconnect()


async def test_it_keeps_generating_when_a_viewer_disconnects(fake_llm: Any) -> None:
    script_turns(fake_llm, [[f"{i}" for i in range(10)]] * 4, delay=0.02)
    session = await db(WatchSessionFactory)(state=State.PAUSED)
    owner = await connect(session, session.user)
    await owner.receive_json_from()
    await _start(session)
    await receive_until(owner, "watch.ai.message")
    await owner.disconnect()

    await wait_for(lambda: _finished(session), timeout=15)
    rows = await db(list)(WatchMessage.objects.filter(session=session).values_list("status", flat=True))
    assert rows == [Status.COMPLETE] * 4


async def test_it_refuses_anyone_without_access(fake_llm: Any) -> None:
    session = await _shared_session()
    stranger = await db(UserFactory)()
    anonymous = WebsocketCommunicator(
        application, f"/ws/watch/{session.id}", headers=[(b"origin", b"http://testserver")]
    )
    assert await anonymous.connect() == (False, 4401)
    for query in ("", "?share=wrong", "?share="):
        communicator = WebsocketCommunicator(application, f"/ws/watch/{session.id}{query}", headers=headers(stranger))
        assert await communicator.connect() == (False, 4404)
    await db(services.watch_share)(session=session, enabled=False)
    communicator = WebsocketCommunicator(
        application, f"/ws/watch/{session.id}?share={session.share_token}", headers=headers(stranger)
    )
    assert await communicator.connect() == (False, 4404)


async def test_it_disconnects_viewers_when_the_link_is_disabled(fake_llm: Any) -> None:
    session = await _shared_session()
    owner = await connect(session, session.user)
    viewer = await connect(session, await db(UserFactory)(), f"?share={session.share_token}")
    await owner.receive_json_from()
    await viewer.receive_json_from()

    await db(services.watch_share)(session=session, enabled=False)

    frames = await receive_until(viewer, "watch.state")
    assert frames[-1]["session"]["share_enabled"] is False
    told = await receive_until(viewer, "watch.revoked")
    assert told[-1]["code"] == "share_disabled" and told[-1]["message"]
    assert await viewer.receive_output(timeout=5) == {"type": "websocket.close", "code": 4404}
    owner_frames = await receive_until(owner, "watch.user.leave")
    assert owner_frames[-1]["viewers"] == 1
    await owner.disconnect()


async def test_it_takes_controls_from_the_owner_only(fake_llm: Any) -> None:
    fake_llm.reply_json(COMMENTARY)
    session = await _shared_session()
    owner = await connect(session, session.user)
    viewer = await connect(session, await db(UserFactory)(), f"?share={session.share_token}")
    await owner.receive_json_from()
    await viewer.receive_json_from()

    await viewer.send_json_to({"type": "watch.stop"})
    error = await receive_until(viewer, "watch.error")
    assert error[-1]["code"] == "forbidden"
    await owner.send_json_to({"type": "watch.pace", "pace": "slow"})
    state = (await receive_until(owner, "watch.state"))[-1]
    assert state["session"]["pace"] == "slow"
    await owner.send_json_to({"type": "watch.pace", "pace": "warp"})
    assert (await receive_until(owner, "watch.error"))[-1]["code"] == "invalid"
    await owner.send_json_to({"type": "watch.stop"})
    state = (await receive_until(owner, "watch.state"))[-1]
    assert state["session"]["state"] == State.STOPPED and state["session"]["ended"]
    await owner.disconnect()
    await viewer.disconnect()


async def test_it_hands_the_seat_to_the_learner(fake_llm: Any, settings: Any) -> None:
    fake_llm.reply(tokens=["先に", "話します。"])
    fake_llm.reply(tokens=["それは"] + ["ね"] * 200, delay=0.03)
    fake_llm.reply(tokens=["なるほど", "、", "手伝います"], delay=0.01)
    session = await db(WatchSessionFactory)(state=State.PAUSED)
    owner = await connect(session, session.user)
    await owner.receive_json_from()
    await _start(session)
    frames = await receive_until(owner, "watch.ai.message")
    while not (frames[-1].get("kind") == "token" and frames[-1]["persona"] == 1):
        frames.append(await owner.receive_json_from(timeout=10))

    await owner.send_json_to({"type": "watch.step_in", "seat": 1})
    frames = await receive_until(owner, "watch.state")
    assert frames[-1]["session"]["state"] == State.STEPPED_IN and frames[-1]["session"]["seat"] == 1
    done = [f for f in await receive_until(owner, "watch.ai.message") if f.get("kind") == "done"]
    while not done:
        done = [f for f in [await owner.receive_json_from(timeout=10)] if f.get("kind") == "done"]
    assert done[0]["message"]["persona"] == 1 and done[0]["message"]["status"] == Status.INTERRUPTED

    await owner.send_json_to({"type": "watch.message", "text": "手伝いましょうか", "client_id": "c-1"})
    frames = await receive_until(owner, "watch.learner.message")
    assert frames[-1]["message"]["author"] == "learner" and frames[-1]["message"]["persona"] == 1
    frames = [f for f in await receive_until(owner, "watch.ai.message") if f["type"] == "watch.ai.message"]
    while frames[-1].get("kind") != "done":
        frames.append(await owner.receive_json_from(timeout=10))
    reply = frames[-1]["message"]
    assert (reply["persona"], reply["content"], reply["status"]) == (0, "なるほど、手伝います", Status.COMPLETE)
    assert fake_llm.requests[-1]["messages"][-1] == {"role": "user", "content": "手伝いましょうか"}
    await asyncio.sleep(0.2)
    assert len(fake_llm.requests) == 3  # the learner speaks next: no turn without them
    await owner.disconnect()


async def test_it_renders_escaped_html_fragments_for_the_page(fake_llm: Any) -> None:
    script_turns(fake_llm, [["<script>alert(1)</script>"], ["ok"], ["ok"], ["ok"]])
    session = await db(WatchSessionFactory)(state=State.PAUSED)
    communicator = await connect(session, session.user, "?format=html")
    snapshot = await communicator.receive_from()
    assert 'id="watch-messages"' in snapshot and 'id="stop-button"' in snapshot
    await _start(session)
    fragments: list[str] = []
    while "commentary-report" not in (fragments or [""])[-1]:
        fragments.append(await communicator.receive_from(timeout=10))
    text = "".join(fragments)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text and "<script>" not in text
    await communicator.disconnect()
