"""A trainer assigns a learning path to a team; a learner sees it on the home page, completes the
first scenario, and the trainer's table shows the learner in progress with the score."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.tests.browser import log_in
from accounts.tests.factories import UserFactory
from assignments.models import Assignment
from assignments.tests.factories import team_with
from conversations.tests.factories import quoted_evidence
from scenarios.models import ScenarioPlay
from scenarios.tests.factories import ScenarioFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCORES = dict.fromkeys(["empathy", "clarity", "active_listening", "adaptability", "positivity", "professionalism"], 70)


def _assign(page: Any, team: Any, first: Any, second: Any) -> None:
    page.goto("/assignments/trainer/")
    page.click("#new-assignment")
    page.fill("#id_title", "新人研修パス")
    page.select_option("#id_step_0", str(first.pk))
    page.select_option("#id_step_1", str(second.pk))
    page.check(f"input[name=teams][value='{team.pk}']")
    page.fill("#id_note", "金曜までに1回ずつ")
    page.click("#save-assignment")
    page.wait_for_url("**/assignments/trainer/*/")


def _complete_first(page: Any, fake_llm: Any) -> None:
    page.goto("/")
    notices = page.locator("#assignment-notices")
    assert "新人研修パス" in notices.inner_text() and "未着手" in notices.inner_text()
    notices.locator(".start-button").first.click()
    page.wait_for_selector("text=お、どうしたの？")
    fake_llm.reply(tokens=["そう", "なんだ"], delay=0.02)
    page.fill("#message-text", "結論から申し上げますと、資料は月曜になります")
    page.click("#send-button")
    page.wait_for_selector(".msg-assistant.msg-complete >> text=そうなんだ", timeout=15000)
    fake_llm.reply_json(
        {
            "summary": "結論が先でした",
            "went_well": [],
            "to_improve": [],
            "better_phrasings": [],
            "scores": SCORES,
            "evidence": quoted_evidence("結論から申し上げますと、資料は月曜になります"),
        }
    )
    page.click("#end-button")
    page.wait_for_selector("#feedback-report", timeout=15000)


def test_a_trainer_assigns_a_path_and_sees_the_learner_in_progress(
    fake_llm: Any, live_asgi_server: Any, browser_page: Any
) -> None:
    base, page = live_asgi_server.url, browser_page
    trainer, learner = UserFactory.create(trainer=True), UserFactory.create(display_name="花子")
    team = team_with(trainer, [learner])
    first, second = ScenarioFactory.create(), ScenarioFactory.create()

    log_in(page, trainer.username, base)
    _assign(page, team, first, second)
    assignment = Assignment.objects.get(title="新人研修パス")
    assert list(assignment.steps.values_list("scenario_id", flat=True)) == [first.pk, second.pk]
    page.context.clear_cookies()

    log_in(page, learner.username, base)
    _complete_first(page, fake_llm)
    play = ScenarioPlay.objects.get(user=learner, scenario=first)
    assert play.feedback_at is not None
    ScenarioPlay.objects.filter(pk=play.pk).update(rubric_total=83, passed=True)  # the scenario rubric's verdict
    page.goto("/assignments/")
    card = page.locator(f"#assignment-{assignment.pk}")
    assert "練習中" in card.inner_text() and "金曜までに1回ずつ" in card.inner_text()
    page.context.clear_cookies()

    log_in(page, trainer.username, base)
    page.goto(f"/assignments/trainer/{assignment.pk}/")
    row = page.locator(f"#progress-rows tr[data-user='{learner.username}']")
    text = row.inner_text()
    assert "花子" in text and "練習中" in text and "83" in text and "1 / 2" in text
    page.select_option("select[name=status]", "completed")
    page.wait_for_function('() => !document.querySelector("#progress-rows tr[data-user]")')
    assert "該当する学習者はいません" in page.inner_text("#progress-rows")
