"""The judge must quote a learner line for every score it gives: an answer quoting a line the learner
never said, or scoring an axis without a quote, is repaired once, then rejected and never stored,
in chat, scenarios and watch step-in alike (all ask through ``conversations.judging.feedback_report``)."""

from typing import Any

import pytest
from asgiref.sync import async_to_sync
from pydantic import ValidationError

from conversations.feedback import AXIS_NAMES, FeedbackReport, report_schema, rubric_report_schema
from conversations.judging import feedback_generate, feedback_report
from conversations.models import Feedback
from conversations.tests.factories import ConversationFactory, MessageFactory, quoted_evidence
from llm import LLMError

LINE = "申し訳ありません、資料は月曜になります。"
UNSAID = "完璧な提案をしました"


def _answer(quote: str = LINE, **changes: Any) -> dict[str, Any]:
    answer = {
        "summary": "結論から話せていました。",
        "went_well": [{"quote": quote, "comment": "結論が先でした"}],
        "to_improve": [{"quote": quote, "comment": "次の一手を添えましょう"}],
        "better_phrasings": [{"original": quote, "suggestion": "結論から申し上げます。", "reason": "要点が伝わります"}],
        "scores": dict.fromkeys(AXIS_NAMES, 60),
        "evidence": quoted_evidence(quote),
        "top_strengths": [{"axis": "clarity", "reason": "結論が先でした", "quote": quote}],
        "concerns": [],
    }
    return {**answer, **changes}


@pytest.mark.parametrize(
    "where",
    ["evidence", "went_well", "to_improve", "better_phrasings", "top_strengths", "concerns"],
)
def test_every_kind_of_quote_must_be_the_learners_own_line(where: str) -> None:
    unsaid = _answer(quote=UNSAID)
    answer = _answer(**{where: unsaid[where]})
    if where == "concerns":
        answer["concerns"] = [{"quote": UNSAID, "reason": "侮辱です"}]

    with pytest.raises(ValidationError, match="never said"):
        report_schema([LINE]).model_validate(answer)

    assert report_schema([LINE]).model_validate(_answer()).evidence_for("clarity") == [LINE]


def test_an_axis_scored_without_a_quote_is_invalid_and_so_is_an_answer_without_evidence() -> None:
    evidence = quoted_evidence(LINE)
    evidence["empathy"] = []
    with pytest.raises(ValidationError, match="empathy"):
        report_schema([LINE]).model_validate(_answer(evidence=evidence))
    without = _answer()
    del without["evidence"]
    with pytest.raises(ValidationError, match="evidence"):
        report_schema([LINE]).model_validate(without)


def test_the_rubric_schema_checks_the_quotes_too() -> None:
    schema = rubric_report_schema(["結論から伝えた"], [LINE])
    with pytest.raises(ValidationError, match="never said"):
        schema.model_validate(_answer(quote=UNSAID))
    assert schema.model_validate(_answer()).criterion_scores == []


def test_feedback_stored_before_the_rule_still_reads() -> None:
    legacy = {k: v for k, v in _answer(quote=UNSAID).items() if k not in ("evidence", "concerns", "top_strengths")}

    report = FeedbackReport.model_validate(legacy)

    assert report.concerns == [] and report.evidence_for("empathy") == []


@pytest.mark.django_db(transaction=True)
def test_an_answer_quoting_an_unsaid_line_is_repaired_once(fake_llm: Any) -> None:
    conversation = ConversationFactory()
    MessageFactory(conversation=conversation, content=LINE)
    fake_llm.reply_json(_answer(quote=UNSAID))
    fake_llm.reply_json(_answer())

    feedback = async_to_sync(feedback_generate)(conversation)

    assert feedback.content["evidence"]["clarity"] == [{"quote": LINE}]
    assert len(fake_llm.requests) == 2
    repair = fake_llm.requests[1]["messages"][-1]["content"]
    assert "never said" in repair and UNSAID in repair


@pytest.mark.django_db(transaction=True)
def test_an_answer_still_quoting_unsaid_lines_after_the_repair_is_rejected_and_never_stored(fake_llm: Any) -> None:
    conversation = ConversationFactory()
    MessageFactory(conversation=conversation, content=LINE)
    fake_llm.reply_json(_answer(quote=UNSAID))  # answered again for the repair round

    with pytest.raises(LLMError) as raised:
        async_to_sync(feedback_generate)(conversation)

    assert raised.value.kind == "bad_output"
    assert not Feedback.objects.filter(conversation=conversation).exists()
    assert "never said" in fake_llm.requests[1]["messages"][-1]["content"]  # the one repair round


def test_the_judge_is_asked_for_a_quote_per_axis_and_for_concerns_in_both_languages(fake_llm: Any) -> None:
    asked = (("ja", ("必ず1つ以上", "ハラスメント", "concerns")), ("en", ("at least one", "harassment", "concerns")))
    for language, words in asked:
        fake_llm.reply_json(_answer())
        async_to_sync(feedback_report)([{"role": "user", "content": LINE}], language=language, mode="chat")
        system = fake_llm.requests[-1]["messages"][0]["content"]
        assert all(word in system for word in words), language
        schema = fake_llm.requests[-1]["response_format"]["json_schema"]["schema"]
        assert "concerns" in schema["properties"] and "evidence" in schema["required"]
