"""The product's user: UUID key, unique e-mail and username, preferences."""

import uuid
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

TRAINER_GROUP = "trainer"
LANGUAGES = ("ja", "en")
# The conversation partners a learner can pick by default. The stored value is the Japanese
# word the prompts use; the label is what the page shows in the reader's language.
PARTNER_CHOICES: tuple[tuple[str, Any], ...] = (
    ("同僚", _("Colleague")),
    ("先輩", _("Senior colleague")),
    ("上司", _("Manager")),
    ("後輩", _("Junior colleague")),
    ("取引先", _("Client")),
)
PARTNERS = tuple(value for value, _label in PARTNER_CHOICES)
LANGUAGE_CHOICES: tuple[tuple[str, str], ...] = (("ja", "日本語"), ("en", "English"))
DEFAULT_PREFERENCES: dict[str, Any] = {"language": "ja", "default_partner": "同僚"}


def normalise_email(email: str) -> str:
    """Trimmed and lower-cased, so one address is one account whatever its spelling."""
    return (email or "").strip().lower()


class AccountManager(UserManager["User"]):
    def get_by_natural_key(self, username: str | None) -> "User":
        """Log in with a username or an e-mail address, case-insensitively."""
        value = (username or "").strip()
        if "@" in value:
            return self.get(email=normalise_email(value))
        return self.get(username__iexact=value)


class User(AbstractUser):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField("email address", unique=True)
    display_name = models.CharField(max_length=80, blank=True)
    preferences = models.JSONField(default=dict, blank=True)
    assignment_reminders = models.BooleanField(
        _("assignment reminders"), default=True, help_text=_("E-mail reminders about assigned practice.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects: ClassVar[AccountManager] = AccountManager()  # type: ignore[assignment]

    REQUIRED_FIELDS = ["email"]

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("username"), name="accounts_user_username_ci_unique"),
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.email = normalise_email(self.email)
        super().save(*args, **kwargs)

    @property
    def language(self) -> str:
        value = (self.preferences or {}).get("language", "ja")
        return value if value in LANGUAGES else "ja"

    @property
    def default_partner(self) -> str:
        value = (self.preferences or {}).get("default_partner", DEFAULT_PREFERENCES["default_partner"])
        return value if value in PARTNERS else DEFAULT_PREFERENCES["default_partner"]

    @property
    def name(self) -> str:
        return self.display_name or self.username

    @property
    def is_trainer(self) -> bool:
        return self.is_superuser or (self.is_staff and self.groups.filter(name=TRAINER_GROUP).exists())
