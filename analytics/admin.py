"""Teams (for trainers and superusers); analyses and reports (read-only, superusers only)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from analytics.models import Report, StrengthAnalysis, Team


def _is_trainer(request: HttpRequest) -> bool:
    return bool(getattr(request.user, "is_trainer", False))


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    """Trainers manage the teams they train (and create new ones); superusers manage every team."""

    list_display = ("name", "member_count", "trainer_count", "created_at")
    search_fields = ("name",)
    filter_horizontal = ("members", "trainers")

    @admin.display(description=_("members"), ordering="member_total")
    def member_count(self, team: Any) -> int:
        return int(team.member_total)

    @admin.display(description=_("trainers"), ordering="trainer_total")
    def trainer_count(self, team: Any) -> int:
        return int(team.trainer_total)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Team]:
        queryset = (
            super()
            .get_queryset(request)
            .annotate(member_total=Count("members", distinct=True), trainer_total=Count("trainers", distinct=True))
        )
        return queryset if request.user.is_superuser else queryset.filter(trainers=request.user.pk)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        if not request.user.is_superuser:  # a trainer never loses sight of a team they edit
            form.instance.trainers.add(request.user.pk)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_trainer(request) and super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_trainer(request) and super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _is_trainer(request) and super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_trainer(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_trainer(request) and super().has_delete_permission(request, obj)


class SuperuserReadOnlyAdmin(admin.ModelAdmin):
    """Individual learners' records: superusers may look, nobody edits them here."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)


@admin.register(StrengthAnalysis)
class StrengthAnalysisAdmin(SuperuserReadOnlyAdmin):
    list_display = ("session_title", "user", "mode", "status", "attempts", "session_started_at", "analyzed_at")
    list_filter = ("status", "mode", "source")
    search_fields = ("session_title", "user__username", "user__email")
    date_hierarchy = "session_started_at"
    list_select_related = ("user",)


@admin.register(Report)
class ReportAdmin(SuperuserReadOnlyAdmin):
    list_display = ("user", "kind", "period_start", "period_end", "emailed_at", "updated_at")
    list_filter = ("kind", "period_start")
    search_fields = ("user__username", "user__email")
    list_select_related = ("user",)
