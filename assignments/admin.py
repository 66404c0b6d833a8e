"""The admin for assignments: trainers see and change their own, superusers every one.

The same checks as the trainer page apply to what is saved here: teams the trainer trains and
their members only, a due date after the start (within one period when it repeats), published
scenarios only, none twice.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.selectors import learners_trained_by
from analytics.selectors import teams_for_trainer
from assignments import services
from assignments.models import Assignment, AssignmentReminder, AssignmentStep
from scenarios.models import Scenario


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


class StepInline(admin.TabularInline):
    model = AssignmentStep
    extra = 1
    min_num = 1
    fields = ("order", "scenario", "watch_theme")

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "scenario":
            kwargs["queryset"] = Scenario.objects.filter(published=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class AssignmentAdminForm(forms.ModelForm):
    class Meta:
        model = Assignment
        fields = (
            "title",
            "note",
            "teams",
            "learners",
            "starts_at",
            "due_at",
            "requirement",
            "required_attempts",
            "recurrence",
            "state",
        )

    trainer: User | None = None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        spec = services.AssignmentSpec(
            title=cleaned.get("title") or "",
            steps=[],
            teams=[team.pk for team in cleaned.get("teams") or []],
            learners=[user.pk for user in cleaned.get("learners") or []],
            starts_at=cleaned.get("starts_at"),
            due_at=cleaned.get("due_at"),
            requirement=cleaned.get("requirement") or "",
            required_attempts=cleaned.get("required_attempts") or 0,
            recurrence=cleaned.get("recurrence") or "",
            note=cleaned.get("note") or "",
        )
        if self.trainer is not None:
            try:
                services.assignment_check(trainer=self.trainer, spec=spec)
            except services.NotAllowed:
                raise ValidationError(_("Only trainers can assign practice.")) from None
            except ValidationError as error:
                for name, errors in error.error_dict.items():
                    if name != "steps" and name in self.fields and name not in self.errors:
                        self.add_error(name, errors)
        return cleaned


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    form = AssignmentAdminForm
    inlines = (StepInline,)
    list_display = ("title", "state", "starts_at", "due_at", "recurrence", "requirement", "created_by")
    list_filter = ("state", "recurrence", "requirement")
    search_fields = ("title", "note")
    filter_horizontal = ("teams", "learners")
    readonly_fields = ("created_by", "created_at", "updated_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Assignment]:
        queryset = super().get_queryset(request).select_related("created_by")
        return queryset if request.user.is_superuser else queryset.filter(created_by=request.user.pk)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        form.trainer = _user(request)  # type: ignore[attr-defined]
        return form

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "teams":
            kwargs["queryset"] = teams_for_trainer(user=_user(request))
        if db_field.name == "learners":
            kwargs["queryset"] = learners_trained_by(_user(request)).order_by("username")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Assignment, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = _user(request)
        super().save_model(request, obj, form, change)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _user(request).is_trainer and super().has_module_permission(request)


@admin.register(AssignmentReminder)
class AssignmentReminderAdmin(admin.ModelAdmin):
    """What was e-mailed (read-only)."""

    list_display = ("assignment", "user", "round", "kind", "sent_at")
    list_filter = ("kind",)
    readonly_fields = ("assignment", "user", "round", "kind", "sent_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[AssignmentReminder]:
        queryset = super().get_queryset(request).select_related("assignment", "user")
        return queryset if request.user.is_superuser else queryset.filter(assignment__created_by=request.user.pk)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
