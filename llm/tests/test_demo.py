"""The offline demo partner on its own: replies in character, schema-valid JSON from the transcript."""

import json
import random
from enum import Enum
from typing import Annotated, Any

import pytest
from pydantic import BaseModel, Field

from llm import demo
from llm.prompts import Persona, judge_messages, opening_messages, partner_messages

Score = Annotated[int, Field(ge=0, le=100)]
AXES = ("empathy", "clarity", "active_listening", "adaptability", "positivity", "professionalism")


class AxisScores(BaseModel):
    empathy: Score
    clarity: Score
    active_listening: Score
    adaptability: Score
    positivity: Score
    professionalism: Score


class QuotedPoint(BaseModel):
    quote: Annotated[str, Field(max_length=600)]
    comment: Annotated[str, Field(max_length=600)]


class BetterPhrasing(BaseModel):
    original: str
    suggestion: str
    reason: str


class PointScore(BaseModel):
    point: str
    score: Score
    comment: str


class Report(BaseModel):
    summary: Annotated[str, Field(max_length=1200)]
    went_well: list[QuotedPoint] = Field(max_length=6)
    to_improve: list[QuotedPoint] = Field(max_length=6)
    better_phrasings: list[BetterPhrasing] = Field(max_length=6)
    scores: AxisScores
    point_scores: list[PointScore] = Field(default_factory=list, max_length=12)


LEARNER = [
    "お忙しいところすみません、少しよろしいですか？",
    "来週の資料の件でご相談があります。",
    "ありがとうございます、助かります！",
]
RUDE = ["資料まだ？", "無理。", "知らない"]


def _transcript(lines: list[str]) -> list[dict[str, str]]:
    turns = []
    for line in lines:
        turns += [{"role": "assistant", "content": "どうしました？"}, {"role": "user", "content": line}]
    return turns


def _report(lines: list[str], task: str = "評価してください") -> Report:
    messages = judge_messages(task, _transcript(lines))
    return Report.model_validate_json(demo.json_answer(messages, _format(Report)))


def _format(model: type[BaseModel]) -> dict[str, Any]:
    return {"type": "json_schema", "json_schema": {"name": model.__name__, "schema": model.model_json_schema()}}


def test_it_reads_the_persona_lines_that_the_prompt_writes() -> None:
    persona = Persona(role="先輩", name="田中", speaking_style="フランク", situation="休憩中", learner_role="新人")
    read = demo.read_persona(opening_messages(persona)[0]["content"])
    assert read.lang == "ja"
    assert read.fields == {
        "role": "先輩",
        "name": "田中",
        "speaking_style": "フランク",
        "situation": "休憩中",
        "learner_role": "新人",
    }


def test_it_opens_in_character_with_its_name_situation_and_style() -> None:
    casual = demo.reply_text(
        opening_messages(Persona(role="先輩", name="田中", speaking_style="フランク", situation="休憩中"))
    )
    polite = demo.reply_text(opening_messages(Persona(role="課長", speaking_style="丁寧", situation="1on1")))
    assert "田中" in casual and "休憩中" in casual and "だよ" in casual
    assert "1on1" in polite and "です" in polite and "だよ" not in polite


def test_it_answers_the_content_of_the_learners_last_line_without_echoing_it() -> None:
    persona = Persona(role="上司（課長）", speaking_style="丁寧")
    line = "提出が遅れて申し訳ありません"
    apology = demo.reply_text(partner_messages(persona, [{"role": "user", "content": line}]))
    question = demo.reply_text(
        partner_messages(persona, [{"role": "user", "content": "この件、どう進めればよいですか？"}])
    )
    assert line[:6] not in apology and "この件、どう" not in question
    assert apology.endswith(("？", "?")) and apology != question  # a manager asks about the cause or the new date


def test_it_speaks_english_to_an_english_persona() -> None:
    persona = Persona(role="client", situation="a late delivery", language="en")
    reply = demo.reply_text(partner_messages(persona, [{"role": "user", "content": "We shipped the fix today."}]))
    assert "shipped the fix" not in reply
    assert not any("\u3040" <= char <= "\u30ff" for char in reply)


def test_its_tokens_join_back_to_the_reply() -> None:
    for text in [
        "お疲れさまです。今日は寒いですね。",
        "Hello there, how are you?",
        "混ざった mixed テキスト 🙂\n改行",
        "",
    ]:
        assert "".join(demo.tokens(text)) == text
    assert len(demo.tokens("お疲れさまです。今日は寒いですね。")) > 3


def test_the_report_quotes_the_learners_own_lines_and_validates() -> None:
    report = _report(LEARNER)
    assert report.went_well and report.to_improve and report.better_phrasings
    assert all(point.quote in LEARNER for point in report.went_well + report.to_improve)
    assert all(phrasing.original in LEARNER for phrasing in report.better_phrasings)
    assert "3" in report.summary  # three learner lines reviewed


def test_the_scores_follow_the_learners_manners() -> None:
    polite, rude = _report(LEARNER).scores, _report(RUDE).scores
    assert polite.professionalism > rude.professionalism
    assert polite.positivity > rude.positivity
    assert polite.active_listening > rude.active_listening
    assert all(0 <= getattr(polite, axis) <= 100 for axis in AXES)


def test_feedback_points_from_the_task_are_scored_one_by_one() -> None:
    task = (
        "評価してください。\n次の評価ポイントごとにも point_scores で採点してください:\n- 結論から話す\n- 期限を伝える"
    )
    report = _report(LEARNER, task)
    assert [item.point for item in report.point_scores] == ["結論から話す", "期限を伝える"]


class Level(str, Enum):
    LOW = "low"
    MID = "mid"
    HIGH = "high"


class Odd(BaseModel):
    level: Level
    ratio: Annotated[float, Field(gt=0, lt=1)]
    count: Annotated[int, Field(ge=10, le=12)]
    tags: Annotated[list[str], Field(min_length=3, max_length=3)]
    note: Annotated[str, Field(min_length=5, max_length=8)]
    maybe: str | None = None
    flag: bool
    nested: "Odd | None" = None


def test_it_fills_odd_schemas_within_their_constraints() -> None:
    odd = Odd.model_validate_json(demo.json_answer(judge_messages("x", _transcript(LEARNER)), _format(Odd)))
    assert 10 <= odd.count <= 12 and 0 < odd.ratio < 1 and len(odd.tags) == 3 and 5 <= len(odd.note) <= 8


@pytest.mark.parametrize(
    "messages",
    [
        [],
        [{"role": "user", "content": ""}],
        [{"role": "system", "content": ""}, {"role": "user", "content": "🙂🙃" * 500}],
        [{"role": "user", "content": "Can we talk about the deadline?"}],
        [{"role": "system", "content": "役割:"}, {"role": "user", "content": "長" * 5000}],
        [{"role": "user", "content": None}, {"role": "assistant", "content": ["a", {"text": 3}]}, "junk", 7],
        [{"role": "user", "content": '{"speaker": "learner", "text": 5}\n{"speaker": "learner"'}],
    ],
)
def test_it_never_fails_on_strange_conversations(messages: Any) -> None:
    assert isinstance(demo.reply_text(messages), str) and demo.reply_text(messages)
    report = Report.model_validate_json(demo.json_answer(messages, _format(Report)))
    assert report.summary


@pytest.mark.parametrize(
    "response_format",
    [
        None,
        "json",
        {"type": "json_object"},
        {"type": "json_schema", "json_schema": {"schema": {"type": "array", "items": {"type": "integer"}}}},
        {
            "type": "json_schema",
            "json_schema": {"schema": {"$ref": "#/$defs/A", "$defs": {"A": {"$ref": "#/$defs/A"}}}},
        },
        {"type": "json_schema", "json_schema": {"schema": {"type": ["string", "null"], "format": "date-time"}}},
        {"type": "json_schema", "json_schema": {"schema": {"type": "object", "properties": {"x": "nonsense"}}}},
        {
            "type": "json_schema",
            "json_schema": {"schema": {"anyOf": [{"type": "null"}, {"type": "number", "maximum": -5}]}},
        },
    ],
)
def test_it_answers_valid_json_for_any_schema(response_format: Any) -> None:
    json.loads(demo.json_answer(_transcript(LEARNER), response_format))


def test_random_text_never_breaks_it() -> None:
    rng = random.Random(7)
    alphabet = 'あいうえお漢字カタカナabcXYZ 0123?？!。、\n\t🙂\u200b{}[]":'
    for _ in range(200):
        line = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 80)))
        messages = [{"role": "system", "content": line}, {"role": "user", "content": line}]
        assert demo.reply_text(messages)
        Report.model_validate_json(demo.json_answer(messages, _format(Report)))


async def test_it_is_a_litellm_provider_that_streams_chunks() -> None:
    import litellm

    from llm.providers import register

    register()
    messages = opening_messages(Persona(role="先輩", name="田中"))
    stream = await litellm.acompletion(model="demo/offline-partner", messages=messages, stream=True)
    pieces = [chunk.choices[0].delta.content async for chunk in stream if chunk.choices[0].delta.content]
    assert len(pieces) > 3 and "".join(pieces) == demo.reply_text(messages)
