"""Structured feedback: the six strength axes and the schema the judge model must fill.

One home for what chat, scenarios, watch step-in and analytics all score against. The judge's
answer is validated against :class:`FeedbackReport` before anything is stored.
"""

from typing import Annotated

from pydantic import BaseModel, Field

Score = Annotated[int, Field(ge=0, le=100)]
ShortText = Annotated[str, Field(max_length=600)]

# (field name, Japanese label, English label)
AXES: tuple[tuple[str, str, str], ...] = (
    ("empathy", "共感力", "Empathy"),
    ("clarity", "明確な伝達力", "Clarity"),
    ("active_listening", "傾聴力", "Active listening"),
    ("adaptability", "適応力", "Adaptability"),
    ("positivity", "前向きさ", "Positivity"),
    ("professionalism", "プロフェッショナリズム", "Professionalism"),
)
AXIS_NAMES: tuple[str, ...] = tuple(name for name, _, _ in AXES)


def axis_label(name: str, language: str = "ja") -> str:
    for axis, ja, en in AXES:
        if axis == name:
            return ja if language == "ja" else en
    return name


class AxisScores(BaseModel):
    empathy: Score
    clarity: Score
    active_listening: Score
    adaptability: Score
    positivity: Score
    professionalism: Score


class QuotedPoint(BaseModel):
    quote: ShortText = Field(description="The learner's own line, quoted exactly")
    comment: ShortText


class BetterPhrasing(BaseModel):
    original: ShortText = Field(description="The learner's own line, quoted exactly")
    suggestion: ShortText
    reason: ShortText


class PointScore(BaseModel):
    point: ShortText = Field(description="One of the feedback points given, unchanged")
    score: Score
    comment: ShortText


class FeedbackReport(BaseModel):
    summary: Annotated[str, Field(max_length=1200)]
    went_well: list[QuotedPoint] = Field(max_length=6)
    to_improve: list[QuotedPoint] = Field(max_length=6)
    better_phrasings: list[BetterPhrasing] = Field(max_length=6)
    scores: AxisScores
    point_scores: list[PointScore] = Field(default_factory=list, max_length=12)


FEEDBACK_TASK_JA = (
    "あなたは職場コミュニケーションの指導者です。以下の会話記録のうち、学習者（user）の発言だけを評価し、"
    "JSONで返してください。良かった点と改善点には学習者自身の発言をそのまま引用し、より良い言い方を提案し、"
    "6つの軸（共感力 empathy、明確な伝達力 clarity、傾聴力 active_listening、適応力 adaptability、"
    "前向きさ positivity、プロフェッショナリズム professionalism）を0〜100で採点してください。"
)
FEEDBACK_TASK_EN = (
    "You are a workplace communication coach. Assess only the learner's (user) lines of the transcript below "
    "and answer in JSON. Quote the learner's own lines exactly in what went well and what to improve, suggest "
    "better phrasings, and score the six axes (empathy, clarity, active_listening, adaptability, positivity, "
    "professionalism) from 0 to 100."
)


def feedback_task(*, language: str, points: list[str]) -> str:
    task = FEEDBACK_TASK_JA if language == "ja" else FEEDBACK_TASK_EN
    if points:
        listed = "\n".join(f"- {point}" for point in points)
        heading = (
            "次の評価ポイントごとにも point_scores で採点してください:"
            if language == "ja"
            else ("Also score each of these feedback points in point_scores:")
        )
        task = f"{task}\n{heading}\n{listed}"
    return task
