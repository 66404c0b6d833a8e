"""The scenario's ``warning`` message ("for behaviour that may be harassment") follows behaviour: it
shows when the judge reports a line of the learner's that may be harassment (the feedback's
``concerns``), in any scenario with a warning message, whatever the score; the feedback panel
lists the lines, escaped, and the API gives them and the message."""

from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from accounts.tests.factories import UserFactory
from conversations import services as conversation_services
from conversations.feedback import FeedbackReport
from conversations.models import Feedback
from conversations.tests.factories import quoted_evidence
from scenarios.play import scenario_play_start
from scenarios.rubric import rubric_result
from scenarios.services import scenario_consent_record, scenario_rubric_replace
from scenarios.tests.factories import ScenarioFactory

WARNING = "威圧的な言い方や容姿に触れる発言は、ハラスメントにあたるおそれがあります。"
MESSAGES = {"excellent": "見事", "good": "合格", "needs_improvement": "もう一歩", "warning": WARNING}
HARASSING = "最近太った？ダイエットしたほうがいいんじゃない？"
POLITE = "申し訳ありません、資料は月曜になります。"


def _scenario(*, rubric: bool = True, **overrides: Any) -> Any:
    scenario = ScenarioFactory(**{"opening_line": "どうしたの？", "graded_messages": MESSAGES, **overrides})
    if rubric:
        scenario_rubric_replace(
            scenario=scenario,
            criteria=[{"name": "結論から伝えた", "weight": 1, "good": "遅れを最初に言う", "poor": "前置きが長い"}],
        )
    return scenario


def _scores(score: int, line: str = POLITE) -> list[dict[str, Any]]:
    return [{"criterion": "結論から伝えた", "score": score, "evidence": [line]}]


@pytest.mark.django_db
def test_the_warning_shows_when_a_concern_was_found_whatever_the_score():
    scenario = _scenario()
    concern = [{"quote": HARASSING, "reason": "容姿への発言です"}]

    high = rubric_result(scenario, _scores(95), concerns=concern)
    low_without = rubric_result(_scenario(sensitive=True), _scores(10))

    assert high is not None and high.passed and high.warning == WARNING
    assert low_without is not None and not low_without.passed and low_without.warning == ""  # a low score is no concern


@pytest.mark.django_db
def test_no_warning_without_a_warning_message():
    scenario = _scenario(graded_messages={"good": "合格"})
    result = rubric_result(scenario, _scores(80), concerns=[{"quote": HARASSING, "reason": "r"}])
    assert result is not None and result.warning == ""


def _played(scenario: Any, line: str) -> Any:
    user = UserFactory()
    scenario_consent_record(user=user, scenario=scenario)  # a sensitive scenario starts only with consent
    conversation = scenario_play_start(user=user, scenario=scenario)
    conversation_services.message_append_user(conversation=conversation, text=line, client_id="c1")
    return conversation


def _page(conversation: Any) -> str:
    client = Client()
    client.force_login(conversation.user)
    response = client.post(f"/chat/{conversation.id}/feedback/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_offline_judge_finds_the_remark_and_the_page_shows_the_warning_and_the_line(fake_llm: Any):
    fake_llm.answer_json_requests()  # the offline judge answers
    conversation = _played(_scenario(), HARASSING)

    page = _page(conversation)

    assert WARNING in page and 'id="graded-warning"' in page
    assert 'id="feedback-concerns"' in page and HARASSING in page
    stored = Feedback.objects.get(conversation=conversation).content
    assert [c["quote"] for c in stored["concerns"]] == [HARASSING]


@pytest.mark.django_db(transaction=True)
def test_polite_lines_get_no_warning_in_a_sensitive_scenario_even_when_not_passed(fake_llm: Any):
    fake_llm.answer_json_requests()
    conversation = _played(_scenario(sensitive=True), "えっと")

    page = _page(conversation)

    assert WARNING not in page and 'id="feedback-concerns"' not in page
    assert Feedback.objects.get(conversation=conversation).content["concerns"] == []


@pytest.mark.django_db(transaction=True)
def test_a_scenario_without_a_rubric_shows_its_warning_and_the_concern_escaped(fake_llm: Any):
    conversation = _played(_scenario(rubric=False), HARASSING)
    reason = "<script>alert(1)</script>容姿への発言です"
    fake_llm.reply_json(
        {
            "summary": "s",
            "went_well": [],
            "to_improve": [],
            "better_phrasings": [],
            "scores": dict.fromkeys(["empathy", "clarity", "active_listening", "adaptability"], 30)
            | {"positivity": 30, "professionalism": 20},
            "evidence": quoted_evidence(HARASSING),
            "concerns": [{"quote": HARASSING, "reason": reason}],
        }
    )

    page = _page(conversation)

    assert WARNING in page and 'id="rubric-result"' not in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.django_db(transaction=True)
def test_the_api_gives_the_concerns_and_the_warning(fake_llm: Any):
    fake_llm.answer_json_requests()
    conversation = _played(_scenario(), HARASSING)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(conversation.user)}")

    body = client.post("/api/v1/scenarios/feedback", {"conversation_id": str(conversation.id)}, format="json").json()

    assert body["warning"] == WARNING and body["rubric"]["warning"] == WARNING
    assert [c["quote"] for c in body["feedback"]["concerns"]] == [HARASSING]


@pytest.mark.django_db(transaction=True)
def test_feedback_stored_without_concerns_still_shows_and_warns_of_nothing(fake_llm: Any):
    conversation = _played(_scenario(sensitive=True), POLITE)
    legacy = {
        "summary": "以前の評価です",
        "went_well": [],
        "to_improve": [],
        "better_phrasings": [],
        "scores": dict.fromkeys(["empathy", "clarity", "active_listening", "adaptability", "positivity"], 10)
        | {"professionalism": 10},
    }
    conversation_services.feedback_store(
        conversation=conversation, report=FeedbackReport.model_validate(legacy), metadata={}
    )
    Feedback.objects.filter(conversation=conversation).update(content=legacy)  # stored before concerns existed

    page = _page(conversation)

    assert "以前の評価です" in page and WARNING not in page
    assert fake_llm.requests == []
