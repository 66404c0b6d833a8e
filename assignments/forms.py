"""Page forms: the trainer's assignment form (up to ten steps), the table's filters."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.selectors import learners_trained_by
from analytics.selectors import teams_for_trainer
from assignments.models import Assignment, Recurrence, Requirement
from assignments.selectors import SORTS
from assignments.services import MAX_STEPS, AssignmentSpec, StepSpec
from assignments.status import Status
from scenarios.selectors import published_scenarios
from watch.themes import THEMES

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def _local_input(value: Any) -> str:
    return timezone.localtime(value).strftime(DATETIME_FORMAT) if value else ""


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format=DATETIME_FORMAT)


def _theme_choices() -> list[tuple[str, str]]:
    english = (get_language() or "ja").startswith("en")
    return [("", "—"), *((t.key, t.label("en" if english else "ja")) for t in THEMES)]


class AssignmentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    teams = forms.MultipleChoiceField(label=_("Teams"), required=False, widget=forms.CheckboxSelectMultiple)
    learners = forms.MultipleChoiceField(
        label=_("Learners"), required=False, help_text=_("Besides the teams, or instead of them.")
    )
    starts_at = forms.DateTimeField(label=_("Starts"), widget=DateTimeLocalInput(), input_formats=[DATETIME_FORMAT])
    due_at = forms.DateTimeField(label=_("Due"), widget=DateTimeLocalInput(), input_formats=[DATETIME_FORMAT])
    requirement = forms.ChoiceField(label=_("To complete a scenario"), choices=Requirement.choices)
    required_attempts = forms.IntegerField(label=_("Attempts per scenario"), min_value=1, max_value=20, initial=1)
    recurrence = forms.ChoiceField(label=_("Repeats"), choices=Recurrence.choices)
    note = forms.CharField(
        label=_("Note to the learners"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, trainer: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.trainer = trainer
        teams = [(str(t.pk), t.name) for t in teams_for_trainer(user=trainer)]
        self.fields["teams"].choices = teams  # type: ignore[attr-defined]
        self.fields["learners"].choices = [  # type: ignore[attr-defined]
            (str(u.pk), f"{u.name} ({u.username})") for u in learners_trained_by(trainer).order_by("username")
        ]
        scenarios = [("", "—"), *((str(s.pk), s.display_title) for s in published_scenarios())]
        for i in range(MAX_STEPS):
            self.fields[f"step_{i}"] = forms.ChoiceField(
                label=_("Scenario %(n)s") % {"n": i + 1}, choices=scenarios, required=False
            )
            self.fields[f"watch_{i}"] = forms.ChoiceField(
                label=_("Watch first (optional)"), choices=_theme_choices(), required=False
            )
        now = timezone.now().replace(second=0, microsecond=0)
        self.initial.setdefault("starts_at", _local_input(now))
        self.initial.setdefault("due_at", _local_input(now + timedelta(days=7)))

    @property
    def step_rows(self) -> list[tuple[Any, Any]]:
        return [(self[f"step_{i}"], self[f"watch_{i}"]) for i in range(MAX_STEPS)]

    @classmethod
    def for_assignment(cls, assignment: Assignment, *, trainer: User, data: Any = None) -> AssignmentForm:
        initial: dict[str, Any] = {
            "title": assignment.title,
            "teams": [str(pk) for pk in assignment.teams.values_list("pk", flat=True)],
            "learners": [str(pk) for pk in assignment.learners.values_list("pk", flat=True)],
            "starts_at": _local_input(assignment.starts_at),
            "due_at": _local_input(assignment.due_at),
            "requirement": assignment.requirement,
            "required_attempts": assignment.required_attempts,
            "recurrence": assignment.recurrence,
            "note": assignment.note,
        }
        for i, step in enumerate(assignment.steps.all()):
            initial[f"step_{i}"], initial[f"watch_{i}"] = str(step.scenario_id), step.watch_theme
        return cls(data=data, initial=initial, trainer=trainer)

    def spec(self) -> AssignmentSpec:
        data = self.cleaned_data
        steps = [
            StepSpec(int(data[f"step_{i}"]), data.get(f"watch_{i}") or "")
            for i in range(MAX_STEPS)
            if data.get(f"step_{i}")
        ]
        return AssignmentSpec(
            title=data["title"].strip(),
            steps=steps,
            teams=[int(pk) for pk in data["teams"]],
            learners=list(data["learners"]),
            starts_at=data["starts_at"],
            due_at=data["due_at"],
            requirement=data["requirement"],
            required_attempts=data["required_attempts"],
            recurrence=data["recurrence"],
            note=data["note"],
        )

    def add_service_errors(self, error: ValidationError) -> None:
        """A service's field errors next to the matching inputs ("steps" next to the first step)."""
        for name, errors in error.error_dict.items():
            target = "step_0" if name == "steps" else name
            self.add_error(target if target in self.fields else None, errors)


SORT_CHOICES = [(key, key) for key in SORTS]


class TableForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=[("", _("All")), *Status.choices], required=False)
    team = forms.CharField(label=_("Team"), required=False, max_length=100)
    sort = forms.ChoiceField(label=_("Sort by"), choices=SORT_CHOICES, required=False)
    desc = forms.BooleanField(required=False)
