"""What analytics stores: one strength analysis per practice session, periodic reports, teams.

A ``StrengthAnalysis`` row is the analytics record of one ended practice session in which the
learner said something. It points at the session through the foreign key of its *source*
(``analytics.sources``): ``conversation`` for chat and scenario conversations, ``watch_session``
for stepped-in watch sessions; a further source adds its own nullable foreign key and unique
constraint. The row keeps a snapshot
of the session (when, how long, title, link, scenario) so progress, reports and team figures
are aggregated from this one table whatever the source.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class AnalysisStatus(models.TextChoices):
    PENDING = "pending", _("Analysing")
    DONE = "done", _("Analysed")
    FAILED = "failed", _("Analysis failed")


class StrengthAnalysis(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="strength_analyses", verbose_name=_("learner")
    )
    source = models.CharField(_("session kind"), max_length=32, default="conversation")
    conversation = models.ForeignKey(
        "conversations.Conversation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="strength_analyses",
        verbose_name=_("conversation"),
    )
    watch_session = models.ForeignKey(
        "watch.WatchSession",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="strength_analyses",
        verbose_name=_("watch session"),
    )
    mode = models.CharField(_("mode"), max_length=16, blank=True)
    session_title = models.CharField(_("session title"), max_length=200, blank=True)
    session_url = models.CharField(_("session link"), max_length=300, blank=True)
    session_started_at = models.DateTimeField(_("session started at"))
    session_ended_at = models.DateTimeField(_("session ended at"), null=True, blank=True)
    duration_seconds = models.PositiveIntegerField(_("practice time (seconds)"), default=0)
    scenario = models.ForeignKey(
        "scenarios.Scenario",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="strength_analyses",
        verbose_name=_("scenario"),
    )
    # {"empathy": {"score": 72, "evidence": ["the learner's own line", ...]}, ...}
    scores = models.JSONField(_("scores"), default=dict, blank=True)
    # [{"axis": "empathy", "reason": "...", "quote": "the learner's own line"}, ...]
    top_strengths = models.JSONField(_("top strengths"), default=list, blank=True)
    feedback = models.TextField(_("feedback"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=AnalysisStatus.choices, default=AnalysisStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.CharField(_("error"), max_length=500, blank=True)
    metadata = models.JSONField(_("call details"), default=dict, blank=True)
    analyzed_at = models.DateTimeField(_("analysed at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("strength analysis")
        verbose_name_plural = _("strength analyses")
        indexes = [
            models.Index(fields=["user", "-analyzed_at"], name="analysis_user_analyzed_idx"),
            models.Index(fields=["user", "session_started_at"], name="analysis_user_started_idx"),
            models.Index(fields=["session_started_at"], name="analysis_started_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation"], condition=Q(conversation__isnull=False), name="analysis_unique_conversation"
            ),
            models.UniqueConstraint(
                fields=["watch_session"], condition=Q(watch_session__isnull=False), name="analysis_unique_watch_session"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session_title or self.source} ({self.get_status_display()})"


class ReportKind(models.TextChoices):
    WEEKLY = "weekly", _("Weekly summary")
    MONTHLY = "monthly", _("Monthly report")


class Report(models.Model):
    """A learner's weekly or monthly report: figures in ``data``, the rendered page in storage."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="analytics_reports", verbose_name=_("learner")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ReportKind.choices)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to (exclusive)"))
    data = models.JSONField(_("figures"), default=dict)
    file = models.CharField(_("stored file"), max_length=300, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ("-period_start", "kind")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "period_start"], name="report_unique_user_kind_period")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period_start:%Y-%m-%d}"


class Team(models.Model):
    """A group of learners and the trainers who may see the group's aggregate figures."""

    name = models.CharField(_("name"), max_length=100)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="analytics_teams", blank=True, verbose_name=_("members")
    )
    trainers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="trained_teams", blank=True, verbose_name=_("trainers")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name
