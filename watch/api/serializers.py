from django.utils.translation import gettext as _
from rest_framework import serializers

from conversations.api.serializers import LearnerLineSerializer, LineResponseSerializer
from core.api import StrictBooleanField, StrictIntegerField, TextField
from watch import conf, themes
from watch.forms import theme_values
from watch.models import Pace

PERSONA_KEYS = [persona.key for persona in themes.PERSONAS]


class WatchStartSerializer(serializers.Serializer):
    theme = TextField(
        max_length=64,
        help_text="A preset (" + ", ".join(t.key for t in themes.THEMES) + ") or scenario:<id> of a published scenario",
    )
    personas = serializers.ListField(
        child=serializers.ChoiceField(choices=PERSONA_KEYS), min_length=2, max_length=2, help_text="Seat 0 opens"
    )
    pace = serializers.ChoiceField(choices=Pace.choices, default=Pace.NORMAL)
    models = serializers.ListField(
        child=TextField(max_length=120, allow_blank=True),
        required=False,
        max_length=2,
        help_text="A model per persona, from WATCH_PERSONA_MODELS (default: one each when several are configured)",
    )

    def validate_theme(self, value: str) -> str:
        if value not in theme_values():
            raise serializers.ValidationError(_("Choose a theme from the list."))
        return value

    def validate_models(self, value: list[str]) -> list[str]:
        configured = list(conf.get("WATCH_PERSONA_MODELS"))
        if any(model and model not in configured for model in value):
            raise serializers.ValidationError(_("Choose a model from the list."))
        return value

    def validate_personas(self, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise serializers.ValidationError(_("Choose two different personas."))
        return value


class PersonaSerializer(serializers.Serializer):
    seat = serializers.IntegerField()
    label = serializers.CharField()  # type: ignore[assignment]
    model = serializers.CharField(allow_blank=True)


class WatchSessionSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    theme = serializers.CharField()
    state = serializers.ChoiceField(choices=["running", "paused", "stepped_in", "stopped", "finished"])
    pace = serializers.ChoiceField(choices=Pace.choices)
    seat = serializers.IntegerField(allow_null=True)
    share_enabled = serializers.BooleanField()
    ended = serializers.BooleanField()
    language = serializers.CharField()
    personas = PersonaSerializer(many=True)
    commentary = serializers.JSONField(allow_null=True)
    commentary_error = serializers.CharField(allow_blank=True)
    notice = serializers.CharField(allow_blank=True)
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True)


class WatchMessageSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    session_id = serializers.UUIDField()
    seq = serializers.IntegerField()
    persona = serializers.IntegerField()
    author = serializers.ChoiceField(choices=["ai", "learner"])
    speaker = serializers.CharField()
    content = serializers.CharField(allow_blank=True)
    status = serializers.ChoiceField(choices=["streaming", "complete", "interrupted", "failed"])
    error = serializers.CharField(allow_null=True)
    model = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()


class WatchDetailSerializer(serializers.Serializer):
    session = WatchSessionSerializer()
    messages = WatchMessageSerializer(many=True)
    viewers = serializers.IntegerField()
    owner = serializers.BooleanField()
    feedback = serializers.JSONField(allow_null=True, help_text="The owner's feedback after step-in")
    share_url = serializers.CharField(allow_blank=True, help_text="The share link (owner only, while enabled)")
    stream_url = serializers.CharField(help_text="GET it as text/event-stream for the live events")


class ShareTokenSerializer(serializers.Serializer):
    share_token = TextField(max_length=64, trim_whitespace=False)  # a blank token opens nothing: 404


class PaceSerializer(serializers.Serializer):
    pace = serializers.ChoiceField(choices=Pace.choices)


class StepInSerializer(serializers.Serializer):
    seat = StrictIntegerField(min_value=0, max_value=1, help_text="The persona seat to take (0 or 1)")


class ShareSerializer(serializers.Serializer):
    enabled = StrictBooleanField()


class WatchLineSerializer(LearnerLineSerializer):
    """The learner's line after stepping in."""


class WatchLineResponseSerializer(LineResponseSerializer):
    message = WatchMessageSerializer()
    reply = WatchMessageSerializer(allow_null=True)


class WatchFeedbackResponseSerializer(serializers.Serializer):
    session_id = serializers.UUIDField()
    feedback = serializers.JSONField()
