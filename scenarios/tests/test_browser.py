"""A trainer writes a scenario in the admin; a learner finds it, plays two turns and gets feedback."""

import importlib
from typing import Any

import pytest
from django.apps import apps

from accounts.tests.browser import log_in
from accounts.tests.factories import UserFactory
from conversations.tests.factories import quoted_evidence
from scenarios.models import Scenario

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _author(page: Any) -> None:
    page.goto("/admin/scenarios/scenario/add/")
    page.fill("#id_title", "経費精算の差し戻しを伝える")
    page.fill("#id_title_en", "Returning an expense claim")
    page.fill("#id_slug", "expense-claim-return")
    page.fill("#id_description", "部下の経費精算に不備があり、差し戻す理由を伝える練習です。")
    page.select_option("#id_category", index=1)
    page.select_option("#id_difficulty", index=1)
    page.fill("#id_ai_role", "経理担当の同僚")
    page.fill("#id_learner_role", "チームリーダー")
    page.fill("#id_personality", "几帳面で丁寧。規程を重んじる。")
    page.fill("#id_speaking_style", "です・ます調で落ち着いて話す。")
    page.fill("#id_situation", "月末の締め日、経理の席で。")
    page.fill("#id_opening_line", "あの、経費の件で何かありましたか？")
    page.check("#id_published")
    page.fill("#id_feedback_points-0-text", "理由を具体的に伝えたか")
    page.locator("input[name=_save]").click()
    page.wait_for_load_state()
    errors = page.locator(".errorlist, .errornote").all_inner_texts()
    assert not errors, errors
    page.wait_for_url("**/admin/scenarios/scenario/")


def test_a_trainer_authors_and_a_learner_plays_it(fake_llm: Any, live_asgi_server: Any, browser_page: Any) -> None:
    base = live_asgi_server.url
    # Earlier transactional tests flush the database, and the trainer group's permissions with it.
    importlib.import_module("scenarios.migrations.0002_trainer_group_permissions").Migration.operations[0].code(
        apps, None
    )
    trainer = UserFactory(trainer=True)
    learner = UserFactory()
    page = browser_page
    log_in(page, trainer.username, base)
    _author(page)
    scenario = Scenario.objects.get(title="経費精算の差し戻しを伝える")
    assert scenario.published and scenario.author == trainer
    page.context.clear_cookies()

    log_in(page, learner.username, base)
    page.goto("/scenarios/?search=経費精算")
    page.get_by_text("経費精算の差し戻しを伝える").first.click()
    page.locator("form[action$='/start/'] button[type=submit]").first.click()
    page.wait_for_selector("text=あの、経費の件で何かありましたか？")
    for turn, reply in enumerate((["そう", "なんですか"], ["わかり", "ました"])):
        fake_llm.reply(tokens=reply, delay=0.02)
        page.fill("#message-text", f"{turn + 1}回目: 領収書の日付が違っていました")
        page.click("#send-button")
        page.wait_for_selector(f".msg-assistant.msg-complete >> text={''.join(reply)}", timeout=15000)
    scores = dict.fromkeys(
        ["empathy", "clarity", "active_listening", "adaptability", "positivity", "professionalism"], 64
    )
    fake_llm.reply_json(
        {
            "summary": "理由が具体的でした",
            "went_well": [],
            "to_improve": [],
            "better_phrasings": [],
            "scores": scores,
            "evidence": quoted_evidence("領収書の日付が違っていました"),
            "point_scores": [{"point": "理由を具体的に伝えたか", "score": 81, "comment": "日付を挙げた"}],
        }
    )
    page.click("#end-button")
    page.wait_for_selector("#feedback-report", timeout=15000)
    report = page.inner_text("#feedback-report")
    assert "理由を具体的に伝えたか" in report and "81" in report and "理由が具体的でした" in report
