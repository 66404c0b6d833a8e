"""Page forms. They check the shape of the input; the services decide the rest."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.models import LANGUAGE_CHOICES, PARTNER_CHOICES, User


def _password_input(autocomplete: str) -> forms.PasswordInput:
    return forms.PasswordInput(attrs={"autocomplete": autocomplete})


class SignupForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        help_text=_("Letters, digits and . + - _ only. You can log in with it or with your e-mail address."),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    email = forms.EmailField(label=_("E-mail address"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=80,
        required=False,
        help_text=_("Shown on your pages and to your AI partner. Your username is used when empty."),
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        help_text=_("At least 10 characters, not only digits, not a common password."),
        widget=_password_input("new-password"),
    )
    password2 = forms.CharField(label=_("Password (again)"), strip=False, widget=_password_input("new-password"))

    def clean(self) -> dict[str, Any]:
        """Every problem at once: the two passwords, and what sign-up itself would refuse."""
        cleaned = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", ValidationError(_("The two passwords do not match."), code="mismatch"))
        try:
            services.user_registration_check(
                username=cleaned.get("username", ""),
                email=cleaned.get("email", ""),
                password=cleaned.get("password1", ""),
                display_name=cleaned.get("display_name", ""),
            )
        except ValidationError as exc:
            self.add_service_errors(exc)
        return cleaned

    def add_service_errors(self, error: ValidationError) -> None:
        """Show a service's field errors next to the matching inputs (once per field)."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for field, field_errors in error.error_dict.items():
            target = "password1" if field == "password" else field
            if target not in self.fields:
                self.add_error(None, field_errors)
            elif target not in self.errors:
                self.add_error(target, field_errors)


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("Username or e-mail address"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none", "autofocus": True}),
    )
    password = forms.CharField(label=_("Password"), strip=False, widget=_password_input("current-password"))


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=80,
        required=False,
        help_text=_("Your username is used when empty."),
    )
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES)
    default_partner = forms.ChoiceField(
        label=_("Default conversation partner"),
        choices=PARTNER_CHOICES,
        help_text=_("Who you usually practise with. You can still choose another partner each time."),
    )
    assignment_reminders = forms.BooleanField(
        label=_("E-mail me reminders about assigned practice"),
        required=False,
        help_text=_("When an assignment starts, two days before it is due and when it is overdue."),
    )

    @classmethod
    def for_user(cls, user: User, data: Any = None) -> "ProfileForm":
        initial = {
            "display_name": user.display_name,
            "language": user.language,
            "default_partner": user.default_partner,
            "assignment_reminders": user.assignment_reminders,
        }
        return cls(data=data, initial=initial)


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        help_text=_("Enter your password to confirm that you want to delete your account."),
        widget=_password_input("current-password"),
    )
