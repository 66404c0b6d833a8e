"""Teams (set up by superusers, seen by their trainers); analyses and reports (read-only, superusers only)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.selectors import trainer_candidates
from analytics.models import Report, StrengthAnalysis, Team


def _is_trainer(request: HttpRequest) -> bool:
    return bool(getattr(request.user, "is_trainer", False))


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    """Superusers set up teams (name, members, trainers); a trainer may look at the teams they
    train, never change who is in them (otherwise a "team" of one learner would show that
    learner's own scores)."""

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

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "trainers":
            kwargs["queryset"] = trainer_candidates()
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_trainer(request) and super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_trainer(request) and super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)


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
