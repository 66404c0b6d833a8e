"""Scenario API shapes; prompt-only data (personality, speaking style, persona hint) stays on the server."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from core.api import TextField
from scenarios.forms import MAX_SEARCH_CHARS
from scenarios.models import Category, Difficulty, Scenario


class ScenarioListQuerySerializer(serializers.Serializer):
    difficulty = serializers.ChoiceField(choices=Difficulty.choices, required=False)
    category = serializers.ChoiceField(choices=Category.choices, required=False)
    # Not trimmed: a tag of spaces or control characters is as the schema allows it (it filters nothing).
    tag = serializers.CharField(required=False, max_length=50, trim_whitespace=False)
    search = TextField(required=False, allow_blank=True, max_length=MAX_SEARCH_CHARS)
    page = serializers.IntegerField(required=False, min_value=1)


class ScenarioSerializer(serializers.ModelSerializer):
    """Texts are in the reader's language (English falls back to Japanese); ``*_en`` are the English texts."""

    title = serializers.CharField(source="display_title", read_only=True)
    description = serializers.CharField(source="display_description", read_only=True)
    category_label = serializers.CharField(source="get_category_display", read_only=True)
    difficulty_label = serializers.CharField(source="get_difficulty_display", read_only=True)
    tags = serializers.ListField(source="display_tags", child=serializers.CharField(), read_only=True)
    learning_points = serializers.SerializerMethodField()
    is_new = serializers.BooleanField(read_only=True)
    practised_count = serializers.SerializerMethodField()
    consent_given = serializers.SerializerMethodField()

    class Meta:
        model = Scenario
        fields = (
            "id",
            "slug",
            "title",
            "title_en",
            "description",
            "description_en",
            "category",
            "category_label",
            "difficulty",
            "difficulty_label",
            "tags",
            "learning_points",
            "sensitive",
            "is_new",
            "practised_count",
            "consent_given",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields

    def get_learning_points(self, obj: Scenario) -> list[str]:
        return obj.display_learning_points

    def get_practised_count(self, obj: Scenario) -> int:
        counts: dict[int, int] = self.context.get("practised_counts", {})
        return counts.get(obj.pk, 0)

    def get_consent_given(self, obj: Scenario) -> bool:
        consented: set[int] = self.context.get("consented_ids", set())
        return obj.pk in consented


class ScenarioDetailSerializer(ScenarioSerializer):
    ai_role = serializers.CharField(source="display_ai_role", read_only=True)
    learner_role = serializers.CharField(source="display_learner_role", read_only=True)
    situation = serializers.CharField(
        source="display_briefing", read_only=True, help_text="The situation as told to the learner."
    )
    feedback_points = serializers.SerializerMethodField()

    class Meta(ScenarioSerializer.Meta):
        fields = (  # type: ignore[assignment]
            *ScenarioSerializer.Meta.fields,
            "ai_role",
            "learner_role",
            "situation",
            "feedback_points",
            "role_type",
            "learner_speaks_first",
            "pass_threshold",
            "time_limit_minutes",
        )
        read_only_fields = fields  # type: ignore[assignment]

    def get_feedback_points(self, obj: Scenario) -> list[str]:
        return obj.display_feedback_points


def with_learner_fields(items: list[dict[str, Any]], *, counts: dict[int, int], consented: set[int]) -> None:
    """Fill in the per-learner fields of serialized scenarios (the shared part is cached)."""
    for item in items:
        item["practised_count"] = counts.get(item["id"], 0)
        item["consent_given"] = item["id"] in consented
