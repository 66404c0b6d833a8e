"""Watch mode: two AI personas talk while the learner watches, and may step into one seat.

A ``WatchSession`` belongs to its owner; anyone signed in who holds its share link (while the
link is enabled) may watch it too. Its ``WatchMessage`` rows are written as each turn happens:
an empty row before the first token, the final text and status whatever becomes of the stream.
"""

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from conversations.models import Turn


class State(models.TextChoices):
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    STEPPED_IN = "stepped_in", _("You are in the conversation")
    STOPPED = "stopped", _("Stopped")
    FINISHED = "finished", _("Finished")


ACTIVE_STATES = (State.RUNNING, State.PAUSED, State.STEPPED_IN)
ENDED_STATES = (State.STOPPED, State.FINISHED)


class Pace(models.TextChoices):
    SLOW = "slow", _("Slow")
    NORMAL = "normal", _("Normal")
    FAST = "fast", _("Fast")


class Author(models.TextChoices):
    AI = "ai", _("AI")
    LEARNER = "learner", _("Learner")


class WatchSession(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watch_sessions")
    theme = models.CharField(max_length=64)  # a preset key or "scenario:<id>"
    title = models.CharField(max_length=200, blank=True)
    scenario = models.ForeignKey(
        "scenarios.Scenario", on_delete=models.SET_NULL, null=True, blank=True, related_name="watch_sessions"
    )
    # [{"key", "role", "role_en", "personality", "speaking_style", "model"}, {...}]: seat 0 opens.
    ai_personas = models.JSONField(default=list)
    language = models.CharField(max_length=8, default="ja")
    state = models.CharField(max_length=16, choices=State.choices, default=State.RUNNING)
    pace = models.CharField(max_length=8, choices=Pace.choices, default=Pace.NORMAL)
    share_token = models.CharField(max_length=64, blank=True, db_index=True)
    share_enabled = models.BooleanField(default=False)
    seat = models.PositiveSmallIntegerField(null=True, blank=True)  # the persona seat the learner took
    stepped_in_after = models.PositiveIntegerField(null=True, blank=True)  # last turn seq before the learner
    commentary = models.JSONField(null=True, blank=True)
    feedback = models.JSONField(null=True, blank=True)
    metadata = models.JSONField(default=dict, blank=True)  # run_seconds, finalized, errors, end reason
    started_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "-started_at"], name="watch_user_started_idx")]
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return self.title or self.theme

    @property
    def is_ended(self) -> bool:
        return self.state in ENDED_STATES

    def persona(self, seat: int) -> dict[str, str]:
        return dict(self.ai_personas[seat]) if 0 <= seat < len(self.ai_personas) else {}

    def persona_label(self, seat: int) -> str:
        persona = self.persona(seat)
        label = persona.get("role_en") if self.language == "en" else persona.get("role")
        return str(label or persona.get("role") or "AI")

    def persona_summaries(self) -> list[dict[str, Any]]:
        """Each seat as pages, the API and transcripts show it: its label and model."""
        return [
            {"seat": seat, "label": self.persona_label(seat), "model": self.persona(seat).get("model", "")}
            for seat in range(len(self.ai_personas))
        ]


class WatchMessage(Turn):
    """A turn of watch mode; its ``metadata`` holds the model, tokens, latency, status and error."""

    session = models.ForeignKey(WatchSession, on_delete=models.CASCADE, related_name="messages")
    persona = models.PositiveSmallIntegerField()  # the seat that spoke: 0 or 1
    author = models.CharField(max_length=8, choices=Author.choices, default=Author.AI)
    seq = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["session", "created_at"], name="watchmsg_session_created_idx")]
        constraints = [
            models.UniqueConstraint(fields=["session", "seq"], name="watchmsg_unique_seq"),
            Turn.client_id_once("session", name="watchmsg_unique_client_id"),
        ]
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"{self.persona}/{self.author}: {self.content[:40]}"
