"""Watch mode in real browsers: the owner and a viewer watch one session live; the owner steps in."""

import time
from typing import Any

import pytest

from accounts.tests.factories import UserFactory
from watch.models import WatchSession
from watch.tests.conftest import COMMENTARY, FEEDBACK

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-Long-enough-passw0rd"


def _log_in(page: Any, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def _wait_until_finalized(session: WatchSession, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        session.refresh_from_db()
        if session.metadata.get("finalized"):
            return
        time.sleep(0.2)


def test_two_pages_watch_one_session_and_the_owner_steps_in(
    fake_llm: Any, live_asgi_server: Any, browser_page: Any
) -> None:
    owner_user = UserFactory(username="owner", password=PASSWORD)
    viewer_user = UserFactory(username="viewer", password=PASSWORD)
    fake_llm.reply(tokens=["お疲れ", "さまです。"], delay=0.05)
    fake_llm.reply(tokens=["そう", "だね"] + ["、うん"] * 300, delay=0.1)
    fake_llm.reply(tokens=["助かる", "よ、", "ありがとう"], delay=0.05)
    fake_llm.reply_json({**FEEDBACK, **COMMENTARY})  # the judge answers both the feedback and the commentary

    owner = browser_page
    _log_in(owner, owner_user.username)
    owner.goto("/watch/")
    owner.select_option("select[name=theme]", "smalltalk")
    owner.select_option("select[name=persona_a]", "colleague")
    owner.select_option("select[name=persona_b]", "senior")
    owner.select_option("select[name=pace]", "fast")
    owner.click("#watch-start-button")
    owner.wait_for_selector(".wmsg-seat0.wmsg-complete >> text=お疲れさまです。")
    owner.click("#share-on")
    share_url = owner.input_value("#share-url")
    assert "?share=" in share_url

    context = owner.context.browser.new_context(base_url=live_asgi_server.url, locale="ja-JP")
    context.set_default_timeout(15_000)
    viewer = context.new_page()
    try:
        _log_in(viewer, viewer_user.username)
        viewer.goto(share_url)
        viewer.wait_for_selector(".wmsg-seat0 >> text=お疲れさまです。")
        viewer.wait_for_selector(".wmsg-seat1.wmsg-streaming .wmsg-speaker >> text=先輩")
        owner.wait_for_function("() => document.querySelector('#watch-viewers').textContent.includes('2')")
        assert viewer.query_selector("#stop-button") is None and viewer.query_selector("#watch-share") is None

        owner.click("button.step-in[data-seat='1']")
        for page in (owner, viewer):
            page.wait_for_selector(".wmsg-seat1.wmsg-interrupted")
        owner.wait_for_selector("#watch-text")
        assert viewer.query_selector("#watch-text") is None

        owner.fill("#watch-text", "手伝いましょうか")
        owner.click("#send-button")
        for page in (owner, viewer):
            page.wait_for_selector(".wmsg-learner >> text=手伝いましょうか")
            page.wait_for_selector(".wmsg-seat0.wmsg-complete >> text=助かるよ、ありがとう")

        owner.click("#feedback-button")
        owner.wait_for_selector("#feedback-report")
        assert "相手の状況を確かめながら話せていました" in owner.inner_text("#feedback-report")
        viewer.wait_for_selector("#download-md")
        viewer.wait_for_selector("#commentary-report")
        assert "二人とも相手の話をよく聞いていました。" in viewer.inner_text("#commentary-report")
    finally:
        context.close()
        _wait_until_finalized(WatchSession.objects.get(user=owner_user))
