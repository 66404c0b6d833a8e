"""What viewers of a shared session are told: who speaks (never "you" for the owner's lines),
that the link was disabled, and error frames in their own language."""

from typing import Any

import pytest
from django.test import Client

from accounts.tests.factories import UserFactory
from watch import services
from watch.models import Author, State, WatchSession
from watch.tests.conftest import db
from watch.tests.factories import WatchMessageFactory, WatchSessionFactory
from watch.tests.helpers import connect, receive_until

pytestmark = pytest.mark.django_db(transaction=True)


def _stepped_in_shared() -> WatchSession:
    """A shared session where the owner took seat 1 (先輩) and said one line."""
    session = WatchSessionFactory(state=State.STEPPED_IN, seat=1)
    WatchMessageFactory(session=session, persona=0, content="お疲れさまです。", seq=1)
    WatchMessageFactory(session=session, persona=1, author=Author.LEARNER, content="手伝いましょうか", seq=2)
    return services.watch_share(session=session, enabled=True)


async def _snapshot_html(session: WatchSession, user: Any, query: str = "") -> str:
    communicator = await connect(session, user, f"?format=html{query}")
    html = await communicator.receive_from()
    await communicator.disconnect()
    return str(html)


async def test_it_labels_the_owners_lines_by_who_is_looking() -> None:
    session = await db(_stepped_in_shared)()
    owner = await db(lambda: session.user)()
    viewer = await db(UserFactory)()

    seen_by_owner = await _snapshot_html(session, owner)
    seen_by_viewer = await _snapshot_html(session, viewer, f"&share={session.share_token}")

    assert "あなたは先輩として話します。" in seen_by_owner and "（あなた）" in seen_by_owner
    assert "あなた" not in seen_by_viewer
    assert "主催者が先輩として話しています。" in seen_by_viewer and "（主催者）" in seen_by_viewer


def test_it_labels_the_owners_lines_on_a_viewers_page() -> None:
    session = _stepped_in_shared()
    client = Client()
    client.force_login(UserFactory(preferences={"language": "en"}))

    page = client.get(f"/watch/{session.id}/?share={session.share_token}").content.decode()

    assert "You speak as" not in page and "(you)" not in page and "You are in the conversation" not in page
    assert "The owner of the session speaks as" in page and "(the session's owner)" in page


async def test_it_tells_viewers_the_link_was_disabled_before_the_stream_ends() -> None:
    session = await db(WatchSessionFactory)(state=State.PAUSED)
    session = await db(services.watch_share)(session=session, enabled=True)
    english = await db(UserFactory)(preferences={"language": "en"})
    page_viewer = await connect(session, await db(UserFactory)(), f"?format=html&share={session.share_token}")
    app_viewer = await connect(session, english, f"?share={session.share_token}")
    await page_viewer.receive_from()
    await app_viewer.receive_json_from()

    await db(services.watch_share)(session=session, enabled=False)

    frames = await receive_until(app_viewer, "watch.revoked")
    while "watch-revoked" not in (fragment := await page_viewer.receive_from(timeout=5)):
        pass
    assert frames[-1]["message"] == "The owner disabled the share link: this session can no longer be watched."
    assert "共有リンクが無効にされたため、このセッションはもう視聴できません。" in fragment
    assert 'id="watch-viewers"' in fragment and "視聴中" not in fragment
    assert await app_viewer.receive_output(timeout=5) == {"type": "websocket.close", "code": 4404}
    assert await page_viewer.receive_output(timeout=5) == {"type": "websocket.close", "code": 4404}


async def test_it_answers_a_viewers_control_in_the_viewers_language() -> None:
    session = await db(WatchSessionFactory)(state=State.PAUSED)
    session = await db(services.watch_share)(session=session, enabled=True)
    viewer = await connect(session, await db(UserFactory)(), f"?share={session.share_token}")
    await viewer.receive_json_from()

    await viewer.send_json_to({"type": "watch.stop"})
    error = (await receive_until(viewer, "watch.error"))[-1]

    assert error["code"] == "forbidden" and error["message"] == "このセッションを操作できるのは主催者だけです。"
    await viewer.disconnect()
