"""Status from plays: transitions, what counts as an attempt, rubric passes, recurring rounds."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assignments import selectors
from assignments.models import Recurrence, Requirement
from assignments.status import Status
from assignments.tests.factories import ScenarioFactory, UserFactory, assignment_for, play, team_with

pytestmark = pytest.mark.django_db


def _status_of(assignment, trainer, learner, now=None):  # type: ignore[no-untyped-def]
    rows = {row.user_id: row for row in selectors.learner_rows(assignment=assignment, viewer=trainer, now=now)}
    mine = {m.assignment.pk: m for m in selectors.my_assignments(user=learner, now=now)}
    # The trainer's table and the learner's own list always agree.
    assert rows[learner.pk].status == mine[assignment.pk].progress.status
    return rows[learner.pk]


def test_it_moves_from_not_started_to_in_progress_to_completed() -> None:
    trainer, learner = UserFactory.create(trainer=True), UserFactory.create()
    first, second = ScenarioFactory.create(), ScenarioFactory.create()
    team = team_with(trainer, [learner])
    assignment = assignment_for(trainer, scenarios=[first, second], teams=[team])
    assert _status_of(assignment, trainer, learner).status == Status.NOT_STARTED

    play(learner, first, feedback_at=None)  # started, no feedback yet: in progress, no attempt
    row = _status_of(assignment, trainer, learner)
    assert (row.status, row.progress.attempts) == (Status.IN_PROGRESS, 0)

    play(learner, first, feedback_at=timezone.now(), rubric_total=64)
    row = _status_of(assignment, trainer, learner)
    assert (row.status, row.progress.attempts, row.progress.best, row.latest) == (Status.IN_PROGRESS, 1, 64, 64)

    play(learner, second, feedback_at=timezone.now() + timedelta(seconds=1), rubric_total=58)
    row = _status_of(assignment, trainer, learner)
    assert (row.status, row.progress.steps_done, row.progress.best, row.latest) == (Status.COMPLETED, 2, 64, 58)
    assert row.progress.completed_at is not None


def test_it_is_overdue_after_the_due_date_unless_completed() -> None:
    trainer, late, done = UserFactory.create(trainer=True), UserFactory.create(), UserFactory.create()
    scenario = ScenarioFactory.create()
    now = timezone.now()
    assignment = assignment_for(
        trainer,
        scenarios=[scenario],
        teams=[team_with(trainer, [late, done])],
        starts_at=now - timedelta(days=5),
        due_at=now - timedelta(days=1),
    )
    play(done, scenario, feedback_at=now - timedelta(days=2))
    assert _status_of(assignment, trainer, late).status == Status.OVERDUE
    assert _status_of(assignment, trainer, done).status == Status.COMPLETED


def test_it_counts_only_attempts_after_the_start_of_the_assigned_scenario() -> None:
    trainer, learner = UserFactory.create(trainer=True), UserFactory.create()
    assigned, other = ScenarioFactory.create(), ScenarioFactory.create()
    now = timezone.now()
    assignment = assignment_for(trainer, scenarios=[assigned], learners=[learner], starts_at=now - timedelta(hours=1))
    team_with(trainer, [learner])
    play(learner, assigned, started_at=now - timedelta(days=2), feedback_at=now - timedelta(days=2))  # before start
    play(learner, other, feedback_at=now)  # another scenario
    row = _status_of(assignment, trainer, learner)
    assert (row.status, row.progress.attempts) == (Status.NOT_STARTED, 0)
    play(learner, assigned, feedback_at=now)
    assert _status_of(assignment, trainer, learner).progress.attempts == 1


def test_it_needs_the_number_of_attempts_asked_for() -> None:
    trainer, learner = UserFactory.create(trainer=True), UserFactory.create()
    scenario = ScenarioFactory.create()
    assignment = assignment_for(
        trainer, scenarios=[scenario], teams=[team_with(trainer, [learner])], required_attempts=3
    )
    now = timezone.now()
    for i in range(2):
        play(learner, scenario, feedback_at=now - timedelta(minutes=10 - i))
    assert _status_of(assignment, trainer, learner).status == Status.IN_PROGRESS
    third = now - timedelta(minutes=1)
    play(learner, scenario, feedback_at=third)
    row = _status_of(assignment, trainer, learner)
    assert row.status == Status.COMPLETED
    assert row.progress.completed_at == third


def test_it_completes_a_pass_requirement_only_with_a_passed_attempt() -> None:
    trainer, learner = UserFactory.create(trainer=True), UserFactory.create()
    scenario = ScenarioFactory.create()
    assignment = assignment_for(
        trainer, scenarios=[scenario], teams=[team_with(trainer, [learner])], requirement=Requirement.PASS
    )
    play(learner, scenario, feedback_at=timezone.now(), rubric_total=45, passed=False)
    play(learner, scenario, feedback_at=timezone.now(), rubric_total=52, passed=False)
    row = _status_of(assignment, trainer, learner)
    assert (row.status, row.progress.passed, row.progress.attempts) == (Status.IN_PROGRESS, False, 2)
    play(learner, scenario, feedback_at=timezone.now(), rubric_total=81, passed=True)
    row = _status_of(assignment, trainer, learner)
    assert (row.status, row.progress.passed, row.progress.best) == (Status.COMPLETED, True, 81)


def test_it_starts_a_new_round_each_week_for_a_recurring_assignment() -> None:
    trainer, learner = UserFactory.create(trainer=True), UserFactory.create()
    scenario = ScenarioFactory.create()
    start = timezone.now() - timedelta(days=10)  # round 0: days -10..-7 due; round 1 began 3 days ago
    assignment = assignment_for(
        trainer,
        scenarios=[scenario],
        teams=[team_with(trainer, [learner])],
        starts_at=start,
        due_at=start + timedelta(days=5),
        recurrence=Recurrence.WEEKLY,
    )
    play(learner, scenario, feedback_at=start + timedelta(days=1))  # done in round 0
    row = _status_of(assignment, trainer, learner)
    assert (row.status, row.progress.attempts) == (Status.NOT_STARTED, 0)  # round 1 starts afresh
    assert selectors.round_at(assignment, timezone.now()).index == 1
    play(learner, scenario, feedback_at=timezone.now())
    assert _status_of(assignment, trainer, learner).status == Status.COMPLETED
    # In round 0 the learner had completed it too (as the completion over time says).
    series = selectors.completion_over_time(assignment=assignment, viewer=trainer)
    assert [point["rate"] for point in series[0]["points"]] == [100, 100]


def test_it_keeps_the_rows_to_learners_of_the_trainers_own_teams() -> None:
    trainer, other_trainer = UserFactory.create(trainer=True), UserFactory.create(trainer=True)
    mine, theirs = UserFactory.create(), UserFactory.create()
    team_with(trainer, [mine])
    team_with(other_trainer, [theirs], name="他チーム")
    admin = UserFactory.create(is_superuser=True, is_staff=True)
    assignment = assignment_for(admin, learners=[mine, theirs])
    assert [row.user_id for row in selectors.learner_rows(assignment=assignment, viewer=trainer)] == [mine.pk]
    assert {row.user_id for row in selectors.learner_rows(assignment=assignment, viewer=admin)} == {mine.pk, theirs.pk}


def test_it_computes_the_table_with_a_fixed_number_of_queries() -> None:
    trainer = UserFactory.create(trainer=True)
    scenarios = [ScenarioFactory.create(), ScenarioFactory.create()]

    def queries(members: int) -> int:
        learners = [UserFactory.create() for _ in range(members)]
        team = team_with(trainer, learners, name=f"team{members}")
        assignment = assignment_for(trainer, scenarios=scenarios, teams=[team], required_attempts=2)
        for learner in learners:
            play(learner, scenarios[0], feedback_at=timezone.now(), rubric_total=70)
        with CaptureQueriesContext(connection) as captured:
            rows = selectors.learner_rows(assignment=assignment, viewer=trainer)
        assert len(rows) == members
        return len(captured)

    assert queries(2) == queries(12)


def test_it_sorts_overdue_first_and_filters_by_status() -> None:
    trainer = UserFactory.create(trainer=True)
    a, b = UserFactory.create(display_name="Aさん"), UserFactory.create(display_name="Bさん")
    scenario = ScenarioFactory.create()
    now = timezone.now()
    assignment = assignment_for(
        trainer,
        scenarios=[scenario],
        teams=[team_with(trainer, [a, b])],
        starts_at=now - timedelta(days=3),
        due_at=now - timedelta(hours=1),
    )
    play(a, scenario, feedback_at=now - timedelta(days=1))
    rows = selectors.learner_rows(assignment=assignment, viewer=trainer)
    assert [r.name for r in selectors.filter_rows(rows)] == ["Bさん", "Aさん"]
    assert [r.name for r in selectors.filter_rows(rows, status=Status.COMPLETED)] == ["Aさん"]
    assert [r.name for r in selectors.filter_rows(rows, sort="name", descending=True)] == ["Bさん", "Aさん"]
