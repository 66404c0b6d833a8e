"""Test data for analytics: analyses with known scores, reports, teams."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from analytics.models import AnalysisStatus, Report, ReportKind, StrengthAnalysis, Team
from conversations.feedback import AXIS_NAMES
from conversations.models import Conversation, Mode
from conversations.tests.factories import ConversationFactory


def scores(default: int = 60, evidence: dict[str, list[str]] | None = None, **values: int) -> dict[str, Any]:
    """``{"empathy": {"score": 60, "evidence": []}, ...}`` with the given axes changed."""
    evidence = evidence or {}
    return {axis: {"score": values.get(axis, default), "evidence": evidence.get(axis, [])} for axis in AXIS_NAMES}


def judge_answer(default: int = 70, quote: str = "", **values: int) -> dict[str, Any]:
    """What a well-behaved judge answers for ``conversations.feedback.FeedbackReport`` (one call per session).

    ``quote`` is the learner line every point and axis quotes; without one the answer quotes
    nothing, which the judge's answer may not do (``report_schema``): use it as stored feedback only."""
    line = quote or "—"
    return {
        "summary": "相手の立場に立った一言が良かったです。次は結論を先に伝えてみましょう。",
        "went_well": [{"quote": line, "comment": "相手を気遣っていました"}],
        "to_improve": [{"quote": line, "comment": "結論を先に伝えましょう"}],
        "better_phrasings": [{"original": line, "suggestion": "結論から申し上げます。", "reason": "要点が伝わります"}],
        "scores": {axis: values.get(axis, default) for axis in AXIS_NAMES},
        "evidence": {axis: ([{"quote": quote}] if quote else []) for axis in AXIS_NAMES},
        "top_strengths": [{"axis": "empathy", "reason": "相手を気遣っていました", "quote": line}],
        "point_scores": [],
    }


class StrengthAnalysisFactory(factory.django.DjangoModelFactory[StrengthAnalysis]):
    """A done analysis of a 10-minute chat that started now (override ``session_started_at``)."""

    class Meta:
        model = StrengthAnalysis

    user = factory.SubFactory(UserFactory)
    source = "conversation"
    conversation = factory.SubFactory(
        ConversationFactory, user=factory.SelfAttribute("..user"), ended_at=factory.LazyFunction(timezone.now)
    )
    mode = Mode.CHAT
    session_title = factory.Sequence(lambda n: f"同僚・休憩中 {n}")
    session_url = factory.LazyAttribute(lambda a: f"/chat/{a.conversation.pk}/" if a.conversation else "")
    session_started_at = factory.LazyFunction(timezone.now)
    duration_seconds = 600
    session_ended_at = factory.LazyAttribute(lambda a: a.session_started_at + timedelta(seconds=a.duration_seconds))
    scores = factory.LazyFunction(scores)
    top_strengths = factory.LazyFunction(list)
    feedback = "落ち着いて話せていました。"
    status = AnalysisStatus.DONE
    attempts = 1
    analyzed_at = factory.LazyAttribute(lambda a: a.session_ended_at if a.status == AnalysisStatus.DONE else None)


class ReportFactory(factory.django.DjangoModelFactory[Report]):
    class Meta:
        model = Report

    user = factory.SubFactory(UserFactory)
    kind = ReportKind.MONTHLY
    period_start = factory.LazyFunction(lambda: timezone.localdate().replace(day=1))
    period_end = factory.LazyAttribute(lambda r: (r.period_start + timedelta(days=32)).replace(day=1))
    data = factory.LazyFunction(
        lambda: {
            "sessions": 3,
            "minutes": 30,
            "analysed": 3,
            "language": "ja",
            "averages": dict.fromkeys(AXIS_NAMES, 60.0),
            "previous": dict.fromkeys(AXIS_NAMES),
            "deltas": dict.fromkeys(AXIS_NAMES),
            "top_strengths": [],
            "weakest": None,
            "suggested_scenarios": [],
        }
    )


class TeamFactory(factory.django.DjangoModelFactory[Team]):
    class Meta:
        model = Team
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"営業{n}課")

    @factory.post_generation
    def members(obj: Team, create: bool, extracted: Any, **kwargs: Any) -> None:  # noqa: N805
        if create and extracted:
            obj.members.add(*extracted)

    @factory.post_generation
    def trainers(obj: Team, create: bool, extracted: Any, **kwargs: Any) -> None:  # noqa: N805
        if create and extracted:
            obj.trainers.add(*extracted)


def conversation_with_lines(
    user: Any = None, lines: tuple[str, ...] = ("お疲れさまです。",), **kwargs: Any
) -> Conversation:
    """A conversation with the learner's lines and a partner reply, not yet ended."""
    from conversations.tests.factories import MessageFactory

    conversation = ConversationFactory(user=user or UserFactory(), **kwargs)
    for line in lines:
        MessageFactory(conversation=conversation, content=line)
        MessageFactory(conversation=conversation, role="assistant", content="そうですね。")
    return conversation
