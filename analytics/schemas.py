"""The judge's answer for a strength analysis, validated before anything is stored.

The six axes come from ``conversations.feedback`` (their one home): the per-axis models are
built from ``AXIS_NAMES`` and the scores reuse ``AxisScores``.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field, create_model, field_validator

from conversations.feedback import AXIS_NAMES, AxisScores

ShortText = Annotated[str, Field(max_length=400)]
MAX_EVIDENCE = 3
MAX_STRENGTHS = 3


class Quote(BaseModel):
    quote: ShortText = Field(description="One of the learner's own lines, quoted exactly")


AxisEvidence: type[BaseModel] = create_model(  # type: ignore[call-overload]
    "AxisEvidence",
    __doc__="For each axis, the learner's own lines that show it (quoted exactly; may be empty).",
    **{name: (list[Quote], Field(default_factory=list, max_length=MAX_EVIDENCE)) for name in AXIS_NAMES},
)


class TopStrength(BaseModel):
    axis: str = Field(description="The axis name", json_schema_extra={"enum": list(AXIS_NAMES)})
    reason: ShortText = Field(description="Why this is a strength, in one sentence")
    quote: ShortText = Field(description="The learner's own line that shows it, quoted exactly")

    @field_validator("axis")
    @classmethod
    def _known_axis(cls, value: str) -> str:
        if value not in AXIS_NAMES:
            raise ValueError(f"axis must be one of {', '.join(AXIS_NAMES)}")
        return value


class StrengthReport(BaseModel):
    scores: AxisScores
    evidence: AxisEvidence  # type: ignore[valid-type]
    top_strengths: list[TopStrength] = Field(min_length=1, max_length=MAX_STRENGTHS)
    feedback: Annotated[str, Field(min_length=1, max_length=1200)] = Field(
        description="Two or three sentences of encouraging, concrete feedback"
    )

    def evidence_for(self, axis: str) -> list[str]:
        quotes: Any = getattr(self.evidence, axis, [])
        return [item.quote for item in quotes]
