"""Test data for assignments: teams with trainers and members, assignments, plays with results."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import UserFactory
from analytics.models import Team
from assignments.models import Assignment, AssignmentStep
from conversations.models import Conversation, Mode
from scenarios.models import Scenario, ScenarioPlay
from scenarios.tests.factories import ScenarioFactory


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
    for i, scenario in enumerate(scenarios or [ScenarioFactory.create()]):
        AssignmentStep.objects.create(assignment=assignment, order=i, scenario=scenario)
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


__all__ = ["UserFactory", "ScenarioFactory", "team_with", "assignment_for", "play"]
