"""Chat and scenario conversations and their messages.

A ``Conversation`` belongs to one user and one mode (chat or scenario play). Its ``Message`` rows
are written as they happen: the learner's line before the model is called, the model's reply
whatever becomes of the stream (complete, interrupted with the partial text, or failed with the
reason the learner sees). Both are a ``Turn``, as watch mode's ``WatchMessage`` is: watch keeps its
sessions and turns in tables of its own (``watch.models``) on the same turn code.
"""

import uuid

from django.conf import settings
from django.db import models


class Mode(models.TextChoices):
    CHAT = "chat", "Chat"
    SCENARIO = "scenario", "Scenario"


class Role(models.TextChoices):
    USER = "user", "Learner"
    ASSISTANT = "assistant", "Partner"


class Status(models.TextChoices):
    STREAMING = "streaming", "Streaming"
    COMPLETE = "complete", "Complete"
    INTERRUPTED = "interrupted", "Interrupted"
    FAILED = "failed", "Failed"


class Conversation(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conversations")
    mode = models.CharField(max_length=16, choices=Mode.choices, default=Mode.CHAT)
    title = models.CharField(max_length=200, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    # Set while the learner shares this conversation with their trainers; empty means private.
    shared_with_trainer_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "-started_at"], name="conv_user_started_idx")]
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return self.title or f"{self.mode} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def is_ended(self) -> bool:
        return self.ended_at is not None


class Turn(models.Model):
    """What every line of every mode holds: its text, how its stream ended, the client's id for it
    (a line sent twice is stored once), what the model said of it, and when it was begun.

    ``Message`` (chat and scenarios) and ``watch.WatchMessage`` are turns; ``conversations.turns``
    writes and reads them.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    content = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.COMPLETE)
    client_id = models.CharField(max_length=64, null=True, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True

    @staticmethod
    def client_id_once(parent: str, *, name: str) -> models.UniqueConstraint:
        """A client's id names one line of its conversation or session (lines without one are free)."""
        return models.UniqueConstraint(
            fields=[parent, "client_id"], name=name, condition=models.Q(client_id__isnull=False)
        )


class Message(Turn):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    role = models.CharField(max_length=16, choices=Role.choices)

    class Meta:
        indexes = [models.Index(fields=["conversation", "created_at"], name="msg_conv_created_idx")]
        constraints = [Turn.client_id_once("conversation", name="msg_unique_client_id")]
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.role}: {self.content[:40]}"


class Feedback(models.Model):
    """Structured feedback on the learner's lines of one conversation (validated before stored)."""

    conversation = models.OneToOneField(Conversation, on_delete=models.CASCADE, related_name="feedback")
    content = models.JSONField()
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Feedback on {self.conversation_id}"
