"""The offline judge quotes the learner for every score, whatever the learner said: its answer always
passes the strict check the product applies to any judge (``conversations.feedback.report_schema``)."""

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conversations.feedback import AXIS_NAMES, FeedbackReport, report_schema, rubric_report_schema
from conversations.judging import feedback_task
from llm import demo
from llm.prompts import UserTextError, clean_user_text, judge_messages
from llm.quotes import learner_said, quotable

RUBRIC = [
    {"name": "結論から伝えた", "good": "遅れを最初に言う", "poor": "前置きが長い"},
    {"name": "Asked for the deadline", "good": "Asks when it is needed", "poor": "No question"},
]
_ODD = "「」『』\"'“” 　\n\t🙂😀👍🏽👨‍👩‍👧🇯🇵はいうOKｶﾞ゙e\u0301。、！？!?.,"
_PIECES = st.sampled_from(
    ["はい", "う", "OK", "「」", "🙂", "  「 」  ", "。", "ｶﾞ", "“”", "申し訳ありません。", "I see."]
)
LINE = st.one_of(
    _PIECES,
    st.text(alphabet=_ODD, min_size=1, max_size=40),
    st.text(min_size=1, max_size=60),
    st.text(alphabet=_ODD + "あいうえお資料明日", min_size=300, max_size=2000),
    st.builds(lambda piece, n: piece * n, _PIECES, st.integers(1, 400)),
)


def _cleaned(lines: list[str]) -> list[str]:
    kept = []
    for line in lines:
        try:
            kept.append(clean_user_text(line)[:2000])
        except UserTextError:
            continue
    return kept


def _answer(learner: list[str], *, language: str, rubric: bool) -> tuple[type[FeedbackReport], str]:
    turns: list[dict[str, str]] = []
    for line in learner:
        turns += [{"role": "assistant", "content": "それで？"}, {"role": "user", "content": line}]
    task = feedback_task(language=language, points=[], rubric=RUBRIC if rubric else None)
    messages = judge_messages(task, turns, context="相手の役: 課長", language=language)
    schema = rubric_report_schema([c["name"] for c in RUBRIC], learner) if rubric else report_schema(learner)
    response_format = {"type": "json_schema", "json_schema": {"name": "F", "schema": schema.model_json_schema()}}
    return schema, demo.json_answer(messages, response_format)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(lines=st.lists(LINE, min_size=1, max_size=4), language=st.sampled_from(["ja", "en"]), rubric=st.booleans())
def test_the_offline_judges_answer_always_passes_the_strict_check(lines: list[str], language: str, rubric: bool):
    learner = _cleaned(lines)
    if not learner:
        return  # the product never judges a session without a line of the learner's
    schema, text = _answer(learner, language=language, rubric=rubric)

    report = schema.model_validate_json(text)  # raises on any unsaid quote or an axis without one

    assert all(report.evidence_for(axis) for axis in AXIS_NAMES)


def test_a_learner_who_only_said_one_character_lines_still_gets_valid_feedback():
    learner = ["う", "は", "🙂", "「」"]
    schema, text = _answer(learner, language="ja", rubric=False)

    report = schema.model_validate_json(text)

    assert {quote for axis in AXIS_NAMES for quote in report.evidence_for(axis)} <= set(learner)


def test_a_one_character_quote_counts_only_as_a_whole_line():
    assert learner_said("う", ["う"]) and learner_said("「う」", ["う"]) and learner_said("「」", ["「」"])
    assert not learner_said("う", ["うまくいきました"])  # one character of a longer line is no quote of it
    assert learner_said("OK", ["OK, I'll do it."]) and learner_said("ｵｯｹｰです", ["オッケーです。"])
    assert not learner_said("", ["う"]) and not learner_said("  ", ["  "])


def test_a_long_line_is_quoted_within_the_limit_and_still_counts_as_the_learners():
    line = "資料の件です。" * 100 + "  " + "🙂" * 300
    quote = quotable(line, 400)
    assert 2 <= len(quote) <= 400 and learner_said(quote, [line])
    assert quote.endswith("。")  # cut after a sentence
    spaced = "a" + " " * 500 + "b" + " " * 500 + "c"
    assert learner_said(quotable(spaced, 400), [spaced])


def test_the_offline_judge_lists_a_line_that_may_be_harassment_as_a_concern_with_a_reason() -> None:
    said = "最近太った？ダイエットしたほうがいいんじゃない？"
    learner = ["お疲れさまです。", said, "体型のことを冗談にされたのが、正直とても嫌でした。"]
    schema, text = _answer(learner, language="ja", rubric=False)

    report = schema.model_validate_json(text)

    assert [concern.quote for concern in report.concerns] == [said]  # not the line that speaks of such a remark
    assert "ハラスメント" in report.concerns[0].reason


def test_the_offline_judge_finds_no_concern_in_ordinary_lines_in_either_language() -> None:
    for language, learner in (
        ("ja", ["申し訳ありません、資料は月曜になります。", "週末は家族と出かけていました。"]),
        ("en", ["Sorry, the report will be late.", "Please stop making jokes about my appearance."]),
    ):
        schema, text = _answer(learner, language=language, rubric=False)
        assert schema.model_validate_json(text).concerns == []


def _concerns(learner: list[str], language: str = "ja", role: str = "課長") -> list[Any]:
    turns: list[dict[str, str]] = []
    for line in learner:
        turns += [{"role": "assistant", "content": "はい"}, {"role": "user", "content": line}]
    messages = judge_messages(feedback_task(language=language, points=[]), turns, context=f"相手の役: {role}")
    schema = report_schema(learner)
    response_format = {"type": "json_schema", "json_schema": {"name": "F", "schema": schema.model_json_schema()}}
    return schema.model_validate_json(demo.json_answer(messages, response_format)).concerns


def test_each_kind_of_remark_that_may_be_harassment_is_found() -> None:
    for line in (
        "次ミスしたらクビだからな。",
        "お前は本当に使えないな。",
        "結婚はまだなの？",
        "女なんだからお茶くらい入れてよ。",
        "もういい歳なんだから、しっかりして。",
    ):
        assert [c.quote for c in _concerns([line])] == [line], line
    for line in ("You are useless.", "Are you married yet?", "You look fat in that suit."):
        assert [c.quote for c in _concerns([line], language="en")] == [line], line


def test_an_order_barked_at_a_junior_is_a_concern_but_not_a_request_to_a_senior() -> None:
    order = "言い訳するな！さっさとやれ！"
    assert [c.quote for c in _concerns([order], role="入社2年目の部下")] == [order]
    assert _concerns([order], role="部長") == []  # rude to a senior, but no order from above
    assert _concerns(["この資料を見てください。"], role="入社2年目の部下") == []


def test_a_line_holding_a_unicode_line_separator_is_still_read_as_one_line():
    """The transcript's records are separated by newlines only; U+0085, U+2028 or a file separator
    inside a learner's line (which ``str.splitlines`` would split at) stay part of that line."""
    for odd in ("\x85", "\u2028", "\u2029", "\x1c", "\x1e", "\x0b"):
        learner = [f"0{odd}0"]
        schema, text = _answer(learner, language="ja", rubric=False)
        report = schema.model_validate_json(text)
        assert all(report.evidence_for(axis) for axis in AXIS_NAMES), repr(odd)
