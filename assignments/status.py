"""An assigned learner's status, from the counted attempts of each step (pure: no queries).

An attempt counts when a play of a step's scenario got its feedback (``ScenarioPlay.feedback_at``)
at or after the round started. A step is done after ``required_attempts`` counted attempts, or
after one counted attempt that passed the rubric when the requirement is to pass; a step with a
watch theme also needs a session of that theme watched in the round (``watch.selectors.viewings``:
begun at or after the round started, then finished, or stopped after a few lines). Watching, or
beginning to watch, is activity: the learner is in progress.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from assignments.models import Requirement


class Status(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    OVERDUE = "overdue", _("Overdue")


# Overdue first, then not started, in progress, completed (the trainer table's default order).
STATUS_RANK = {Status.OVERDUE: 0, Status.NOT_STARTED: 1, Status.IN_PROGRESS: 2, Status.COMPLETED: 3}


@dataclass
class StepResult:
    """What one learner did on one step in one round."""

    attempts: int = 0
    passes: int = 0
    judged: int = 0  # counted attempts with a rubric verdict
    best: int | None = None
    last_feedback_at: datetime | None = None
    last_started_at: datetime | None = None
    done_at: datetime | None = None  # when the step's requirement was met
    watch_theme: str = ""  # a theme to watch too, or empty
    watched_at: datetime | None = None  # when a session of it was first watched in the round
    watch_started_at: datetime | None = None  # the latest session of it begun in the round

    @property
    def watched(self) -> bool | None:
        """Whether the step's watch theme was watched (``None`` when it has none)."""
        return self.watched_at is not None if self.watch_theme else None


@dataclass
class Progress:
    status: str
    attempts: int
    best: int | None
    passed: bool | None
    last_activity: datetime | None
    completed_at: datetime | None
    steps_done: int
    steps: list[StepResult] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return str(Status(self.status).label)


def step_done_at(result: StepResult, requirement: str, required_attempts: int) -> datetime | None:
    """When the step was done: its scenario's requirement met and, with a watch theme, watched."""
    if requirement == Requirement.PASS:
        played = result.done_at if result.passes > 0 else None
    else:
        played = result.done_at if result.attempts >= max(1, required_attempts) else None
    if not result.watch_theme or played is None:
        return played
    return max(played, result.watched_at) if result.watched_at is not None else None


def _latest(values: list[datetime | None]) -> datetime | None:
    present = [value for value in values if value is not None]
    return max(present) if present else None


def _passed(steps: list[StepResult]) -> bool | None:
    if all(step.passes > 0 for step in steps) and steps:
        return True
    return False if any(step.judged for step in steps) else None


def _activity(step: StepResult) -> tuple[datetime | None, ...]:
    return (step.last_feedback_at, step.last_started_at, step.watch_started_at, step.watched_at)


def progress_of(
    steps: list[StepResult], *, requirement: str, required_attempts: int, due_at: datetime, now: datetime
) -> Progress:
    done = [step_done_at(step, requirement, required_attempts) for step in steps]
    completed = bool(steps) and all(moment is not None for moment in done)
    started = any(step.attempts or step.last_started_at or step.watch_started_at for step in steps)
    if completed:
        status = Status.COMPLETED
    elif now >= due_at:
        status = Status.OVERDUE
    else:
        status = Status.IN_PROGRESS if started else Status.NOT_STARTED
    bests = [step.best for step in steps if step.best is not None]
    return Progress(
        status=status,
        attempts=sum(step.attempts for step in steps),
        best=max(bests) if bests else None,
        passed=_passed(steps),
        last_activity=_latest([m for step in steps for m in _activity(step)]),
        completed_at=_latest(done) if completed else None,
        steps_done=sum(1 for moment in done if moment is not None),
        steps=steps,
    )


def status_label(status: str) -> Any:
    return Status(status).label
