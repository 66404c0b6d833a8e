"""API shapes for accounts. Validation beyond the shape happens in ``accounts.services``."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.fields import get_error_detail
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.serializers import TokenRefreshSerializer

from accounts.models import LANGUAGES, PARTNER_CHOICES, User
from accounts.services import SingleUseRefreshToken
from core.api import TextField


def as_drf_error(error: DjangoValidationError) -> serializers.ValidationError:
    """A service's ``ValidationError`` as DRF's, keeping field names and codes."""
    return serializers.ValidationError(get_error_detail(error))


class PreferencesSerializer(serializers.Serializer):
    language = serializers.ChoiceField(choices=LANGUAGES, help_text="Language of pages and feedback.")
    default_partner = serializers.ChoiceField(
        choices=[value for value, _label in PARTNER_CHOICES],
        help_text="Partner chosen by default: 同僚, 先輩, 上司, 後輩 or 取引先.",
    )


class UserSerializer(serializers.ModelSerializer):
    """The signed-in user. Only ``display_name`` and ``preferences`` can be changed."""

    display_name = TextField(max_length=80, required=False, allow_blank=True)
    preferences = PreferencesSerializer(source="*")
    is_trainer = serializers.BooleanField(read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "email", "display_name", "preferences", "is_trainer", "created_at"]
        read_only_fields = ["id", "username", "email", "is_trainer", "created_at"]


class PreferencesPatchSerializer(serializers.Serializer):
    language = serializers.ChoiceField(choices=LANGUAGES, required=False, help_text="Language of pages and feedback.")
    default_partner = serializers.ChoiceField(
        choices=[value for value, _label in PARTNER_CHOICES], required=False, help_text="Partner chosen by default."
    )


class UserPatchSerializer(UserSerializer):
    """What a PATCH may send: any of the fields, and either preference alone."""

    preferences = PreferencesPatchSerializer(source="*", required=False)  # type: ignore[assignment]


class RegisterSerializer(serializers.Serializer):
    username = TextField(max_length=150)
    email = serializers.EmailField()
    password = TextField(write_only=True, style={"input_type": "password"}, trim_whitespace=False)
    display_name = TextField(max_length=80, required=False, allow_blank=True, default="")


class LoginSerializer(serializers.Serializer):
    username = TextField(max_length=254, help_text="Username or e-mail address.")
    password = TextField(write_only=True, style={"input_type": "password"}, trim_whitespace=False)


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField(help_text="Short-lived; send it as `Authorization: Bearer <access>`.")
    refresh = serializers.CharField(help_text="Long-lived; exchange it at auth/refresh, revoke it at auth/logout.")
    user = UserSerializer()


class RefreshSerializer(TokenRefreshSerializer):
    """simplejwt's refresh with rotation; a token of a deleted account is simply invalid.

    The token sent is spent atomically: of concurrent refreshes with it only one succeeds."""

    token_class = SingleUseRefreshToken

    refresh = TextField(trim_whitespace=False)  # blank characters are an invalid token, not a missing one

    def validate(self, attrs: dict[str, Any]) -> dict[str, str]:
        try:
            return super().validate(attrs)
        except User.DoesNotExist as exc:
            raise InvalidToken(str(_("The account of this token no longer exists."))) from exc


class RefreshTokenSerializer(serializers.Serializer):
    refresh = TextField(help_text="The refresh token to revoke.", trim_whitespace=False)


class TokenRotationSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField(help_text="The new refresh token; the one sent is now revoked.")


class PasswordSerializer(serializers.Serializer):
    password = TextField(write_only=True, style={"input_type": "password"}, trim_whitespace=False)


class PracticeHistoryItemSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="chat, scenario, watch, ...")
    id = serializers.CharField()
    title = serializers.CharField()
    started_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    url = serializers.CharField(allow_blank=True)
    analysis_status = serializers.CharField(
        allow_blank=True, help_text="Strength analysis: pending, done or failed; empty when not analysed"
    )
