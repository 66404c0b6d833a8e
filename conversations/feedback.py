"""Structured feedback: the six strength axes and the schema the judge model must fill.

One home for what chat, scenarios, watch step-in and analytics all score against. The judge is
asked once per ended session; its answer is validated against :class:`FeedbackReport` and stored
as the session's feedback, which the feedback panel shows and the strength analysis (My
progress) copies. The judge's prompts are in ``conversations.judging``.
"""

import unicodedata
from collections.abc import Sequence
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field, create_model, model_validator

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


def _known_axis(value: str) -> str:
    if value not in AXIS_NAMES:
        raise ValueError(f"axis must be one of {', '.join(AXIS_NAMES)}")
    return value


Axis = Annotated[str, AfterValidator(_known_axis)]  # one of the six axes, as every judge answer names them


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


MAX_EVIDENCE = 3
MAX_STRENGTHS = 3


class Quote(BaseModel):
    quote: Annotated[str, Field(max_length=400)] = Field(description="One of the learner's own lines, quoted exactly")


AxisEvidence: type[BaseModel] = create_model(  # type: ignore[call-overload]
    "AxisEvidence",
    __doc__="For each axis, the learner's own lines that show it (quoted exactly; may be empty).",
    **{name: (list[Quote], Field(default_factory=list, max_length=MAX_EVIDENCE)) for name in AXIS_NAMES},
)


class TopStrength(BaseModel):
    axis: Axis = Field(description="The axis name", json_schema_extra={"enum": list(AXIS_NAMES)})
    reason: Annotated[str, Field(max_length=400)] = Field(description="Why this is a strength, in one sentence")
    quote: Annotated[str, Field(max_length=400)] = Field(
        description="The learner's own line that shows it, quoted exactly"
    )


class CriterionScore(BaseModel):
    criterion: ShortText = Field(description="One of the rubric criteria given, its name unchanged")
    score: Score
    evidence: list[Annotated[str, Field(max_length=400)]] = Field(
        default_factory=list,
        max_length=MAX_EVIDENCE,
        description="The learner's own lines that show it, quoted exactly (no quote, no credit)",
    )
    comment: ShortText = ""


class FeedbackReport(BaseModel):
    """Everything the product shows of one session: the feedback panel and the strength analysis."""

    summary: Annotated[str, Field(max_length=1200)]
    went_well: list[QuotedPoint] = Field(max_length=6)
    to_improve: list[QuotedPoint] = Field(max_length=6)
    better_phrasings: list[BetterPhrasing] = Field(max_length=6)
    scores: AxisScores
    evidence: AxisEvidence = Field(default_factory=AxisEvidence)  # type: ignore[valid-type]
    top_strengths: list[TopStrength] = Field(default_factory=list, max_length=MAX_STRENGTHS)
    point_scores: list[PointScore] = Field(default_factory=list, max_length=12)
    criterion_scores: list[CriterionScore] = Field(default_factory=list, max_length=20)

    def evidence_for(self, axis: str) -> list[str]:
        quotes: Any = getattr(self.evidence, axis, [])
        return [item.quote for item in quotes]


_QUOTE_MARKS = "「」『』\"'“”‘’"


def _plain(text: str) -> str:
    """``text`` compared without width, spaces or quotation marks."""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(char for char in folded if not char.isspace() and char not in _QUOTE_MARKS)


def learner_said(quote: str, lines: Sequence[str]) -> bool:
    """Whether ``quote`` is (part of) one of the learner's ``lines``."""
    wanted = _plain(quote)
    return len(wanted) >= 2 and any(wanted in _plain(line) for line in lines)


def rubric_report_schema(criteria: Sequence[str], learner_lines: Sequence[str]) -> type[FeedbackReport]:
    """``FeedbackReport`` that accepts only these criteria, each once, with quotes the learner said.

    An answer naming an unknown criterion or quoting a line the learner never said is invalid (the
    gateway asks once for a repair, then gives up); a criterion scored without a quote gets 0.
    """
    known, lines = list(criteria), list(learner_lines)

    class RubricFeedbackReport(FeedbackReport):
        @model_validator(mode="after")
        def _rubric_checked(self) -> "RubricFeedbackReport":
            seen: set[str] = set()
            for item in self.criterion_scores:
                if item.criterion not in known:
                    raise ValueError(f"criterion_scores: unknown criterion {item.criterion!r}: use one of {known}")
                if item.criterion in seen:
                    raise ValueError(f"criterion_scores: {item.criterion!r} is scored twice")
                seen.add(item.criterion)
                if unsaid := [quote for quote in item.evidence if not learner_said(quote, lines)]:
                    raise ValueError(f"criterion_scores: the learner never said {unsaid[0]!r}: quote their lines")
                if not item.evidence:
                    item.score = 0
            return self

    return RubricFeedbackReport
