"""Structured feedback: the six strength axes and the schema the judge model must fill.

One home for what chat, scenarios, watch step-in and analytics all score against. The judge is
asked once per ended session; its answer is validated against the schema ``report_schema`` builds
from the learner's own lines and stored as the session's feedback, which the feedback panel shows
and the strength analysis (My progress) copies. The judge's prompts are in ``conversations.judging``.

Every score rests on the learner's own words. An answer is invalid (the gateway asks once for a
repair, then gives up, and nothing is stored) when any quote it gives is not one of the learner's
lines (``llm.quotes.learner_said``): an axis's evidence, a "went well" or "to improve" point, the
original of a better phrasing, a top strength or a concern. An axis scored without any quote is
invalid too, where a rubric criterion without a quote scores 0 ("no quote, no credit"): a
criterion asks for one behaviour the learner may simply not have shown, so no line for it is the
learner's result; but every line the learner says shows something on every axis, for a low score
as much as for a high one, so an axis without a quote is the judge's omission, and scoring it 0
would charge the learner for it. Feedback stored before this rule (no evidence, no ``concerns``)
still reads as a :class:`FeedbackReport`.

``concerns`` lists the learner's lines that may be harassment (insults, remarks on someone's body,
appearance, age, gender or private life, threats or pressure, demeaning words, shouting orders at
a junior), each quoted with a reason; a scenario shows its ``warning`` message when there is one.
"""

from collections.abc import Sequence
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field, create_model, model_validator

from llm.quotes import learner_said

__all__ = ["learner_said"]  # re-exported: the one rule for what the learner said

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
    __doc__="For each axis, the learner's own lines that show it (quoted exactly).",
    **{name: (list[Quote], Field(default_factory=list, max_length=MAX_EVIDENCE)) for name in AXIS_NAMES},
)
QuotedAxisEvidence: type[BaseModel] = create_model(  # type: ignore[call-overload]
    "QuotedAxisEvidence",
    __doc__="For each axis, one to three of the learner's own lines behind its score (quoted exactly).",
    **{name: (list[Quote], Field(min_length=1, max_length=MAX_EVIDENCE)) for name in AXIS_NAMES},
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


class Concern(BaseModel):
    quote: Annotated[str, Field(max_length=400)] = Field(
        description="The learner's own line that may be harassment, quoted exactly"
    )
    reason: Annotated[str, Field(max_length=400)] = Field(description="Why it may be harassment, in one sentence")


MAX_CONCERNS = 6


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
    concerns: list[Concern] = Field(
        default_factory=list,
        max_length=MAX_CONCERNS,
        description="The learner's lines that may be harassment (an empty list when there are none)",
    )

    def evidence_for(self, axis: str) -> list[str]:
        quotes: Any = getattr(self.evidence, axis, [])
        return [item.quote for item in quotes]


def _unsaid(report: FeedbackReport, lines: list[str]) -> list[str]:
    """Where ``report`` quotes something the learner never said, or scores an axis without a quote."""
    quoted: list[tuple[str, str]] = [
        *((f"evidence.{axis}", quote) for axis in AXIS_NAMES for quote in report.evidence_for(axis)),
        *((f"went_well[{i}].quote", p.quote) for i, p in enumerate(report.went_well)),
        *((f"to_improve[{i}].quote", p.quote) for i, p in enumerate(report.to_improve)),
        *((f"better_phrasings[{i}].original", p.original) for i, p in enumerate(report.better_phrasings)),
        *((f"top_strengths[{i}].quote", p.quote) for i, p in enumerate(report.top_strengths)),
        *((f"concerns[{i}].quote", p.quote) for i, p in enumerate(report.concerns)),
    ]
    problems = [
        f"{where}: the learner never said {quote!r}" for where, quote in quoted if not learner_said(quote, lines)
    ]
    problems += [
        f"evidence.{axis}: quote at least one of the learner's lines behind this score"
        for axis in AXIS_NAMES
        if not report.evidence_for(axis)
    ]
    return problems


def report_schema(learner_lines: Sequence[str]) -> type[FeedbackReport]:
    """``FeedbackReport`` that accepts only the learner's own lines as quotes, at least one per axis.

    An answer quoting a line the learner never said, or scoring an axis without a quote, is invalid
    (the gateway asks once for a repair, then gives up): see the module's docstring.
    """
    lines = list(learner_lines)

    class QuotedFeedbackReport(FeedbackReport):
        evidence: QuotedAxisEvidence  # type: ignore[valid-type]

        @model_validator(mode="after")
        def _quotes_checked(self) -> "QuotedFeedbackReport":
            if problems := _unsaid(self, lines):
                raise ValueError("; ".join(problems[:12]) + ": quote the learner's own lines exactly")
            return self

    return QuotedFeedbackReport


def rubric_report_schema(criteria: Sequence[str], learner_lines: Sequence[str]) -> type[FeedbackReport]:
    """``report_schema`` that also accepts only these criteria, each once, with quotes the learner said.

    An answer naming an unknown criterion or quoting a line the learner never said is invalid (the
    gateway asks once for a repair, then gives up); a criterion scored without a quote gets 0.
    """
    known, lines = list(criteria), list(learner_lines)

    class RubricFeedbackReport(report_schema(lines)):  # type: ignore[misc]
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
