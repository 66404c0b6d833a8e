"""Every page in a real browser with the Content-Security-Policy on: not one violation."""

from typing import Any

import pytest
from django.urls import NoReverseMatch, reverse

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from conversations.tests.factories import ConversationFactory, MessageFactory
from scenarios.play import scenario_play_start
from scenarios.tests.factories import ScenarioFactory

pytestmark = pytest.mark.browser

LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""
# Pages of the modes that register their own URLs; each is visited when it exists.
OPTIONAL_PAGES = [
    "watch:home",
    "analytics:progress",
    "analytics:journal",
    "analytics:reports",
    "analytics:teams",
    "assignments:mine",
    "assignments:trainer-list",
    "assignments:trainer-create",
]


def _optional_pages() -> list[str]:
    pages = []
    for name in OPTIONAL_PAGES:
        try:
            pages.append(reverse(name))
        except NoReverseMatch:
            continue
    return pages


def _learner_pages(user: Any) -> list[str]:
    scenario = ScenarioFactory.create()
    sensitive = ScenarioFactory.create(sensitive=True)
    chat = ConversationFactory.create(user=user)
    MessageFactory.create(conversation=chat, role="assistant", content="お疲れさま！")
    play = scenario_play_start(user=user, scenario=scenario)
    return [
        "/",
        "/chat/",
        "/chat/journal/",
        f"/chat/{chat.id}/",
        "/scenarios/",
        f"/scenarios/{scenario.pk}/",
        f"/scenarios/{sensitive.pk}/consent/",
        f"/scenarios/play/{play.id}/",
        "/accounts/profile/",
        "/accounts/delete/",
        "/accounts/logout/",
        *_optional_pages(),
        "/admin/",
        "/admin/scenarios/scenario/",
        "/admin/scenarios/scenario/add/",
        f"/admin/scenarios/scenario/{scenario.pk}/change/",
        "/admin/scenarios/scenario/import/",
        "/api/v1/docs/",
    ]


def _visit(page: Any, path: str, problems: list[str]) -> None:
    response = page.goto(path)
    assert response is not None and response.status < 400, f"{path}: {response and response.status}"
    assert "script-src 'self'" in response.headers["content-security-policy"], path
    page.wait_for_load_state("load")
    page.wait_for_timeout(250)
    problems.extend(f"{path}: {violation}" for violation in page.evaluate("window.__cspViolations"))


def test_no_page_breaks_the_content_security_policy(browser_page: Any, fake_llm: Any) -> None:
    page = browser_page
    problems: list[str] = []
    page.on(
        "console",
        lambda message: problems.append(f"{page.url}: {message.text}")
        if "Content Security Policy" in message.text
        else None,
    )
    page.add_init_script(LISTEN)
    for path in ("/", "/accounts/login/", "/accounts/signup/"):
        _visit(page, path, problems)

    user = UserFactory.create(trainer=True, is_superuser=True)  # sees every admin page, whatever earlier tests flushed
    page.goto("/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", DEFAULT_PASSWORD)
    page.get_by_role("button", name="ログイン", exact=True).click()
    page.wait_for_selector(".nav-user")
    for path in _learner_pages(user):
        _visit(page, path, problems)

    assert problems == []
