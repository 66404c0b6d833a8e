"""A scenario's rubric verdict: the weighted total of the judge's criterion scores and whether it passed.

The judge scores each criterion with the learner's quoted lines as evidence (``conversations``
validates the answer); here the scores meet the scenario's weights and pass threshold. A
criterion the judge did not score, or scored without a quote, counts 0.

The scenario's ``warning`` message (upstream ``feedback_messages.warning``, "for behaviour that may
be harassment") follows behaviour, not the score: it shows when the judge reported a line of the
learner's that may be harassment (the feedback's ``concerns``), in any scenario that has one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from scenarios.models import Scenario

EXCELLENT_FROM = 90  # a total at least this (and passing) gets the "excellent" message


@dataclass(frozen=True)
class CriterionResult:
    name: str
    weight: int
    score: int
    evidence: list[str] = field(default_factory=list)
    comment: str = ""
    good: str = ""

    @property
    def credited(self) -> bool:
        return bool(self.evidence) and self.score > 0


@dataclass(frozen=True)
class RubricResult:
    criteria: list[CriterionResult]
    total: int
    threshold: int
    band: str  # a key of GRADED_MESSAGE_KEYS
    message: str
    warning: str = ""

    @property
    def passed(self) -> bool:
        return self.total >= self.threshold

    @property
    def missing(self) -> list[CriterionResult]:
        """The criteria that held the total back (below the threshold), weakest first."""
        return sorted((c for c in self.criteria if c.score < self.threshold), key=lambda c: c.score)


def weighted_total(scores: Iterable[tuple[int, int]]) -> int:
    """The weighted mean (0–100, rounded) of (score, weight) pairs; 0 when there are none."""
    pairs = list(scores)
    weights = sum(weight for _, weight in pairs)
    if weights <= 0:
        return 0
    return round(sum(score * weight for score, weight in pairs) / weights)


def _band(total: int, threshold: int) -> str:
    if total >= threshold:
        return "excellent" if total >= max(EXCELLENT_FROM, threshold) else "good"
    return "needs_improvement"


def _scored(criterion_scores: Iterable[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    return {str(item.get("criterion", "")): item for item in criterion_scores if isinstance(item, Mapping)}


def concerns_of(feedback_content: Mapping[str, Any] | None) -> list[dict[str, str]]:
    """The lines the judge reported as possibly harassment (``[{"quote", "reason"}]``; none in
    feedback stored before the judge was asked for them)."""
    items = (feedback_content or {}).get("concerns") or []
    return [
        {"quote": str(item.get("quote") or ""), "reason": str(item.get("reason") or "")}
        for item in items
        if isinstance(item, Mapping) and str(item.get("quote") or "").strip()
    ]


def graded_warning(scenario: Scenario, concerns: Iterable[Mapping[str, Any]]) -> str:
    """The scenario's warning message when a concern was found ("" otherwise or without one)."""
    messages = scenario.graded_messages if isinstance(scenario.graded_messages, dict) else {}
    return str(messages.get("warning") or "") if list(concerns) else ""


def rubric_result(
    scenario: Scenario,
    criterion_scores: Iterable[Mapping[str, Any]],
    *,
    language: str = "ja",
    concerns: Iterable[Mapping[str, Any]] = (),
) -> RubricResult | None:
    """The verdict of the judge's ``criterion_scores`` (names in ``language``); ``None`` without a rubric.

    ``concerns`` are the feedback's lines that may be harassment: any of them brings the warning message."""
    criteria = list(scenario.criteria.all())
    if not criteria:
        return None
    scored = _scored(criterion_scores)
    results = []
    for criterion in criteria:
        item = scored.get(criterion.text_for("name", language), {})
        evidence = [str(quote) for quote in item.get("evidence") or []]
        score = int(item.get("score") or 0) if evidence else 0  # no quote, no credit
        results.append(
            CriterionResult(
                name=criterion.text_for("name", language),
                weight=criterion.weight,
                score=max(0, min(100, score)),
                evidence=evidence,
                comment=str(item.get("comment") or ""),
                good=criterion.text_for("good", language),
            )
        )
    total = weighted_total((result.score, result.weight) for result in results)
    band = _band(total, scenario.pass_threshold)
    messages = scenario.graded_messages if isinstance(scenario.graded_messages, dict) else {}
    warning = graded_warning(scenario, concerns)
    return RubricResult(results, total, scenario.pass_threshold, band, str(messages.get(band) or ""), warning)


def rubric_lines(scenario: Scenario, *, language: str) -> list[dict[str, str]]:
    """The criteria as the judge is given them, in ``language``: each one's name and its anchors (what
    about 80, 50 and 20 look like: ``good``, ``fair``, ``poor``) with their example lines
    (``good_example``, ...); a blank anchor or example is an empty string."""
    return [criterion.texts_for(language) for criterion in scenario.criteria.all()]
