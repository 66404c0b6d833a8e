"""Writes about accounts: sign-up, profile changes, deletion, log-in with lockout, API tokens.

The log-in lockout is the product's own (two cache counters and a lock key) rather than a
library's, because each would lose something it guarantees:

- django-ratelimit counts in fixed windows: a lock would last only until its window ends
  (anything from a second to ``LOGIN_LOCKOUT_SECONDS``) instead of the full lockout from the
  failure that reached the limit, failures straddling a window boundary would never lock, and
  it has no public way to clear an account's count after a successful log-in.
- django-axes has one ``AXES_FAILURE_LIMIT`` for every lockout parameter, so the account (5)
  and the client address (20) cannot have limits of their own; it also adds its own tables,
  middleware and authentication backend (which refuses to run without the request) to do what
  the functions below do with the cache.

A failure that cannot be counted because Redis is unreachable is logged
(``login_lockout_unavailable``) and the log-in is answered all the same.
"""

import hashlib
import math
import time
from dataclasses import dataclass
from typing import Any

import structlog
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group, update_last_login
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from accounts import selectors
from accounts.models import DEFAULT_PREFERENCES, LANGUAGES, PARTNERS, TRAINER_GROUP, User, normalise_email
from core.cache import UNREACHABLE

log = structlog.get_logger(__name__)

ErrorDict = dict[str, list[ValidationError]]


# --- Sign-up, profile, deletion -----------------------------------------------------------


def _required(value: str) -> list[ValidationError]:
    return [] if value else [ValidationError(_("This field is required."), code="required")]


def _field_errors(field_name: str, value: str) -> list[ValidationError]:
    """The model field's own validators (format, length) on ``value``."""
    if missing := _required(value):
        return missing
    try:
        User._meta.get_field(field_name).run_validators(value)  # type: ignore[union-attr]
    except ValidationError as exc:
        return list(exc.error_list)
    return []


def _username_errors(username: str) -> list[ValidationError]:
    if errors := _field_errors("username", username):
        return errors
    if "@" in username:
        return [ValidationError(_("A username cannot contain “@”."), code="invalid")]
    if selectors.user_username_taken(username):
        return [ValidationError(_("This username is already taken."), code="unique")]
    return []


def _email_errors(email: str) -> list[ValidationError]:
    if errors := _field_errors("email", email):
        return errors
    if selectors.user_email_taken(email):
        return [ValidationError(_("An account with this e-mail address already exists."), code="unique")]
    return []


def _display_name_errors(display_name: str) -> list[ValidationError]:
    limit = User._meta.get_field("display_name").max_length or 80
    if len(display_name) > limit:
        message = _("Keep the display name to %(limit)d characters or fewer.")
        return [ValidationError(message, code="max_length", params={"limit": limit})]
    return []


def _password_errors(password: str, user: User) -> list[ValidationError]:
    if missing := _required(password):
        return missing
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return list(exc.error_list)
    return []


def _registration_errors(user: User, password: str) -> ErrorDict:
    errors: ErrorDict = {
        "username": _username_errors(user.username),
        "email": _email_errors(user.email),
        "display_name": _display_name_errors(user.display_name),
        "password": _password_errors(password, user),
    }
    return {field: field_errors for field, field_errors in errors.items() if field_errors}


def user_registration_check(*, username: str, email: str, password: str, display_name: str = "") -> None:
    """What :func:`user_register` would refuse, without creating anything (raises ``ValidationError``)."""
    user = User(username=username.strip(), email=normalise_email(email), display_name=display_name.strip())
    if errors := _registration_errors(user, password):
        raise ValidationError(errors)


def user_register(
    *, username: str, email: str, password: str, display_name: str = "", language: str | None = None
) -> User:
    """Create a learner account. Raises ``ValidationError`` with one entry per bad field.

    ``language`` is the language the person signed up in; it becomes their preference.
    """
    preferences = dict(DEFAULT_PREFERENCES)
    if language in LANGUAGES:
        preferences["language"] = language
    user = User(
        username=username.strip(),
        email=normalise_email(email),
        display_name=display_name.strip(),
        preferences=preferences,
    )
    if errors := _registration_errors(user, password):
        raise ValidationError(errors)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:  # a concurrent sign-up took the name or address first
        raise ValidationError(_registration_errors(user, password) or {"username": [_("Please try again.")]}) from exc
    return user


def _preference_errors(language: str | None, default_partner: str | None) -> ErrorDict:
    errors: ErrorDict = {}
    if language is not None and language not in LANGUAGES:
        errors["language"] = [ValidationError(_("Choose Japanese or English."), code="invalid_choice")]
    if default_partner is not None and default_partner not in PARTNERS:
        errors["default_partner"] = [ValidationError(_("Choose one of the listed partners."), code="invalid_choice")]
    return errors


def user_update(
    *,
    user: User,
    display_name: str | None = None,
    language: str | None = None,
    default_partner: str | None = None,
    assignment_reminders: bool | None = None,
) -> User:
    """Change the display name and preferences; ``None`` leaves a value as it is."""
    errors = _preference_errors(language, default_partner)
    if display_name is not None and (name_errors := _display_name_errors(display_name.strip())):
        errors["display_name"] = name_errors
    if errors:
        raise ValidationError(errors)
    if display_name is not None:
        user.display_name = display_name.strip()
    changes = {"language": language, "default_partner": default_partner}
    user.preferences = {**(user.preferences or {}), **{k: v for k, v in changes.items() if v is not None}}
    if assignment_reminders is not None:
        user.assignment_reminders = assignment_reminders
    user.save(update_fields=["display_name", "preferences", "assignment_reminders", "updated_at"])
    return user


def user_delete(*, user: User, password: str) -> None:
    """Delete the account and, through ``on_delete=CASCADE``, everything it owns.

    The password is asked again so a borrowed, logged-in device cannot erase the account.
    """
    if not password or not user.check_password(password):
        raise ValidationError({"password": [ValidationError(_("The password is not correct."), code="invalid")]})
    with transaction.atomic():
        user_tokens_revoke_all(user=user)
        user.delete()


def trainer_group_ensure() -> Group:
    """The group whose members may author scenarios (its permissions are granted by that app)."""
    group, _created = Group.objects.get_or_create(name=TRAINER_GROUP)
    return group


# --- API tokens ---------------------------------------------------------------------------


def user_tokens_create(*, user: User) -> dict[str, str]:
    """A new refresh/access pair for the mobile app."""
    refresh = RefreshToken.for_user(user)
    if jwt_settings.UPDATE_LAST_LOGIN:
        update_last_login(User, user)
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


class SingleUseRefreshToken(RefreshToken):
    """A refresh token that is spent once: rotating it blacklists it with one unique insert.

    Of concurrent rotations of the same token the database lets exactly one insert win; the
    others raise ``TokenError`` (401), so a token can never be forked into several."""

    def blacklist(self) -> BlacklistedToken:
        self.outstand()  # the row exists unless the token predates the blacklist
        outstanding = OutstandingToken.objects.get(jti=self[jwt_settings.JTI_CLAIM])
        try:
            with transaction.atomic():
                return BlacklistedToken.objects.create(token=outstanding)
        except IntegrityError as exc:
            raise TokenError(_("This refresh token has already been used or revoked.")) from exc


def user_token_revoke(*, refresh: str) -> None:
    """Blacklist one refresh token (log out one device). Raises ``TokenError`` if it is not valid."""
    RefreshToken(refresh).blacklist()  # type: ignore[arg-type]


def user_tokens_revoke_all(*, user: User) -> None:
    """Blacklist every refresh token issued to ``user`` (log out everywhere)."""
    outstanding = OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True)
    BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in outstanding], ignore_conflicts=True
    )


# --- Log-in with brute-force protection ---------------------------------------------------


class InvalidCredentialsError(Exception):
    """The login name or the password is wrong (deliberately not saying which)."""

    message = _("The username/e-mail address or the password is not correct.")


class LoginLockedError(Exception):
    """Too many failures for this account or this client address; try again later."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after

    @property
    def message(self) -> str:
        minutes = max(1, math.ceil(self.retry_after / 60))
        return ngettext(
            "Too many failed log-in attempts. Try again in %(minutes)d minute.",
            "Too many failed log-in attempts. Try again in %(minutes)d minutes.",
            minutes,
        ) % {"minutes": minutes}


@dataclass(frozen=True)
class _FailureCounter:
    name: str
    limit: int

    @property
    def count_key(self) -> str:
        return f"login-failures:{self.name}"

    @property
    def lock_key(self) -> str:
        return f"login-lock:{self.name}"


def _account_key(identifier: str) -> str:
    """One key per account whichever name was typed; unknown names get a key of their own."""
    user = selectors.user_get_by_login(identifier)
    subject = f"user:{user.pk}" if user is not None else f"name:{identifier.strip().lower()}"
    return hashlib.sha256(subject.encode()).hexdigest()


def _failure_counters(identifier: str, client_ip: str) -> tuple[_FailureCounter, _FailureCounter]:
    account = _FailureCounter(f"account:{_account_key(identifier)}", settings.LOGIN_MAX_FAILURES_PER_ACCOUNT)
    address = _FailureCounter(f"ip:{client_ip}", settings.LOGIN_MAX_FAILURES_PER_IP)
    return account, address


def _seconds_locked(counter: _FailureCounter) -> int:
    locked_until: Any = cache.get(counter.lock_key)
    if locked_until is None:
        return 0
    return max(0, math.ceil(float(locked_until) - time.time()))


def _raise_if_locked(counters: tuple[_FailureCounter, ...]) -> None:
    retry_after = max(_seconds_locked(counter) for counter in counters)
    if retry_after > 0:
        raise LoginLockedError(retry_after)


def _record_failure(counter: _FailureCounter) -> None:
    window = settings.LOGIN_LOCKOUT_SECONDS
    cache.add(counter.count_key, 0, window)
    try:
        failures = cache.incr(counter.count_key)
    except ValueError:  # the window ended between add() and incr()
        cache.set(counter.count_key, 1, window)
        failures = 1
    except UNREACHABLE as error:  # Redis restarting: the failure goes uncounted, the log-in is answered
        log.warning("login_lockout_unavailable", error=type(error).__name__)
        return
    if failures >= counter.limit:
        cache.set(counter.lock_key, time.time() + window, window)
        cache.delete(counter.count_key)


def user_login_attempt(*, identifier: str, password: str, client_ip: str) -> User:
    """Check a log-in, counting failures per account and per client address.

    Raises ``LoginLockedError`` while either is locked out (even for the right password) and
    ``InvalidCredentialsError`` for a wrong name or password. Success clears the account's count.
    """
    counters = _failure_counters(identifier, client_ip)
    _raise_if_locked(counters)
    user = authenticate(None, username=identifier.strip(), password=password)
    if not isinstance(user, User):
        for counter in counters:
            _record_failure(counter)
        _raise_if_locked(counters)
        raise InvalidCredentialsError()
    cache.delete(counters[0].count_key)
    return user


# --- Demo data ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoUser:
    role: str  # "learner", "trainer" or "admin"
    username: str
    password: str
    display_name: str


DEMO_USERS = (
    DemoUser("learner", "demo", "demo-learner-pass", "デモ学習者"),
    DemoUser("trainer", "trainer", "demo-trainer-pass", "デモトレーナー"),
    DemoUser("admin", "admin", "demo-admin-pass", "管理者"),
)


def demo_user_ensure(*, spec: DemoUser) -> User:
    """Create the demo user, or put an existing one back to the documented password and role."""
    user = User.objects.filter(username__iexact=spec.username).first() or User(username=spec.username)
    user.email = f"{spec.username}@demo.workplace-roleplay.local"
    user.display_name = spec.display_name
    user.preferences = {**DEFAULT_PREFERENCES, **(user.preferences or {})}
    user.is_active = True
    user.is_staff = spec.role in ("trainer", "admin")
    user.is_superuser = spec.role == "admin"
    user.set_password(spec.password)
    user.save()
    if spec.role == "trainer":
        user.groups.add(trainer_group_ensure())
    return user
