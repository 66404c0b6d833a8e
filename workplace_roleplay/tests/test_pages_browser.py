"""The main pages in a real browser: no console error anywhere, and pages that do what they look like."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from analytics.tests.factories import StrengthAnalysisFactory
from conversations.tests.factories import MessageFactory, quoted_evidence
from scenarios.models import Scenario
from scenarios.play import scenario_play_start
from scenarios.tests.factories import ScenarioFactory
from watch.models import Author, State
from watch.tests.conftest import COMMENTARY
from watch.tests.conftest import FEEDBACK as WATCH_FEEDBACK
from watch.tests.factories import WatchMessageFactory, WatchSessionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
FEEDBACK = {
    "summary": "結論から話せていました",
    "went_well": [],
    "to_improve": [],
    "better_phrasings": [],
    "scores": dict.fromkeys(
        ["empathy", "clarity", "active_listening", "adaptability", "positivity", "professionalism"], 70
    ),
    "evidence": quoted_evidence("進捗をご報告します。"),
}


LISTEN = """
document.addEventListener("securitypolicyviolation", function (event) {
  console.error("CSP violation: " + event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""


def _console_errors(page: Any) -> list[str]:
    """Console errors, uncaught exceptions and Content-Security-Policy violations, page by page."""
    errors: list[str] = []
    page.add_init_script(LISTEN)
    page.on(
        "console", lambda message: errors.append(f"{page.url}: {message.text}") if message.type == "error" else None
    )
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
    return errors


def _log_in(page: Any, user: Any) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", DEFAULT_PASSWORD)
    page.get_by_role("button", name="ログイン", exact=True).click()
    page.wait_for_selector(".nav-user")


def _visit(page: Any, path: str) -> None:
    response = page.goto(path)
    assert response is not None and response.status == 200, path
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)  # late requests (the icon) and scripts


def _sign_up(page: Any) -> User:
    _visit(page, "/accounts/signup/")
    page.fill("#id_username", "newcomer")
    page.fill("#id_email", "newcomer@example.com")
    page.fill("#id_display_name", "新人")
    page.fill("#id_password1", "a-Long-enough-passw0rd")
    page.fill("#id_password2", "a-different-passw0rd")
    # Autofill and password managers mark the fields they fill with a style attribute.
    page.evaluate("() => document.querySelectorAll('form input[id]').forEach(i => { i.style.outline = '1px solid'; })")
    page.get_by_role("button", name="アカウントを作成する").click()
    page.wait_for_selector(".has-error")
    page.fill("#id_password1", "a-Long-enough-passw0rd")
    page.fill("#id_password2", "a-Long-enough-passw0rd")
    page.get_by_role("button", name="アカウントを作成する").click()
    page.wait_for_selector(".nav-user")
    return User.objects.get(username="newcomer")


def _finished_watch(user: Any) -> Any:
    session = WatchSessionFactory(user=user, state=State.FINISHED, seat=1, ended_at=timezone.now())
    WatchMessageFactory(session=session, persona=0, content="この資料、明日までに終わるかな。")
    WatchMessageFactory(session=session, persona=1, author=Author.LEARNER, content="手伝いましょうか")
    return session


def test_the_main_pages_log_no_console_error(browser_page: Any, fake_llm: Any) -> None:
    page = browser_page
    errors = _console_errors(page)
    _visit(page, "/")
    assert page.evaluate("document.querySelector('link[rel=icon]') !== null")
    assert page.request.get("/favicon.ico").status == 200
    user = _sign_up(page)
    for path in ("/", "/chat/", "/chat/journal/", "/scenarios/", "/watch/", "/progress/", "/progress/journal/"):
        _visit(page, path)

    fake_llm.reply_json({**WATCH_FEEDBACK, **COMMENTARY})  # the judge answers the feedback and the commentary
    session = _finished_watch(user)
    _visit(page, f"/watch/{session.id}/")
    page.click("#feedback-button")
    page.wait_for_selector("#feedback-report")
    page.wait_for_timeout(300)
    assert page.locator("#feedback-button").count() == 0  # no second request for what is already there

    assert errors == []


def test_pages_look_like_what_they_do_on_a_desktop(browser_page: Any, fake_llm: Any) -> None:
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    user = UserFactory()
    fresh = ScenarioFactory(title="新しく公開した練習")
    older = ScenarioFactory(title="前からある練習")
    sensitive = ScenarioFactory(title="ハラスメントの相談を受ける", sensitive=True)
    Scenario.objects.filter(pk__in=[older.pk, sensitive.pk]).update(published_at=timezone.now() - timedelta(days=20))
    _log_in(page, user)

    _visit(page, "/")
    cards = page.locator(".modes a.card")
    assert cards.count() == 4
    assert cards.evaluate_all("cards => cards.map(card => card.getAttribute('href'))") == [
        "/chat/",
        "/scenarios/",
        "/watch/",
        "/progress/",
    ]

    _visit(page, "/chat/")
    assert not page.is_visible("#id_custom_partner") and not page.is_visible("#id_custom_situation")
    page.select_option("#id_partner", "custom")
    assert page.is_visible("#id_custom_partner") and not page.is_visible("#id_custom_situation")
    _visit(page, "/chat/journal/")
    chat_journal = (page.title(), page.inner_text("h1"))
    _visit(page, "/progress/journal/")
    assert page.title() != chat_journal[0] and page.inner_text("h1") != chat_journal[1]

    _visit(page, "/scenarios/")
    assert page.locator(".scenario-card").count() == 3
    assert page.locator(".scenario-card .badge.new").count() == 1
    assert "新しく公開した練習" in page.locator(".scenario-card:has(.badge.new)").inner_text()
    assert page.locator(".scenario-card form button[type=submit]").count() == 3
    category = page.locator("#id_category")
    widths = category.evaluate(
        """select => {
            const canvas = document.createElement("canvas").getContext("2d");
            canvas.font = getComputedStyle(select).font;
            const longest = Math.max(...[...select.options].map(option => canvas.measureText(option.text).width));
            return [select.clientWidth, longest];
        }"""
    )
    assert widths[0] >= widths[1] + 20, widths  # the longest category fits next to the arrow
    page.locator("#id_q").fill("新しく")  # as an input method does: no key events
    page.wait_for_function("() => document.querySelectorAll('.scenario-card').length === 1")

    page.locator("#id_q").fill("ハラスメント")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.scenario-title')].map(title => title.textContent.trim()).join() === "
        "'ハラスメントの相談を受ける'"
    )
    page.locator(".scenario-card form button[type=submit]").click()
    page.wait_for_url(f"**/scenarios/{sensitive.pk}/consent/")
    page.get_by_role("button", name="確認して始める").click()
    page.wait_for_load_state("load")
    assert page.locator(".message.error, .errorlist").count() == 1

    conversation = scenario_play_start(user=user, scenario=fresh)
    MessageFactory(conversation=conversation, content="進捗をご報告します。")
    fake_llm.reply_json({"hint": "結論から伝えましょう", "example": "結論から申し上げます"})
    _visit(page, f"/scenarios/play/{conversation.id}/")
    assert page.evaluate("document.querySelector('details.scenario-brief').open")
    page.click("#hint-button")
    page.wait_for_selector(".hint-card")
    hint, delete = page.locator(".hint-card").bounding_box(), page.locator(".chat-footer .link-button").bounding_box()
    assert hint["y"] >= delete["y"] + delete["height"] or hint["y"] + hint["height"] <= delete["y"], (hint, delete)
    fake_llm.reply_json(FEEDBACK)
    page.click("#end-button")
    page.wait_for_selector("#feedback-report")
    assert not page.is_visible("#hint-button") and not page.is_visible("#end-button")
    assert not page.is_visible("#message-text")


def test_a_phone_shows_the_conversation_and_readable_charts_first(browser_page: Any, fake_llm: Any) -> None:
    page = browser_page
    user = UserFactory()
    for days in (2, 40):
        StrengthAnalysisFactory(user=user, session_started_at=timezone.now() - timedelta(days=days))
    scenario = ScenarioFactory(learning_points=["結論から話す", "期限を伝える", "相談の時間をもらう"])
    conversation = scenario_play_start(user=user, scenario=scenario)
    _log_in(page, user)
    page.set_viewport_size(PHONE)

    _visit(page, f"/scenarios/play/{conversation.id}/")
    assert not page.evaluate("document.querySelector('details.scenario-brief').open")
    assert page.locator("#message-text").bounding_box()["y"] < PHONE["height"]

    _visit(page, "/progress/")
    page.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('radar-chart'))")
    radar = page.evaluate(
        """() => {
            const scale = Chart.getChart(document.getElementById("radar-chart")).scales.r;
            const boxes = scale._pointLabelItems.map(item => [item.left, item.top, item.right, item.bottom]);
            const overlaps = boxes.some((a, i) => boxes.some((b, j) =>
                i < j && a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]));
            return {radius: scale.drawingArea, overlaps: overlaps};
        }"""
    )
    assert radar["radius"] >= 90 and not radar["overlaps"], radar
    head = page.evaluate(
        """() => {
            const title = document.querySelector(".progress-head h1");
            const lineHeight = parseFloat(getComputedStyle(title).lineHeight);
            return {lines: Math.round(title.getBoundingClientRect().height / lineHeight),
                    overflow: document.documentElement.scrollWidth > window.innerWidth};
        }"""
    )
    assert head == {"lines": 1, "overflow": False}, head
