"""What trainers ask learners to practise: assignments, their steps, and the reminders sent.

An ``Assignment`` targets teams (``analytics.Team``: every current member) and individual learners.
Its steps are the scenarios to play, in order (one step is a single-scenario assignment; more make
a learning path), each optionally with a watch theme to observe first (the step is done only once
a session of it was watched too: ``assignments.status``). A recurring assignment has
a new round every week or month: round ``k`` runs from ``starts_at`` shifted by ``k`` periods and
is due at ``due_at`` shifted by as much. Status is never stored: it is computed from
``scenarios.ScenarioPlay`` (``assignments.selectors``). ``AssignmentReminder`` records each e-mail
sent, one per learner, assignment, round and kind, so a reminder is never sent twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Requirement(models.TextChoices):
    ATTEMPTS = "attempts", _("A number of attempts")
    PASS = "pass", _("Pass the rubric")


class Recurrence(models.TextChoices):
    NONE = "none", _("Once")
    WEEKLY = "weekly", _("Every week")
    MONTHLY = "monthly", _("Every month")


class AssignmentState(models.TextChoices):
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    CLOSED = "closed", _("Closed")


class Assignment(models.Model):
    title = models.CharField(_("title"), max_length=200)
    note = models.TextField(_("note to the learners"), blank=True, max_length=2000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="assignments_created",
        verbose_name=_("assigned by"),
    )
    teams = models.ManyToManyField("analytics.Team", related_name="assignments", blank=True, verbose_name=_("teams"))
    learners = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="assignments", blank=True, verbose_name=_("learners")
    )
    starts_at = models.DateTimeField(_("starts"))
    due_at = models.DateTimeField(_("due"))
    requirement = models.CharField(
        _("requirement"), max_length=16, choices=Requirement.choices, default=Requirement.ATTEMPTS
    )
    required_attempts = models.PositiveSmallIntegerField(_("attempts per scenario"), default=1)
    recurrence = models.CharField(_("repeats"), max_length=16, choices=Recurrence.choices, default=Recurrence.NONE)
    state = models.CharField(_("state"), max_length=16, choices=AssignmentState.choices, default=AssignmentState.ACTIVE)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    if TYPE_CHECKING:
        steps: models.Manager[AssignmentStep]

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ("-due_at", "-pk")
        indexes = [models.Index(fields=["state", "starts_at"], name="assignment_state_start_idx")]

    def __str__(self) -> str:
        return self.title


class AssignmentStep(models.Model):
    """One scenario of an assignment, in order; a watch theme may be asked to be watched too."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    scenario = models.ForeignKey(
        "scenarios.Scenario", on_delete=models.PROTECT, related_name="assignment_steps", verbose_name=_("scenario")
    )
    watch_theme = models.CharField(_("watch first"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("step")
        verbose_name_plural = _("steps")
        ordering = ("order", "pk")
        constraints = [
            models.UniqueConstraint(fields=["assignment", "scenario"], name="assignment_step_unique_scenario"),
        ]

    def __str__(self) -> str:
        return f"{self.order + 1}. {self.scenario}"


class ReminderKind(models.TextChoices):
    START = "start", _("Assignment started")
    DUE_SOON = "due_soon", _("Due in two days")
    OVERDUE = "overdue", _("Overdue")


class AssignmentReminder(models.Model):
    """One reminder e-mail sent: at most one per learner, assignment, round and kind."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="reminders")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignment_reminders_sent"
    )
    round = models.PositiveIntegerField(_("round"), default=0)
    kind = models.CharField(_("kind"), max_length=16, choices=ReminderKind.choices)
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(fields=["assignment", "user", "round", "kind"], name="assignment_reminder_once"),
        ]

    def __str__(self) -> str:
        return f"{self.assignment} · {self.get_kind_display()}"
