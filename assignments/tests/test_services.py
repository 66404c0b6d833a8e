"""Creating and changing assignments: every bad input is refused with field errors, nothing stored."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from assignments import services
from assignments.models import Assignment, AssignmentState, Recurrence
from assignments.services import AssignmentSpec, StepSpec
from assignments.tests.factories import ScenarioFactory, UserFactory, assignment_for, team_with

pytestmark = pytest.mark.django_db


def _spec(**changes) -> AssignmentSpec:  # type: ignore[no-untyped-def]
    now = timezone.now()
    values = {
        "title": "報告の練習",
        "steps": [StepSpec(ScenarioFactory.create().pk)],
        "starts_at": now,
        "due_at": now + timedelta(days=7),
    }
    values.update(changes)
    return AssignmentSpec(**values)


def _errors(trainer, spec) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as raised:
        services.assignment_create(trainer=trainer, spec=spec)
    assert not Assignment.objects.exists()
    return raised.value.message_dict


def test_it_creates_a_learning_path_for_a_team() -> None:
    trainer = UserFactory.create(trainer=True)
    team = team_with(trainer, [UserFactory.create()])
    first, second = ScenarioFactory.create(), ScenarioFactory.create()
    assignment = services.assignment_create(
        trainer=trainer,
        spec=_spec(title="", steps=[StepSpec(first.pk, "report"), StepSpec(second.pk)], teams=[team.pk]),
    )
    steps = list(assignment.steps.values_list("scenario_id", "order", "watch_theme"))
    assert steps == [(first.pk, 0, "report"), (second.pk, 1, "")]
    assert assignment.title == first.title  # the first scenario names it
    assert list(assignment.teams.all()) == [team]
    assert assignment.created_by == trainer


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"due_at": timezone.now() - timedelta(days=1)}, "due_at"),
        ({"steps": []}, "steps"),
        ({"title": "x" * 201}, "title"),
        ({"required_attempts": 0}, "required_attempts"),
        ({"recurrence": Recurrence.WEEKLY, "due_at": timezone.now() + timedelta(days=9)}, "due_at"),
    ],
)
def test_it_refuses_bad_input_with_the_field_named(changes: dict, field: str) -> None:  # type: ignore[type-arg]
    trainer = UserFactory.create(trainer=True)
    team = team_with(trainer, [UserFactory.create()])
    assert field in _errors(trainer, _spec(teams=[team.pk], **changes))


def test_it_refuses_an_empty_target() -> None:
    errors = _errors(UserFactory.create(trainer=True), _spec())
    assert "teams" in errors and "learners" in errors


def test_it_refuses_a_draft_or_duplicate_or_missing_scenario() -> None:
    trainer = UserFactory.create(trainer=True)
    team = team_with(trainer, [UserFactory.create()])
    draft, published = ScenarioFactory.create(published=False), ScenarioFactory.create()
    assert "steps" in _errors(trainer, _spec(teams=[team.pk], steps=[StepSpec(draft.pk)]))
    assert "steps" in _errors(trainer, _spec(teams=[team.pk], steps=[StepSpec(published.pk), StepSpec(published.pk)]))
    assert "steps" in _errors(trainer, _spec(teams=[team.pk], steps=[StepSpec(999999)]))
    assert "steps" in _errors(trainer, _spec(teams=[team.pk], steps=[StepSpec(published.pk, "no-such-theme")]))


def test_it_refuses_teams_and_learners_outside_the_trainers_own() -> None:
    trainer, other = UserFactory.create(trainer=True), UserFactory.create(trainer=True)
    outsider = UserFactory.create()
    their_team = team_with(other, [outsider], name="他チーム")
    team_with(trainer, [UserFactory.create()])
    assert "teams" in _errors(trainer, _spec(teams=[their_team.pk]))
    assert "learners" in _errors(trainer, _spec(learners=[outsider.pk]))
    assert "learners" in _errors(trainer, _spec(learners=["not-a-uuid"]))


def test_it_lets_a_superuser_assign_to_anyone() -> None:
    admin = UserFactory.create(is_superuser=True, is_staff=True)
    anyone = UserFactory.create()
    assignment = services.assignment_create(trainer=admin, spec=_spec(learners=[anyone.pk]))
    assert list(assignment.learners.all()) == [anyone]


def test_it_refuses_a_learner_who_is_not_a_trainer() -> None:
    learner = UserFactory.create()
    with pytest.raises(services.NotAllowed):
        services.assignment_create(trainer=learner, spec=_spec(learners=[learner.pk]))


def test_it_edits_pauses_and_closes_for_good() -> None:
    trainer = UserFactory.create(trainer=True)
    team = team_with(trainer, [UserFactory.create()])
    assignment = assignment_for(trainer, teams=[team])
    spec = services.assignment_spec(assignment)
    spec.note = "金曜までに"
    services.assignment_update(trainer=trainer, assignment=assignment, spec=spec)
    assignment.refresh_from_db()
    assert assignment.note == "金曜までに"
    services.assignment_state_set(trainer=trainer, assignment=assignment, state=AssignmentState.PAUSED)
    services.assignment_state_set(trainer=trainer, assignment=assignment, state=AssignmentState.CLOSED)
    with pytest.raises(ValidationError):
        services.assignment_state_set(trainer=trainer, assignment=assignment, state=AssignmentState.ACTIVE)
    assignment.refresh_from_db()
    assert assignment.state == AssignmentState.CLOSED
