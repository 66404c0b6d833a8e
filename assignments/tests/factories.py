"""Test data for assignments: teams with trainers and members, assignments, plays with results,
rubrics with the judge's criterion scores, watched sessions."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import UserFactory
from analytics.models import Team
from assignments.models import Assignment, AssignmentStep
from conversations.models import Conversation, Feedback, Mode, Status
from scenarios.models import RubricCriterion, Scenario, ScenarioPlay
from scenarios.tests.factories import ScenarioFactory
from watch.models import Author, State, WatchMessage, WatchSession
from watch.tests.factories import WatchSessionFactory


def team_with(trainer: User, members: list[User], name: str = "営業1課") -> Team:
    team = Team.objects.create(name=name)
    team.trainers.add(trainer)
    team.members.add(*members)
    return team


def assignment_for(
    trainer: User,
    *,
    scenarios: list[Scenario] | None = None,
    teams: list[Team] | None = None,
    learners: list[User] | None = None,
    starts_at: datetime | None = None,
    due_at: datetime | None = None,
    watch_themes: list[str] | None = None,
    **fields: Any,
) -> Assignment:
    now = timezone.now()
    starts_at = starts_at or now - timedelta(days=1)
    assignment = Assignment.objects.create(
        title=fields.pop("title", "報告の練習"),
        created_by=trainer,
        starts_at=starts_at,
        due_at=due_at or starts_at + timedelta(days=6),
        **fields,
    )
    themes = watch_themes or []
    for i, scenario in enumerate(scenarios or [ScenarioFactory.create()]):
        theme = themes[i] if i < len(themes) else ""
        AssignmentStep.objects.create(assignment=assignment, order=i, scenario=scenario, watch_theme=theme)
    assignment.teams.set(teams or [])
    assignment.learners.set(learners or [])
    return assignment


def play(
    user: User,
    scenario: Scenario,
    *,
    started_at: datetime | None = None,
    feedback_at: datetime | None = None,
    rubric_total: int | None = None,
    passed: bool | None = None,
) -> ScenarioPlay:
    """A play of ``scenario``; with ``feedback_at`` it is an attempt that counts from then."""
    conversation = Conversation.objects.create(user=user, mode=Mode.SCENARIO, title=scenario.title)
    record = ScenarioPlay.objects.create(user=user, scenario=scenario, conversation=conversation)
    ScenarioPlay.objects.filter(pk=record.pk).update(
        started_at=started_at or feedback_at or timezone.now(),
        feedback_at=feedback_at,
        rubric_total=rubric_total,
        passed=passed,
    )
    record.refresh_from_db()
    return record


def rubric(scenario: Scenario, *names: tuple[str, str], weight: int = 1) -> list[RubricCriterion]:
    """Criteria ``(Japanese name, English name)`` for ``scenario``, in order."""
    return [
        RubricCriterion.objects.create(
            scenario=scenario, name=ja, name_en=en, weight=weight, good="良い", poor="悪い", order=i
        )
        for i, (ja, en) in enumerate(names)
    ]


def judged_play(
    user: User,
    scenario: Scenario,
    scores: dict[str, int | None],
    *,
    feedback_at: datetime | None = None,
    language: str = "ja",
    comment: str = "",
) -> ScenarioPlay:
    """A counted attempt whose stored feedback scores each named criterion; ``None`` scores it
    without a quoted line (the rubric counts it 0)."""
    record = play(user, scenario, feedback_at=feedback_at or timezone.now(), rubric_total=50, passed=False)
    Conversation.objects.filter(pk=record.conversation_id).update(metadata={"language": language})
    items = [
        {
            "criterion": name,
            "score": 95 if score is None else score,
            "evidence": [] if score is None else ["結論から申し上げます"],
            "comment": comment,
        }
        for name, score in scores.items()
    ]
    Feedback.objects.create(conversation_id=record.conversation_id, content={"criterion_scores": items})
    return record


def watched(
    user: User,
    theme: str,
    *,
    started_at: datetime | None = None,
    state: str = State.FINISHED,
    lines: int = 6,
    failed_lines: int = 0,
) -> WatchSession:
    """A session of ``theme`` begun at ``started_at`` with ``lines`` spoken lines (and some that
    failed); ``state`` running leaves it unended."""
    started_at = started_at or timezone.now() - timedelta(minutes=10)
    session = WatchSessionFactory.create(user=user, theme=theme, state=state)
    for seq in range(lines + failed_lines):
        failed = seq >= lines
        WatchMessage.objects.create(
            session=session,
            persona=seq % 2,
            author=Author.AI,
            seq=seq + 1,
            content="" if failed else "お疲れさまです。",
            status=Status.FAILED if failed else Status.COMPLETE,
        )
    ended = started_at + timedelta(minutes=5) if state in (State.FINISHED, State.STOPPED) else None
    WatchSession.objects.filter(pk=session.pk).update(started_at=started_at, ended_at=ended)
    session.refresh_from_db()
    return session


__all__ = [
    "UserFactory",
    "ScenarioFactory",
    "team_with",
    "assignment_for",
    "play",
    "rubric",
    "judged_play",
    "watched",
]
