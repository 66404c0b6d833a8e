"""Asking the judge model for a strength analysis of one session (no database access here)."""

from __future__ import annotations

import unicodedata
from typing import Any

from analytics.schemas import StrengthReport
from analytics.sources import PracticeSession
from conversations.feedback import AXIS_NAMES
from llm import CallStats, Purpose
from llm.prompts import judge_messages

TASK_JA = (
    "あなたは職場コミュニケーションの指導者です。以下の会話記録のうち、学習者（user）の発言だけを評価し、"
    "JSONで返してください。6つの軸（共感力 empathy、明確な伝達力 clarity、傾聴力 active_listening、"
    "適応力 adaptability、前向きさ positivity、プロフェッショナリズム professionalism）を0〜100で採点し、"
    "各軸の根拠として学習者自身の発言をそのまま引用してください（該当がなければ空のリスト）。"
    "特に優れていた強みを1〜3つ、理由と引用つきで挙げ、最後に具体的で前向きなフィードバックを2〜3文で書いてください。"
)
TASK_EN = (
    "You are a workplace communication coach. Assess only the learner's (user) lines of the transcript below and "
    "answer in JSON. Score the six axes (empathy, clarity, active_listening, adaptability, positivity, "
    "professionalism) from 0 to 100 and, as evidence for each axis, quote the learner's own lines exactly (an empty "
    "list when there are none). Name one to three top strengths with a reason and a quote, then write two or three "
    "sentences of concrete, encouraging feedback."
)


def strength_messages(session: PracticeSession) -> list[dict[str, str]]:
    task = TASK_EN if session.language == "en" else TASK_JA
    context = f"練習: {session.title}" if session.language != "en" else f"Practice: {session.title}"
    return judge_messages(task, session.transcript, context=context, language=session.language)


async def judge_strengths(session: PracticeSession) -> tuple[StrengthReport, CallStats]:
    """The validated answer; raises ``LLMError`` when the judge fails or answers nonsense."""
    from llm import complete_json  # loads the model client on first use only

    result = await complete_json(
        strength_messages(session), schema=StrengthReport, purpose=Purpose.JUDGE, mode="analysis"
    )
    return result.value, result.stats


def _normal(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def is_learner_quote(quote: str, learner_lines: list[str]) -> bool:
    """True when ``quote`` is (part of) one of the learner's lines, ignoring spacing and width."""
    needle = _normal(quote)
    return bool(needle) and any(needle in _normal(line) for line in learner_lines)


def stored_scores(report: StrengthReport, learner_lines: list[str]) -> dict[str, dict[str, Any]]:
    """``{axis: {"score", "evidence"}}`` keeping only quotes that are really the learner's lines."""
    scores = report.scores.model_dump()
    return {
        axis: {
            "score": int(scores[axis]),
            "evidence": [q for q in report.evidence_for(axis) if is_learner_quote(q, learner_lines)],
        }
        for axis in AXIS_NAMES
    }


def stored_strengths(report: StrengthReport, learner_lines: list[str]) -> list[dict[str, str]]:
    """The top strengths; a quote that is not the learner's own line is left out, not kept."""
    return [
        {
            "axis": item.axis,
            "reason": item.reason,
            "quote": item.quote if is_learner_quote(item.quote, learner_lines) else "",
        }
        for item in report.top_strengths
    ]
