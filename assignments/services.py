"""Writes: create, edit, pause, resume and close assignments.

Every check runs before anything is stored, and all problems are reported at once as a
``ValidationError`` whose keys are the fields (``title``, ``steps``, ``teams``, ``learners``,
``starts_at``, ``due_at``, ``required_attempts``, ``recurrence``, ``requirement``, ``state``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.selectors import learners_trained_by
from analytics.models import Team
from analytics.selectors import teams_for_trainer
from assignments.models import Assignment, AssignmentState, AssignmentStep, Recurrence, Requirement
from assignments.rounds import period_length
from scenarios.models import Scenario
from watch.themes import THEMES

MAX_STEPS = 10
MAX_ATTEMPTS = 20
ErrorDict = dict[str, list[ValidationError]]


@dataclass
class StepSpec:
    scenario_id: int
    watch_theme: str = ""


@dataclass
class AssignmentSpec:
    """Everything an assignment is made of, as the trainer gave it."""

    title: str
    steps: list[StepSpec]
    teams: list[int] = field(default_factory=list)
    learners: list[Any] = field(default_factory=list)
    starts_at: datetime | None = None
    due_at: datetime | None = None
    requirement: str = Requirement.ATTEMPTS
    required_attempts: int = 1
    recurrence: str = Recurrence.NONE
    note: str = ""


class NotAllowed(Exception):
    """The user may not manage assignments."""


def _error(errors: ErrorDict, name: str, message: str, code: str = "invalid") -> None:
    errors.setdefault(name, []).append(ValidationError(message, code=code))


def _check_steps(steps: Sequence[StepSpec], errors: ErrorDict) -> dict[int, Scenario]:
    if not steps:
        _error(errors, "steps", _("Choose at least one scenario."), "required")
        return {}
    if len(steps) > MAX_STEPS:
        _error(errors, "steps", _("A learning path has at most %(n)s scenarios.") % {"n": MAX_STEPS})
    ids = [step.scenario_id for step in steps]
    if len(set(ids)) != len(ids):
        _error(errors, "steps", _("A scenario appears more than once in the path."), "duplicate")
    found = Scenario.objects.in_bulk(set(ids))
    if any(pk not in found for pk in ids):
        _error(errors, "steps", _("A chosen scenario does not exist."), "does_not_exist")
    if any(not s.published for s in found.values()):
        _error(errors, "steps", _("A chosen scenario is a draft: publish it first."), "draft")
    themes = {theme.key for theme in THEMES}
    if any(step.watch_theme and step.watch_theme not in themes for step in steps):
        _error(errors, "steps", _("Choose one of the listed watch themes."), "invalid_choice")
    return found


def _check_targets(trainer: User, spec: AssignmentSpec, errors: ErrorDict) -> tuple[list[Team], list[User]]:
    if not spec.teams and not spec.learners:
        message = _("Choose at least one team or learner.")
        _error(errors, "teams", message, "required")
        _error(errors, "learners", message, "required")
        return [], []
    teams = list(teams_for_trainer(user=trainer).filter(pk__in=spec.teams))
    if len(teams) != len(set(spec.teams)):
        _error(errors, "teams", _("You can assign only to teams you train."), "not_allowed")
    try:
        learners = list(learners_trained_by(trainer).filter(pk__in=spec.learners))
    except (ValueError, ValidationError):
        learners = []
    if len(learners) != len(set(map(str, spec.learners))):
        _error(errors, "learners", _("You can assign only to learners of the teams you train."), "not_allowed")
    return teams, learners


def _check_dates(spec: AssignmentSpec, errors: ErrorDict) -> None:
    if spec.starts_at is None:
        _error(errors, "starts_at", _("Give a start date."), "required")
    if spec.due_at is None:
        _error(errors, "due_at", _("Give a due date."), "required")
    if spec.starts_at is None or spec.due_at is None:
        return
    if spec.due_at <= spec.starts_at:
        _error(errors, "due_at", _("The due date must be after the start date."), "before_start")
        return
    period = period_length(spec.starts_at, spec.recurrence)
    if period is not None and spec.due_at - spec.starts_at > period:
        _error(errors, "due_at", _("For a repeating assignment the due date must be within one period of the start."))


def _check_rest(spec: AssignmentSpec, errors: ErrorDict) -> None:
    if not spec.title.strip():
        _error(errors, "title", _("Give the assignment a title."), "required")
    if len(spec.title.strip()) > 200:
        _error(errors, "title", _("At most 200 characters."), "max_length")
    if len(spec.note) > 2000:
        _error(errors, "note", _("At most 2000 characters."), "max_length")
    if spec.requirement not in Requirement.values:
        _error(errors, "requirement", _("Choose one of the listed requirements."), "invalid_choice")
    if spec.recurrence not in Recurrence.values:
        _error(errors, "recurrence", _("Choose one of the listed repeats."), "invalid_choice")
    if not 1 <= spec.required_attempts <= MAX_ATTEMPTS:
        _error(errors, "required_attempts", _("Between 1 and %(n)s attempts.") % {"n": MAX_ATTEMPTS})


def assignment_check(*, trainer: User, spec: AssignmentSpec) -> tuple[list[Team], list[User]]:
    """The spec's targets, or a ``ValidationError`` with every problem found."""
    if not trainer.is_trainer:
        raise NotAllowed()
    errors: ErrorDict = {}
    found = _check_steps(spec.steps, errors)
    if not spec.title.strip() and spec.steps and spec.steps[0].scenario_id in found:
        spec.title = found[spec.steps[0].scenario_id].display_title  # the first scenario names it
    _check_rest(spec, errors)
    if spec.recurrence in Recurrence.values:
        _check_dates(spec, errors)
    targets = _check_targets(trainer, spec, errors)
    if errors:
        raise ValidationError(errors)
    return targets


def _store(assignment: Assignment, spec: AssignmentSpec, teams: list[Team], learners: list[User]) -> None:
    assignment.title = spec.title.strip()
    assignment.note = spec.note.strip()
    assignment.starts_at, assignment.due_at = spec.starts_at, spec.due_at  # type: ignore[assignment]
    assignment.requirement, assignment.required_attempts = spec.requirement, spec.required_attempts
    assignment.recurrence = spec.recurrence
    assignment.save()
    assignment.teams.set(teams)
    assignment.learners.set(learners)
    assignment.steps.all().delete()
    AssignmentStep.objects.bulk_create(
        AssignmentStep(assignment=assignment, order=i, scenario_id=step.scenario_id, watch_theme=step.watch_theme)
        for i, step in enumerate(spec.steps)
    )


def assignment_create(*, trainer: User, spec: AssignmentSpec) -> Assignment:
    teams, learners = assignment_check(trainer=trainer, spec=spec)
    with transaction.atomic():
        assignment = Assignment(created_by=trainer)
        _store(assignment, spec, teams, learners)
    return assignment


def assignment_spec(assignment: Assignment) -> AssignmentSpec:
    """What the assignment is now, as a spec to change."""
    return AssignmentSpec(
        title=assignment.title,
        steps=[StepSpec(s.scenario_id, s.watch_theme) for s in assignment.steps.all()],
        teams=list(assignment.teams.values_list("pk", flat=True)),
        learners=list(assignment.learners.values_list("pk", flat=True)),
        starts_at=assignment.starts_at,
        due_at=assignment.due_at,
        requirement=assignment.requirement,
        required_attempts=assignment.required_attempts,
        recurrence=assignment.recurrence,
        note=assignment.note,
    )


def assignment_update(*, trainer: User, assignment: Assignment, spec: AssignmentSpec) -> Assignment:
    """Replace what the assignment is made of (targets, steps, dates, requirement, note)."""
    teams, learners = assignment_check(trainer=trainer, spec=spec)
    with transaction.atomic():
        _store(assignment, spec, teams, learners)
    return assignment


def assignment_state_set(*, trainer: User, assignment: Assignment, state: str) -> Assignment:
    """Pause, resume or close; a closed assignment stays closed."""
    if not trainer.is_trainer:
        raise NotAllowed()
    if state not in AssignmentState.values:
        raise ValidationError(
            {"state": [ValidationError(_("Choose active, paused or closed."), code="invalid_choice")]}
        )
    if assignment.state == AssignmentState.CLOSED and state != AssignmentState.CLOSED:
        raise ValidationError({"state": [ValidationError(_("A closed assignment cannot be reopened."), code="closed")]})
    assignment.state = state
    assignment.save(update_fields=["state", "updated_at"])
    return assignment
