from typing import Any

from rest_framework import serializers

from conversations.feedback import FeedbackReport
from conversations.models import Conversation
from conversations.partners import CUSTOM, MAX_CUSTOM_LENGTH, PARTNERS, SITUATIONS
from core.api import StrictBooleanField, TextField
from llm.prompts import MAX_USER_CHARS


class MessageSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    conversation_id = serializers.UUIDField()
    role = serializers.CharField()
    content = serializers.CharField(allow_blank=True)
    status = serializers.ChoiceField(choices=["streaming", "complete", "interrupted", "failed"])
    client_id = serializers.CharField(allow_null=True)
    error = serializers.CharField(allow_null=True)
    demo = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class ConversationSerializer(serializers.ModelSerializer):
    message_count = serializers.SerializerMethodField()

    class Meta:
        model = Conversation
        fields = ["id", "mode", "title", "metadata", "started_at", "ended_at", "message_count"]

    def get_message_count(self, conversation: Conversation) -> int:
        """Counted by the list query where it can be; otherwise counted here."""
        counted = getattr(conversation, "message_count", None)
        return int(counted) if counted is not None else conversation.messages.count()


class ConversationDetailSerializer(serializers.Serializer):
    conversation = ConversationSerializer()
    messages = MessageSerializer(many=True)
    feedback = serializers.JSONField(allow_null=True)


class ChatStartSerializer(serializers.Serializer):
    partner = serializers.ChoiceField(choices=[p.key for p in PARTNERS] + [CUSTOM])
    situation = serializers.ChoiceField(choices=[s.key for s in SITUATIONS] + [CUSTOM])
    custom_partner = TextField(max_length=MAX_CUSTOM_LENGTH, required=False, allow_blank=True, default="")
    custom_situation = TextField(max_length=MAX_CUSTOM_LENGTH, required=False, allow_blank=True, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        errors = {}
        for field in ("partner", "situation"):
            if attrs.get(field) == CUSTOM and not attrs.get(f"custom_{field}", "").strip():
                errors[f"custom_{field}"] = ["Required when a custom value is chosen."]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class ChatStartResponseSerializer(serializers.Serializer):
    conversation = ConversationSerializer()
    messages = MessageSerializer(many=True)


class LearnerLineSerializer(serializers.Serializer):
    """A learner's line in any mode: its text, the client's id for it (sending again with the same
    id never stores it twice), and whether the reply should stream."""

    text = TextField(max_length=MAX_USER_CHARS, trim_whitespace=True)
    client_id = TextField(max_length=64, required=False, allow_blank=True)
    stream = StrictBooleanField(required=False, default=False)


class ChatMessageSerializer(LearnerLineSerializer):
    conversation_id = serializers.UUIDField()


class LineResponseSerializer(serializers.Serializer):
    """The answer to a learner's line in any mode: the stored line, the partner's reply (none while it
    streams elsewhere) and whether the line was a repeat of one already stored. A mode with turns of
    its own overrides ``message`` and ``reply``."""

    message: serializers.Serializer = MessageSerializer()
    reply: serializers.Serializer = MessageSerializer(allow_null=True)
    duplicate = serializers.BooleanField()


class ChatMessageResponseSerializer(LineResponseSerializer):
    """The answer to a chat or scenario line."""


class ConversationRefSerializer(serializers.Serializer):
    conversation_id = serializers.UUIDField()


class FeedbackResponseSerializer(serializers.Serializer):
    conversation_id = serializers.UUIDField()
    feedback = serializers.JSONField(help_text=str(FeedbackReport.model_json_schema().get("title", "")))
