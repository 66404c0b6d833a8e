"""The live chat controls in a real browser: Retry only on the last reply, and the learner's language."""

from typing import Any

import pytest

from accounts.tests.factories import UserFactory
from conversations.models import Conversation, Message, Role, Status
from conversations.tests.factories import ConversationFactory, MessageFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-Long-enough-passw0rd"


def _sign_in(page: Any, live_asgi_server: Any, language: str) -> Conversation:
    user = UserFactory(password=PASSWORD, preferences={"language": language, "default_partner": "同僚"})
    conversation = ConversationFactory(user=user)
    MessageFactory(conversation=conversation, role=Role.ASSISTANT, content="お疲れさまです。")
    page.goto("/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{live_asgi_server.url}/")
    return conversation


def _stop_a_reply(page: Any, text: str) -> None:
    page.fill("#message-text", text)
    page.click("#send-button")
    page.wait_for_selector(".msg-streaming .typing")
    page.wait_for_function("() => document.querySelector('.msg-streaming .msg-body').textContent.length > 0")
    page.click("#stop-button")
    page.wait_for_selector(".msg-assistant.msg-interrupted")


def test_it_takes_a_stale_retry_away_when_a_new_line_is_sent(
    fake_llm: Any, live_asgi_server: Any, browser_page: Any
) -> None:
    fake_llm.reply(tokens=["そうですね"] + ["、それで"] * 200, delay=0.05)
    fake_llm.reply(tokens=["いい", "ですね"])
    page = browser_page
    conversation = _sign_in(page, live_asgi_server, "ja")
    page.goto(f"/chat/{conversation.id}/")
    page.wait_for_selector(".msg-assistant.msg-complete")

    _stop_a_reply(page, "最近どう？")
    page.wait_for_selector(".retry >> text=再試行")
    page.fill("#message-text", "新しい話題です")
    page.click("#send-button")
    page.wait_for_selector(".msg-user >> text=新しい話題です")
    page.wait_for_selector(".msg-assistant.msg-complete >> text=いいですね")

    assert page.locator("#retry-button").count() == 0
    assert page.locator(".retry").count() == 0
    page.reload()
    page.wait_for_selector(".msg-assistant.msg-complete >> text=いいですね")
    assert page.locator(".retry").count() == 0
    replies = Message.objects.filter(conversation=conversation, role=Role.ASSISTANT).order_by("created_at")
    assert [m.status for m in replies] == [Status.COMPLETE, Status.INTERRUPTED, Status.COMPLETE]


def test_it_draws_the_live_controls_in_english_for_an_english_learner(
    fake_llm: Any, live_asgi_server: Any, browser_page: Any
) -> None:
    fake_llm.reply(tokens=["Well"] + [", and"] * 200, delay=0.05)
    page = browser_page
    conversation = _sign_in(page, live_asgi_server, "en")
    page.goto(f"/chat/{conversation.id}/")
    page.wait_for_selector(".msg-assistant.msg-complete")

    page.fill("#message-text", "How are you?")
    page.click("#send-button")
    page.wait_for_selector(".msg-streaming .typing")
    live = page.inner_text("#chat")
    page.click("#stop-button")
    page.wait_for_selector(".msg-assistant.msg-interrupted")
    page.wait_for_selector(".retry")
    page.reload()
    page.wait_for_selector(".retry")
    page.wait_for_timeout(500)  # the socket's history has replaced the page's messages by now
    after_reload = page.inner_text("#chat")

    assert "typing…" in live and "Stop" in live and "Partner" in live and "You" in live
    assert "Interrupted — the partial reply was kept." in after_reload and "Retry" in after_reload
    for japanese in ("相手", "あなた", "入力中", "停止", "中断", "再試行"):
        assert japanese not in live + after_reload
