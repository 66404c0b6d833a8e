"""Assignment API shapes: the learner's assignments, the trainer's assignments and their progress."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from assignments.models import Assignment, AssignmentState, Recurrence, Requirement
from assignments.services import MAX_ATTEMPTS, MAX_STEPS, AssignmentSpec, StepSpec
from assignments.status import Status
from core.api import StrictIntegerField, TextField
from watch.themes import THEMES

# --- learners ------------------------------------------------------------------------------------


class MyStepSerializer(serializers.Serializer):
    scenario_id = serializers.IntegerField()
    title = serializers.CharField()
    watch_theme = serializers.CharField(help_text="A watch theme to observe first, or empty.")
    watched = serializers.BooleanField(
        allow_null=True,
        help_text="Whether a session of the watch theme was watched in this round (begun after the round "
        "started, then finished or stopped after a few lines); null without a watch theme.",
    )
    attempts = serializers.IntegerField()
    best_total = serializers.IntegerField(allow_null=True)
    done = serializers.BooleanField(help_text="The scenario's requirement met and, with a watch theme, watched.")


class MyAssignmentSerializer(serializers.Serializer):
    """One assignment as its learner sees it, with their status in the current round."""

    id = serializers.IntegerField()
    title = serializers.CharField()
    note = serializers.CharField()
    assigned_by = serializers.CharField()
    starts_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    round = serializers.IntegerField(help_text="0 for the first round; a recurring assignment counts up.")
    recurrence = serializers.ChoiceField(choices=Recurrence.choices)
    requirement = serializers.ChoiceField(choices=Requirement.choices)
    required_attempts = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Status.choices)
    status_label = serializers.CharField()
    attempts = serializers.IntegerField()
    best_total = serializers.IntegerField(allow_null=True)
    passed = serializers.BooleanField(allow_null=True)
    steps = MyStepSerializer(many=True)


# --- trainers ------------------------------------------------------------------------------------


class StepSerializer(serializers.Serializer):
    scenario_id = StrictIntegerField(min_value=1, max_value=2**31 - 1)
    watch_theme = serializers.ChoiceField(
        choices=[("", "none"), *((t.key, t.label_en) for t in THEMES)], required=False, default=""
    )


class AssignmentSerializer(serializers.ModelSerializer):
    steps = serializers.SerializerMethodField()
    teams = serializers.SerializerMethodField()
    learners = serializers.SerializerMethodField()
    created_by = serializers.CharField(source="created_by.username", read_only=True)

    class Meta:
        model = Assignment
        fields = (
            "id",
            "title",
            "note",
            "steps",
            "teams",
            "learners",
            "starts_at",
            "due_at",
            "requirement",
            "required_attempts",
            "recurrence",
            "state",
            "created_by",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields

    def get_steps(self, obj: Assignment) -> list[dict[str, Any]]:
        return [{"scenario_id": s.scenario_id, "watch_theme": s.watch_theme} for s in obj.steps.all()]

    def get_teams(self, obj: Assignment) -> list[int]:
        return [team.pk for team in obj.teams.all()]

    def get_learners(self, obj: Assignment) -> list[str]:
        return [str(user.pk) for user in obj.learners.all()]


class AssignmentWriteSerializer(serializers.Serializer):
    """What a trainer sends to create (POST: ``steps``, ``starts_at`` and ``due_at`` required) or
    change (PATCH: only what changes) an assignment."""

    title = TextField(max_length=200, required=False, allow_blank=True)
    note = TextField(max_length=2000, required=False, allow_blank=True)
    steps = StepSerializer(many=True, min_length=1, max_length=MAX_STEPS)  # type: ignore[call-arg]
    teams = serializers.ListField(
        child=StrictIntegerField(min_value=1, max_value=2**31 - 1), required=False, max_length=500
    )
    learners = serializers.ListField(child=serializers.UUIDField(), required=False, max_length=5000)
    starts_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    requirement = serializers.ChoiceField(choices=Requirement.choices, required=False)
    required_attempts = StrictIntegerField(min_value=1, max_value=MAX_ATTEMPTS, required=False)
    recurrence = serializers.ChoiceField(choices=Recurrence.choices, required=False)

    def spec(self, base: AssignmentSpec | None = None) -> AssignmentSpec:
        """The validated data over ``base`` (what the assignment is now, for PATCH)."""
        data = dict(self.validated_data)
        spec = base or AssignmentSpec(title="", steps=[])
        if "steps" in data:
            spec.steps = [StepSpec(step["scenario_id"], step.get("watch_theme", "")) for step in data.pop("steps")]
        for name, value in data.items():
            setattr(spec, name, value)
        return spec


class AssignmentPatchSerializer(AssignmentWriteSerializer):
    steps = StepSerializer(many=True, min_length=1, max_length=MAX_STEPS, required=False)  # type: ignore[assignment,call-arg]
    starts_at = serializers.DateTimeField(required=False)  # type: ignore[assignment]
    due_at = serializers.DateTimeField(required=False)  # type: ignore[assignment]
    state = serializers.ChoiceField(choices=AssignmentState.choices, required=False)


class ProgressQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    team = TextField(required=False, allow_blank=True, max_length=100)
    sort = serializers.ChoiceField(
        choices=["status", "name", "attempts", "best", "latest", "activity"], required=False, default="status"
    )
    desc = serializers.BooleanField(required=False, default=False)


class LearnerRowSerializer(serializers.Serializer):
    user_id = serializers.UUIDField()
    username = serializers.CharField()
    name = serializers.CharField()
    teams = serializers.ListField(child=serializers.CharField())
    status = serializers.ChoiceField(choices=Status.choices)
    status_label = serializers.CharField()
    attempts = serializers.IntegerField()
    steps_done = serializers.IntegerField()
    best_total = serializers.IntegerField(allow_null=True)
    latest_total = serializers.IntegerField(allow_null=True)
    passed = serializers.BooleanField(allow_null=True)
    last_activity = serializers.DateTimeField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)


class RubricCriterionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    weight = serializers.IntegerField()


class CriterionAverageSerializer(serializers.Serializer):
    criterion_id = serializers.IntegerField()
    name = serializers.CharField()
    average = serializers.FloatField(allow_null=True, help_text="0–100; null while the team's figures are withheld.")


class TeamCriteriaSerializer(serializers.Serializer):
    team = serializers.CharField()
    learners = serializers.IntegerField(help_text="Its learners with a judged attempt of the scenario this round.")
    withheld = serializers.BooleanField(help_text="Fewer than TEAM_MIN_LEARNERS such learners: no figures.")
    averages = CriterionAverageSerializer(many=True)


class CriteriaSerializer(serializers.Serializer):
    """One scenario of the assignment (each step's, in order): per team, the average of each of its
    rubric criteria over the round's counted attempts (each learner's own mean, then the team's mean;
    a criterion scored without a quoted line counts 0). A scenario without a rubric: no criteria, no teams."""

    scenario_id = serializers.IntegerField()
    title = serializers.CharField()
    has_rubric = serializers.BooleanField()
    criteria = RubricCriterionSerializer(many=True)
    teams = TeamCriteriaSerializer(many=True)


class CompletionPointSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    completed = serializers.IntegerField()
    learners = serializers.IntegerField()
    rate = serializers.IntegerField(allow_null=True)


class CompletionSerializer(serializers.Serializer):
    team = serializers.CharField()
    points = CompletionPointSerializer(many=True)


class RoundSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    starts_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()


class AssignmentProgressSerializer(serializers.Serializer):
    assignment = AssignmentSerializer()
    round = RoundSerializer()
    counts = serializers.DictField(child=serializers.IntegerField())
    learners = LearnerRowSerializer(many=True)
    criteria = CriteriaSerializer(many=True)
    completion = CompletionSerializer(many=True)
