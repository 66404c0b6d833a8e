"""A learner chats in a real browser: the reply streams in, Stop works, feedback appears."""

from typing import Any

import pytest

from accounts.tests.factories import UserFactory
from conversations.tests.factories import quoted_evidence

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_streams_stops_and_gives_feedback(fake_llm: Any, live_asgi_server: str, browser_page: Any) -> None:
    user = UserFactory(username="hanako", password="a-Long-enough-passw0rd")
    fake_llm.reply(tokens=["お疲れ", "さまです。", "今日は", "寒い", "ですね。"], delay=0.05)
    fake_llm.reply(tokens=["そう", "ですね"] + ["、それで"] * 150, delay=0.05)
    scores = dict.fromkeys(
        ["empathy", "clarity", "active_listening", "adaptability", "positivity", "professionalism"], 72
    )
    fake_llm.reply_json(
        {
            "summary": "相手を気遣う一言がありました",
            "went_well": [{"quote": "温かいものでも飲みましょう", "comment": "配慮"}],
            "to_improve": [],
            "better_phrasings": [],
            "scores": scores,
            "evidence": quoted_evidence("温かいものでも飲みましょう"),
        }
    )
    page = browser_page
    page.goto("/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "a-Long-enough-passw0rd")
    page.get_by_role("button", name="ログイン", exact=True).click()
    page.wait_for_url(f"{live_asgi_server.url}/")
    page.goto("/chat/")
    page.select_option("select[name=partner]", "先輩")
    page.select_option("select[name=situation]", "休憩中")
    page.click("#chat-start-form button[type=submit]")

    page.wait_for_selector(".msg-assistant.msg-complete", timeout=15000)
    assert "今日は寒いですね。" in page.inner_text("#messages")

    page.fill("#message-text", "温かいものでも飲みましょう")
    page.click("#send-button")
    page.wait_for_selector(".msg-user >> text=温かいものでも飲みましょう", timeout=10000)
    page.wait_for_selector(".msg-streaming .typing", timeout=10000)
    page.wait_for_function(
        "() => document.querySelector('.msg-streaming .msg-body').textContent.startsWith('そうですね')", timeout=10000
    )
    page.click("#stop-button")
    page.wait_for_selector(".msg-assistant.msg-interrupted", timeout=10000)
    assert page.inner_text(".msg-assistant.msg-interrupted .msg-body").startswith("そうですね")

    page.click("#end-button")
    page.wait_for_selector("#feedback-report", timeout=15000)
    report = page.inner_text("#feedback-report")
    assert "相手を気遣う一言がありました" in report and "72" in report
