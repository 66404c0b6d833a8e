"""The strength analysis of one session, derived from the session's feedback (no database access here).

The judge is asked once per ended session (``conversations.judging``); its answer is stored as the
session's feedback and the analysis copies it: the six scores as they are, and as evidence only
the quotes that really are the learner's own lines. A new answer quotes nothing else (the judge's
answer is validated against the learner's lines before it is stored), but feedback stored before
that rule, or by a source of its own, may: such quotes are left out here, by the same rule
(``conversations.feedback.learner_said``). A source that stores no feedback of its own has its
session judged here, with the same prompt.
"""

from __future__ import annotations

from typing import Any

from analytics.sources import PracticeSession
from conversations.feedback import AXIS_NAMES, FeedbackReport, learner_said
from conversations.judging import feedback_report


async def judge_session(session: PracticeSession) -> tuple[dict[str, Any], dict[str, Any]]:
    """(report, call details) of the judge's one answer; raises ``LLMError`` when the judge fails."""
    result = await feedback_report(session.transcript, language=session.language, mode=session.mode or "analysis")
    return result.value.model_dump(mode="json"), result.stats.as_metadata()


def stored_scores(report: FeedbackReport, learner_lines: list[str]) -> dict[str, dict[str, Any]]:
    """``{axis: {"score", "evidence"}}`` keeping only quotes that are really the learner's lines."""
    scores = report.scores.model_dump()
    return {
        axis: {
            "score": int(scores[axis]),
            "evidence": [q for q in report.evidence_for(axis) if learner_said(q, learner_lines)],
        }
        for axis in AXIS_NAMES
    }


def stored_strengths(report: FeedbackReport, learner_lines: list[str]) -> list[dict[str, str]]:
    """The top strengths; a quote that is not the learner's own line is left out, not kept."""
    return [
        {
            "axis": item.axis,
            "reason": item.reason,
            "quote": item.quote if learner_said(item.quote, learner_lines) else "",
        }
        for item in report.top_strengths
    ]
