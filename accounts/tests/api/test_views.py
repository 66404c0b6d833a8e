import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.urls import reverse
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from accounts.models import User
from accounts.selectors import PracticeHistoryItem, register_history_provider, unregister_history_provider
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

STRONG = "a-long-and-unusual-passphrase"
REGISTER, LOGIN = reverse("auth-register"), reverse("auth-login")
REFRESH, LOGOUT = reverse("auth-refresh"), reverse("auth-logout")
ME, HISTORY = reverse("users-me"), reverse("users-me-history")


@pytest.fixture
def api() -> APIClient:
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


def _login(api: APIClient, username: str, password: str = DEFAULT_PASSWORD, **extra: Any):
    return api.post(LOGIN, {"username": username, "password": password}, format="json", **extra)


def _authorise(api: APIClient, user: User) -> dict[str, str]:
    tokens = _login(api, user.username).json()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    return tokens


# --- Register and log in ------------------------------------------------------------------


def test_it_registers_and_returns_the_user_with_working_tokens(api):
    body = {"username": "hanako", "email": "Hanako@Example.com", "password": STRONG, "display_name": "花子"}

    response = api.post(REGISTER, body, format="json")

    assert response.status_code == 201
    data = response.json()
    assert data["user"]["email"] == "hanako@example.com"
    assert data["user"]["preferences"] == {"language": "en", "default_partner": "同僚"}
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {data['access']}")
    assert api.get(ME).json()["username"] == "hanako"


def test_it_registers_a_japanese_account_when_the_app_asks_for_no_language():
    body = {"username": "hanako", "email": "hanako@example.com", "password": STRONG}

    response = APIClient().post(REGISTER, body, format="json")

    assert response.json()["user"]["preferences"]["language"] == "ja"


def test_it_refuses_a_duplicate_email_with_a_field_error(api):
    UserFactory.create(email="hanako@example.com")

    response = api.post(
        REGISTER, {"username": "other", "email": "HANAKO@example.com", "password": STRONG}, format="json"
    )

    assert response.status_code == 400
    assert set(response.json()) == {"email"}


def test_it_refuses_a_weak_password_with_a_field_error(api):
    response = api.post(REGISTER, {"username": "hanako", "email": "h@example.com", "password": "short"}, format="json")

    assert response.status_code == 400
    assert "too short" in response.json()["password"][0]
    assert not User.objects.exists()


def test_it_lists_every_missing_field(api):
    response = api.post(REGISTER, {}, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"username", "email", "password"}


def test_it_answers_malformed_json_with_a_400(api):
    response = api.post(REGISTER, "{not json", content_type="application/json")

    assert response.status_code == 400
    assert "detail" in response.json()


@pytest.mark.parametrize("identifier", ["hanako", "HANAKO@example.com"])
def test_it_logs_in_with_the_username_or_the_email(api, identifier):
    UserFactory.create(username="hanako", email="hanako@example.com")

    response = _login(api, identifier)

    assert response.status_code == 200
    assert {"access", "refresh", "user"} <= set(response.json())
    assert response.json()["user"]["username"] == "hanako"


def test_it_refuses_a_wrong_password_with_a_clear_401(api):
    UserFactory.create(username="hanako")

    response = _login(api, "hanako", "not-the-password")

    assert response.status_code == 401
    assert response.json()["detail"] == "The username/e-mail address or the password is not correct."


def test_it_locks_an_account_with_429_and_retry_after_even_for_the_right_password(api, settings):
    settings.LOGIN_MAX_FAILURES_PER_ACCOUNT = 3
    UserFactory.create(username="hanako")
    statuses = [_login(api, "hanako", "guess").status_code for _ in range(3)]

    response = _login(api, "hanako")

    assert statuses == [401, 401, 429]
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= settings.LOGIN_LOCKOUT_SECONDS
    assert "Too many failed log-in attempts" in response.json()["detail"]


def test_it_locks_a_client_address_behind_the_trusted_proxy(api, settings):
    settings.LOGIN_MAX_FAILURES_PER_IP = 3
    settings.TRUSTED_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    UserFactory.create(username="hanako")
    attacker = {"HTTP_X_FORWARDED_FOR": "198.51.100.66"}
    for name in ("a", "b", "c"):
        _login(api, name, "guess", **attacker)

    locked = _login(api, "hanako", **attacker)
    elsewhere = _login(api, "hanako", HTTP_X_FORWARDED_FOR="198.51.100.67")

    assert locked.status_code == 429 and int(locked["Retry-After"]) > 0
    assert elsewhere.status_code == 200


# --- Tokens -------------------------------------------------------------------------------


def test_it_rotates_the_refresh_token_and_rejects_the_old_one(api):
    tokens = _login(api, UserFactory.create().username).json()

    rotated = api.post(REFRESH, {"refresh": tokens["refresh"]}, format="json")
    replay = api.post(REFRESH, {"refresh": tokens["refresh"]}, format="json")

    assert rotated.status_code == 200
    assert rotated.json()["refresh"] != tokens["refresh"]
    assert replay.status_code == 401
    again = api.post(REFRESH, {"refresh": rotated.json()["refresh"]}, format="json")
    assert again.status_code == 200


def test_it_rejects_the_refresh_token_after_logout(api):
    tokens = _login(api, UserFactory.create().username).json()

    logout = api.post(LOGOUT, {"refresh": tokens["refresh"]}, format="json")
    refresh = api.post(REFRESH, {"refresh": tokens["refresh"]}, format="json")

    assert logout.status_code == 204
    assert refresh.status_code == 401


def test_it_answers_a_logout_without_a_valid_refresh_token(api):
    assert api.post(LOGOUT, {}, format="json").status_code == 400
    assert api.post(LOGOUT, {"refresh": "garbage"}, format="json").status_code == 401


@pytest.mark.parametrize("blank", ["\t", " ", "\u3000"])
def test_a_refresh_token_of_blank_characters_is_an_invalid_token(api, blank):
    # A token is taken as sent: blank characters are not trimmed into a missing field.
    assert api.post(REFRESH, {"refresh": blank}, format="json").status_code == 401
    assert api.post(LOGOUT, {"refresh": blank}, format="json").status_code == 401


def test_it_rejects_a_missing_garbled_or_expired_access_token(api):
    user = UserFactory.create()
    expired = AccessToken.for_user(user)
    expired.set_exp(from_time=datetime.now(tz=UTC), lifetime=-timedelta(minutes=1))

    assert api.get(ME).status_code == 401
    api.credentials(HTTP_AUTHORIZATION="Bearer garbage")
    assert api.get(ME).status_code == 401
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {expired}")
    response = api.get(ME)
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


# --- users/me -----------------------------------------------------------------------------


def test_it_changes_the_display_name_and_one_preference_with_patch(api):
    user = UserFactory.create()
    _authorise(api, user)

    response = api.patch(ME, {"display_name": "花子", "preferences": {"language": "en"}}, format="json")

    assert response.status_code == 200
    assert response.json()["preferences"] == {"language": "en", "default_partner": "同僚"}
    user.refresh_from_db()
    assert user.display_name == "花子" and user.language == "en"


def test_it_replaces_the_profile_with_put_and_ignores_read_only_fields(api):
    user = UserFactory.create(email="mine@example.com")
    _authorise(api, user)
    body = {
        "display_name": "新人",
        "preferences": {"language": "ja", "default_partner": "取引先"},
        "email": "hijack@example.com",
        "is_trainer": True,
    }

    response = api.put(ME, body, format="json")

    assert response.status_code == 200
    user.refresh_from_db()
    assert user.default_partner == "取引先"
    assert user.email == "mine@example.com" and not user.is_staff


def test_it_refuses_an_unknown_preference_value_with_a_field_error(api):
    _authorise(api, UserFactory.create())

    response = api.patch(ME, {"preferences": {"language": "fr"}}, format="json")

    assert response.status_code == 400
    assert "language" in response.json()["preferences"]


def test_it_deletes_the_account_only_with_the_password(api):
    user = UserFactory.create()
    tokens = _authorise(api, user)

    missing = api.delete(ME, {}, format="json")
    wrong = api.delete(ME, {"password": "not-the-password"}, format="json")
    assert (missing.status_code, wrong.status_code) == (400, 400)
    assert "password" in wrong.json()

    deleted = api.delete(ME, {"password": DEFAULT_PASSWORD}, format="json")

    assert deleted.status_code == 204
    assert not User.objects.filter(pk=user.pk).exists()
    assert api.get(ME).status_code == 401
    assert api.post(REFRESH, {"refresh": tokens["refresh"]}, format="json").status_code == 401


def test_it_never_shows_or_deletes_another_users_account(api):
    me, other = UserFactory.create(), UserFactory.create()
    _authorise(api, me)

    assert api.get(ME, {"id": str(other.pk)}).json()["id"] == str(me.pk)
    assert api.patch(ME, {"id": str(other.pk), "display_name": "x"}, format="json").json()["id"] == str(me.pk)
    for path in (f"/api/v1/users/{other.pk}", f"/api/v1/users/{other.pk}/history"):
        for method in (api.get, api.delete, api.patch):
            response = method(path, {"password": DEFAULT_PASSWORD}, format="json")
            assert response.status_code == 404
            assert response["Content-Type"] == "application/json"
    other.refresh_from_db()
    assert other.display_name != "x"


# --- History ------------------------------------------------------------------------------


def test_it_has_an_empty_paginated_history_to_begin_with(api):
    _authorise(api, UserFactory.create())

    response = api.get(HISTORY)

    assert response.status_code == 200
    assert response.json() == {"count": 0, "next": None, "previous": None, "results": []}


def test_it_pages_the_history_other_apps_provide_for_the_caller_only(api):
    me, other = UserFactory.create(), UserFactory.create()

    def provider(user):
        start = datetime(2026, 1, 1, tzinfo=UTC)
        count = 3 if user == me else 1
        return [PracticeHistoryItem("chat", f"{user.pk}-{n}", f"#{n}", start + timedelta(days=n)) for n in range(count)]

    register_history_provider(provider)
    try:
        _authorise(api, me)
        first = api.get(HISTORY, {"page_size": 2}).json()
        second = api.get(first["next"]).json()
        _authorise(api, other)
        others = api.get(HISTORY).json()
    finally:
        unregister_history_provider(provider)

    assert first["count"] == 3
    assert [item["title"] for item in first["results"] + second["results"]] == ["#2", "#1", "#0"]
    assert first["results"][0]["kind"] == "chat"
    assert [item["id"] for item in others["results"]] == [f"{other.pk}-0"]


# --- Limits and documentation -------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "authorised"), [("post", REGISTER, False), ("post", LOGIN, False), ("patch", ME, True)]
)
def test_it_refuses_an_oversized_body_with_json_not_a_crash(api, method, path, authorised):
    if authorised:  # a signed-in caller is answered in their profile's language
        _authorise(api, UserFactory.create(preferences={"language": "en"}))
    body = json.dumps({"username": "x" * (1024 * 1024), "display_name": "x"})

    response = getattr(api, method)(path, body, content_type="application/json")

    assert response.status_code == 413
    assert response.json()["detail"] == "The request body is too large."


def test_it_publishes_a_valid_openapi_schema_with_the_auth_paths(api):
    response = api.get("/api/v1/schema/", {"format": "json"})

    assert response.status_code == 200
    schema = json.loads(response.content)
    validate_schema(schema)
    assert {"/api/v1/auth/register", "/api/v1/auth/login", "/api/v1/auth/refresh", "/api/v1/auth/logout"} <= set(
        schema["paths"]
    )
    assert {"get", "put", "patch", "delete"} <= set(schema["paths"]["/api/v1/users/me"])
    assert "429" in schema["paths"]["/api/v1/auth/login"]["post"]["responses"]


def test_it_serves_the_api_docs_from_local_static_files(api):
    response = api.get("/api/v1/docs/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn." not in html and "unpkg" not in html
