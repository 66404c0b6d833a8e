import time

import pytest
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts import services
from accounts.models import DEFAULT_PREFERENCES, User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from core.cache import ResilientRedisCache
from core.net import client_ip

pytestmark = pytest.mark.django_db

STRONG = "a-long-and-unusual-passphrase"


def _fields(excinfo: pytest.ExceptionInfo[ValidationError]) -> set[str]:
    return set(excinfo.value.message_dict)


def test_it_registers_a_learner_with_a_lower_cased_email_and_default_preferences():
    user = services.user_register(username="hanako", email=" Hanako@Example.COM ", password=STRONG, display_name="花子")

    stored = User.objects.get(pk=user.pk)
    assert stored.email == "hanako@example.com"
    assert stored.display_name == "花子"
    assert stored.preferences == DEFAULT_PREFERENCES
    assert stored.check_password(STRONG)
    assert not stored.is_staff


def test_it_keeps_the_language_the_learner_signed_up_in():
    user = services.user_register(username="mary", email="mary@example.com", password=STRONG, language="en")
    other = services.user_register(username="kim", email="kim@example.com", password=STRONG, language="ko")

    assert user.language == "en"
    assert other.language == "ja"


def test_it_refuses_an_email_already_used_in_another_case():
    UserFactory.create(email="taro@example.com")

    with pytest.raises(ValidationError) as excinfo:
        services.user_register(username="taro2", email="TARO@example.com", password=STRONG)

    assert _fields(excinfo) == {"email"}
    assert excinfo.value.error_dict["email"][0].code == "unique"


def test_it_refuses_a_username_already_used_in_another_case():
    UserFactory.create(username="Taro")

    with pytest.raises(ValidationError) as excinfo:
        services.user_register(username="taro", email="new@example.com", password=STRONG)

    assert _fields(excinfo) == {"username"}


@pytest.mark.parametrize("password", ["short-1", "1234567890123", "password123", "hanako-hanako"])
def test_it_refuses_a_weak_password(password):
    with pytest.raises(ValidationError) as excinfo:
        services.user_register(username="hanako-hanako", email="h@example.com", password=password)

    assert _fields(excinfo) == {"password"}
    assert not User.objects.exists()


def test_it_reports_every_bad_field_at_once():
    with pytest.raises(ValidationError) as excinfo:
        services.user_register(username="has@sign", email="not-an-email", password="", display_name="x" * 81)

    assert _fields(excinfo) == {"username", "email", "password", "display_name"}


def test_it_updates_the_display_name_and_preferences_and_keeps_other_preferences():
    user = UserFactory.create(preferences={"language": "ja", "default_partner": "同僚", "feedback": "detailed"})

    services.user_update(user=user, display_name=" 新しい名前 ", language="en", default_partner="上司")

    user.refresh_from_db()
    assert user.display_name == "新しい名前"
    assert user.preferences == {"language": "en", "default_partner": "上司", "feedback": "detailed"}
    assert user.language == "en"


def test_it_refuses_an_unknown_language_or_partner_and_changes_nothing():
    user = UserFactory.create()

    with pytest.raises(ValidationError) as excinfo:
        services.user_update(user=user, language="fr", default_partner="社長")

    assert _fields(excinfo) == {"language", "default_partner"}
    user.refresh_from_db()
    assert user.preferences == DEFAULT_PREFERENCES


def test_it_deletes_the_account_and_revokes_its_refresh_tokens_with_the_right_password():
    user = UserFactory.create()
    services.user_tokens_create(user=user)
    services.user_tokens_create(user=user)

    services.user_delete(user=user, password=DEFAULT_PASSWORD)

    assert not User.objects.filter(username=user.username).exists()
    assert BlacklistedToken.objects.count() == OutstandingToken.objects.count() == 2


def test_it_keeps_the_account_when_the_password_is_wrong():
    user = UserFactory.create()

    with pytest.raises(ValidationError) as excinfo:
        services.user_delete(user=user, password="not-my-password")

    assert _fields(excinfo) == {"password"}
    assert User.objects.filter(pk=user.pk).exists()


# --- Log-in with lockout ------------------------------------------------------------------


def _attempt(identifier: str, password: str, ip: str = "203.0.113.5") -> User:
    return services.user_login_attempt(identifier=identifier, password=password, client_ip=ip)


def test_it_logs_in_with_the_username_or_the_email_in_any_case():
    user = UserFactory.create(username="Hanako", email="hanako@example.com")

    assert _attempt("hanako", DEFAULT_PASSWORD) == user
    assert _attempt("HANAKO@example.com", DEFAULT_PASSWORD) == user


def test_it_refuses_a_wrong_password_or_an_unknown_name():
    UserFactory.create(username="hanako")

    with pytest.raises(services.InvalidCredentialsError):
        _attempt("hanako", "wrong-password")
    with pytest.raises(services.InvalidCredentialsError):
        _attempt("nobody", DEFAULT_PASSWORD)


def test_it_locks_the_account_after_too_many_failures_even_for_the_right_password(settings):
    settings.LOGIN_MAX_FAILURES_PER_ACCOUNT = 3
    UserFactory.create(username="hanako", email="hanako@example.com")

    # Failures by username and by e-mail address count for the same account.
    for identifier in ("hanako", "hanako@example.com"):
        with pytest.raises(services.InvalidCredentialsError):
            _attempt(identifier, "wrong-password", ip=f"198.51.100.{len(identifier)}")
    with pytest.raises(services.LoginLockedError):
        _attempt("HANAKO", "wrong-password", ip="198.51.100.99")

    with pytest.raises(services.LoginLockedError) as excinfo:
        _attempt("hanako", DEFAULT_PASSWORD, ip="192.0.2.1")
    assert 0 < excinfo.value.retry_after <= settings.LOGIN_LOCKOUT_SECONDS
    assert "15" in excinfo.value.message


def test_it_lets_the_account_in_again_once_the_lockout_has_passed(settings):
    settings.LOGIN_MAX_FAILURES_PER_ACCOUNT = 1
    settings.LOGIN_LOCKOUT_SECONDS = 1
    user = UserFactory.create(username="hanako")
    with pytest.raises(services.LoginLockedError):
        _attempt("hanako", "wrong-password")

    time.sleep(1.2)

    assert _attempt("hanako", DEFAULT_PASSWORD) == user


def test_it_forgets_the_account_failures_after_a_successful_log_in(settings):
    settings.LOGIN_MAX_FAILURES_PER_ACCOUNT = 3
    UserFactory.create(username="hanako")
    for _ in range(2):
        with pytest.raises(services.InvalidCredentialsError):
            _attempt("hanako", "wrong-password")

    _attempt("hanako", DEFAULT_PASSWORD)

    for _ in range(2):
        with pytest.raises(services.InvalidCredentialsError):
            _attempt("hanako", "wrong-password")


def test_it_locks_a_client_address_that_tries_many_accounts(settings):
    settings.LOGIN_MAX_FAILURES_PER_IP = 3
    user = UserFactory.create(username="hanako")
    for name in ("a", "b", "c"):
        with pytest.raises((services.InvalidCredentialsError, services.LoginLockedError)):
            _attempt(name, "guess", ip="203.0.113.7")

    with pytest.raises(services.LoginLockedError):
        _attempt("hanako", DEFAULT_PASSWORD, ip="203.0.113.7")
    assert _attempt("hanako", DEFAULT_PASSWORD, ip="203.0.113.8") == user


def test_it_still_answers_log_ins_while_the_cache_is_unreachable(monkeypatch):
    down = ResilientRedisCache("redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 0.2}})
    monkeypatch.setattr(services, "cache", down)
    user = UserFactory.create(username="hanako")

    with pytest.raises(services.InvalidCredentialsError):
        _attempt("hanako", "wrong-password")
    assert _attempt("hanako", DEFAULT_PASSWORD) == user


# --- Client address -----------------------------------------------------------------------


def test_it_uses_remote_addr_when_no_proxy_header_is_trusted(settings):
    settings.TRUSTED_CLIENT_IP_HEADER = ""
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.10", HTTP_X_FORWARDED_FOR="10.9.9.9")

    assert client_ip(request) == "192.0.2.10"


def test_it_uses_the_address_the_trusted_proxy_appended(settings):
    settings.TRUSTED_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.20")

    assert client_ip(request) == "198.51.100.20"


def test_it_falls_back_to_remote_addr_when_the_proxy_header_is_missing_or_garbage(settings):
    settings.TRUSTED_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    factory = RequestFactory()

    assert client_ip(factory.get("/", REMOTE_ADDR="10.0.0.2")) == "10.0.0.2"
    assert client_ip(factory.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_REAL_IP="evil; DROP")) == "10.0.0.2"


# --- Demo users ---------------------------------------------------------------------------


def test_it_puts_a_demo_user_back_to_its_documented_password_and_role():
    spec = services.DEMO_USERS[1]
    UserFactory.create(username=spec.username, is_staff=False)

    user = services.demo_user_ensure(spec=spec)

    assert user.check_password(spec.password)
    assert user.is_trainer
    assert User.objects.filter(username=spec.username).count() == 1
