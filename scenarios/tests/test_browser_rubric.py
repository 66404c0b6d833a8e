"""A trainer edits a rubric in the admin; a learner sees the goals during play, plays the boss in a
reverse-role scenario and gets criterion scores and "passed"."""

import importlib
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps

from accounts.tests.browser import log_in
from accounts.tests.factories import UserFactory
from conversations.tests.factories import quoted_evidence
from scenarios.importer import Source
from scenarios.models import Scenario
from scenarios.services import scenario_import

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
EXTENDED = Path(__file__).resolve().parent / "fixtures" / "extended"
LINE = "田中さん、忙しいところ悪いね。明日10時の役員会議の資料、今日中に数字を直してもらえるかな？見積書の締切は私が調整するよ。"


def _edit_rubric(page: Any, scenario: Scenario) -> None:
    page.goto(f"/admin/scenarios/scenario/{scenario.pk}/change/")
    page.fill("#id_criteria-1-name", "依頼の目的と期限を伝えた")
    page.fill("#id_criteria-1-weight", "3")
    page.fill("#id_criteria-1-good", "役員会議の資料であることと、今日中という期限を伝える")
    page.fill("#id_pass_threshold", "60")
    page.locator("input[name=_save]").click()
    page.wait_for_load_state()
    errors = page.locator(".errorlist, .errornote").all_inner_texts()
    assert not errors, errors
    page.wait_for_url("**/admin/scenarios/scenario/")


def _judge_answer(names: list[str]) -> dict[str, Any]:
    scores = dict.fromkeys(
        ["empathy", "clarity", "active_listening", "adaptability", "positivity", "professionalism"], 75
    )
    return {
        "summary": "部下の負担に配慮しながら依頼できました。",
        "went_well": [{"quote": LINE, "comment": "期限と配慮が伝わりました"}],
        "to_improve": [],
        "better_phrasings": [],
        "scores": scores,
        "evidence": quoted_evidence(LINE),
        "criterion_scores": [
            {"criterion": name, "score": 80, "evidence": [LINE], "comment": "具体的でした"} for name in names
        ],
    }


def test_a_trainer_edits_a_rubric_and_a_learner_plays_the_boss_and_passes(
    fake_llm: Any, live_asgi_server: Any, browser_page: Any
) -> None:
    base = live_asgi_server.url
    importlib.import_module("scenarios.migrations.0002_trainer_group_permissions").Migration.operations[0].code(
        apps, None
    )
    importlib.import_module("scenarios.migrations.0010_trainer_rubric_permissions").Migration.operations[0].code(
        apps, None
    )
    text = (EXTENDED / "scenario31.yaml").read_text(encoding="utf-8")
    scenario_import(sources=[Source("scenario31.yaml", text)], publish=True)
    scenario = Scenario.objects.get(slug="scenario31")
    Scenario.objects.filter(pk=scenario.pk).update(time_limit_minutes=5)
    trainer, learner = UserFactory(trainer=True), UserFactory()
    page = browser_page

    log_in(page, trainer.username, base)
    _edit_rubric(page, scenario)
    criteria = list(scenario.criteria.all())
    assert [(c.name, c.weight) for c in criteria][1] == ("依頼の目的と期限を伝えた", 3)
    assert Scenario.objects.get(pk=scenario.pk).pass_threshold == 60
    page.context.clear_cookies()

    log_in(page, learner.username, base)
    page.goto(scenario.get_absolute_url())
    assert "上の立場（課長）" in page.inner_text(".scenario-detail")
    assert "依頼の目的と期限を伝えた" in page.inner_text("#rubric")
    page.set_viewport_size({"width": 390, "height": 800})  # a phone
    page.locator("form[action$='/start/'] button[type=submit]").first.click()
    page.wait_for_selector("text=課長、お呼びでしょうか。")
    panel = page.locator("#goal-panel")
    assert panel.is_visible() and "依頼の背景と期限を明確に伝える" in panel.inner_text()
    page.wait_for_function("() => /^4:[0-5][0-9]$/.test(document.getElementById('countdown').textContent)")

    fake_llm.reply(tokens=["はい、", "承知", "しました。"], delay=0.02)
    page.fill("#message-text", LINE)
    page.click("#send-button")
    page.wait_for_selector(".msg-assistant.msg-complete >> text=はい、承知しました。", timeout=15000)
    assert panel.is_visible()  # still in view after the conversation grew

    fake_llm.reply_json(_judge_answer([c.name for c in criteria]))
    page.click("#end-button")
    page.wait_for_selector("#rubric-result", timeout=15000)
    result = page.inner_text("#rubric-result")
    assert page.inner_text("#rubric-verdict") == "合格"
    assert "80 / 100" in result and "依頼の目的と期限を伝えた" in result and LINE in result
    assert "部下の状況に配慮しながら、必要な依頼を明確に伝えられました。" not in result  # 80 is "good", not "excellent"
    assert "依頼は伝わりました。相手の負担への配慮をもう一歩深めましょう。" in result
