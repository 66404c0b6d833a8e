"""The offline demo judge's summary counts in words that agree with the numbers, in either language."""

from pydantic import BaseModel

from llm import demo
from llm.prompts import judge_messages


class Summary(BaseModel):
    summary: str


def _summary(lines: list[str], language: str) -> str:
    turns = [
        turn for line in lines for turn in ({"role": "assistant", "content": "Hi"}, {"role": "user", "content": line})
    ]
    messages = judge_messages("Review the learner.", turns, language=language)
    schema = {"type": "json_schema", "json_schema": {"name": "Summary", "schema": Summary.model_json_schema()}}
    return Summary.model_validate_json(demo.json_answer(messages, schema)).summary


def test_it_says_one_question_and_one_polite_expression_in_the_singular() -> None:
    summary = _summary(["Could you please help me?"], "en")

    assert "1 learner line: 1 question and 1 polite expression." in summary


def test_it_says_the_plural_for_more_than_one() -> None:
    summary = _summary(["Could you please help me?", "Thank you, is that all?"], "en")

    assert "2 learner lines: 2 questions and 2 polite expressions." in summary


def test_it_counts_in_japanese_for_a_japanese_judge() -> None:
    summary = _summary(["手伝っていただけますか？"], "ja")

    assert summary.startswith("オフライン判定：学習者の発言1件を振り返りました。質問1件、丁寧な表現1件があり、総合点は")
