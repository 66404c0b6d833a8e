"""User administration for HR and trainers."""

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts import selectors
from accounts.models import User, normalise_email


def _unique_email(form: forms.ModelForm, exclude: User | None) -> str:
    email = normalise_email(form.cleaned_data.get("email", ""))
    if selectors.user_email_taken(email, exclude=exclude):
        raise ValidationError(_("An account with this e-mail address already exists."), code="unique")
    return email


class UserCreationAdminForm(AdminUserCreationForm):
    def clean_email(self) -> str:
        return _unique_email(self, exclude=None)


class UserChangeAdminForm(UserChangeForm):
    def clean_email(self) -> str:
        return _unique_email(self, exclude=self.instance)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserChangeAdminForm
    add_form = UserCreationAdminForm
    list_display = ("username", "email", "display_name", "is_staff", "created_at", "last_login")
    list_filter = ("is_staff", "is_superuser", "is_active", "groups")
    search_fields = ("username", "email", "display_name")
    ordering = ("-created_at",)
    readonly_fields = ("created_at", "updated_at", "last_login", "date_joined")
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (_("Profile"), {"fields": ("display_name", "preferences", "created_at", "updated_at")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "email", "display_name", "usable_password", "password1", "password2"),
            },
        ),
    )

    def get_search_results(self, request: Any, queryset: Any, search_term: str) -> Any:
        return super().get_search_results(request, queryset, search_term.strip())
