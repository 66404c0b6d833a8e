import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

STRONG = "a-long-and-unusual-passphrase"
SIGNUP, LOGIN, LOGOUT = reverse("accounts:signup"), reverse("accounts:login"), reverse("accounts:logout")
PROFILE, DELETE = reverse("accounts:profile"), reverse("accounts:delete")


@pytest.fixture
def client() -> Client:
    """A browser that prefers English, so messages can be checked in English."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def _english_user(**kwargs: object) -> User:
    """Signed-in pages follow the user's language preference; these tests read English."""
    return UserFactory.create(preferences={"language": "en", "default_partner": "同僚"}, **kwargs)


def _signup_data(**overrides: str) -> dict[str, str]:
    data = {
        "username": "hanako",
        "email": "hanako@example.com",
        "display_name": "Hanako",
        "password1": STRONG,
        "password2": STRONG,
    }
    return {**data, **overrides}


def _field_error(html: str, field: str) -> str:
    """The error text shown right after the ``field`` input (empty when there is none)."""
    match = re.search(rf'<div class="field has-error">.*?name="{field}".*?id="id_{field}_error">(.*?)</ul>', html, re.S)
    return re.sub(r"<[^>]+>", " ", match.group(1)).strip() if match else ""


def _logged_in_user_id(client: Client) -> str | None:
    return client.session.get(SESSION_KEY)


# --- Sign up ------------------------------------------------------------------------------


def test_it_signs_up_logs_in_and_greets_the_new_user_by_name(client):
    response = client.post(SIGNUP, _signup_data(), follow=True)

    user = User.objects.get(username="hanako")
    assert _logged_in_user_id(client) == str(user.pk)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert "Welcome, Hanako." in response.content.decode()


def test_it_shows_a_taken_email_next_to_the_email_field_whatever_its_case(client):
    UserFactory.create(email="hanako@example.com")

    response = client.post(SIGNUP, _signup_data(email="HANAKO@Example.com"))

    html = response.content.decode()
    assert "already exists" in _field_error(html, "email")
    assert _field_error(html, "username") == ""
    assert User.objects.count() == 1
    assert _logged_in_user_id(client) is None


def test_it_shows_a_weak_password_next_to_the_password_field(client):
    response = client.post(SIGNUP, _signup_data(password1="12345678901", password2="12345678901"))

    assert "entirely numeric" in _field_error(response.content.decode(), "password1")
    assert not User.objects.exists()


def test_it_shows_every_problem_at_once_next_to_its_field(client):
    UserFactory.create(username="Hanako")

    response = client.post(SIGNUP, _signup_data(email="not-an-email", password2=STRONG + "x"))

    html = response.content.decode()
    assert "do not match" in _field_error(html, "password2")
    assert "already taken" in _field_error(html, "username")
    assert "valid email" in _field_error(html, "email")
    assert html.count('id="id_email_error"') == 1


def test_it_answers_an_htmx_sign_up_with_the_form_alone_or_a_redirect(client):
    UserFactory.create(username="hanako")

    invalid = client.post(SIGNUP, _signup_data(), HTTP_HX_REQUEST="true")
    valid = client.post(SIGNUP, _signup_data(username="hanako2", email="h2@example.com"), HTTP_HX_REQUEST="true")

    assert invalid.content.decode().lstrip().startswith("<form")
    assert "already taken" in _field_error(invalid.content.decode(), "username")
    assert valid["HX-Redirect"] == reverse("home")


# --- Log in and out -----------------------------------------------------------------------


@pytest.mark.parametrize("identifier", ["hanako", "Hanako@Example.com"])
def test_it_logs_in_with_the_username_or_the_email(client, identifier):
    user = UserFactory.create(username="hanako", email="hanako@example.com")

    response = client.post(LOGIN, {"username": identifier, "password": DEFAULT_PASSWORD})

    assert response.status_code == 302
    assert _logged_in_user_id(client) == str(user.pk)


def test_it_says_so_when_the_password_is_wrong(client):
    UserFactory.create(username="hanako")

    response = client.post(LOGIN, {"username": "hanako", "password": "not-the-password"})

    assert "is not correct" in response.content.decode()
    assert _logged_in_user_id(client) is None


def test_it_refuses_even_the_right_password_while_the_account_is_locked(client, settings):
    settings.LOGIN_MAX_FAILURES_PER_ACCOUNT = 3
    UserFactory.create(username="hanako")
    for _ in range(3):
        client.post(LOGIN, {"username": "hanako", "password": "guess"})

    response = client.post(LOGIN, {"username": "hanako", "password": DEFAULT_PASSWORD})

    assert "Too many failed log-in attempts. Try again in 15 minutes." in response.content.decode()
    assert _logged_in_user_id(client) is None


def test_it_returns_to_a_local_next_page_but_never_to_another_site(client):
    UserFactory.create(username="hanako")
    credentials = {"username": "hanako", "password": DEFAULT_PASSWORD}

    local = client.post(f"{LOGIN}?next={PROFILE}", credentials)
    client.logout()
    foreign = client.post(LOGIN, {**credentials, "next": "https://evil.example/"})

    assert local["Location"] == PROFILE
    assert foreign["Location"] == reverse("home")


def test_it_logs_out_only_on_post(client):
    client.force_login(_english_user())

    confirm = client.get(LOGOUT)
    assert _logged_in_user_id(client) is not None
    assert "Do you want to log out?" in confirm.content.decode()

    client.post(LOGOUT)
    assert _logged_in_user_id(client) is None


# --- Profile and deletion -----------------------------------------------------------------


def test_it_sends_visitors_to_log_in_before_the_profile(client):
    response = client.get(PROFILE)

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_it_saves_the_display_name_and_preferences(client):
    user = _english_user()
    client.force_login(user)

    client.post(PROFILE, {"display_name": "Boss Trainee", "language": "en", "default_partner": "上司"})

    user.refresh_from_db()
    assert user.display_name == "Boss Trainee"
    assert user.preferences["language"] == "en" and user.preferences["default_partner"] == "上司"
    assert "Boss Trainee" in client.get(PROFILE).content.decode()


def test_it_shows_an_unknown_partner_next_to_its_field(client):
    user = _english_user()
    client.force_login(user)

    response = client.post(PROFILE, {"display_name": "x", "language": "en", "default_partner": "社長"})

    assert "Select a valid choice" in _field_error(response.content.decode(), "default_partner")
    user.refresh_from_db()
    assert user.display_name != "x"


def test_it_keeps_the_account_when_the_deletion_password_is_wrong(client):
    user = _english_user()
    client.force_login(user)

    response = client.post(DELETE, {"password": "not-the-password"})

    assert "not correct" in _field_error(response.content.decode(), "password")
    assert User.objects.filter(pk=user.pk).exists()


def test_it_deletes_the_account_and_logs_out_with_the_right_password(client):
    user = _english_user()
    client.force_login(user)

    response = client.post(DELETE, {"password": DEFAULT_PASSWORD}, follow=True)

    assert not User.objects.filter(pk=user.pk).exists()
    assert _logged_in_user_id(client) is None
    assert "Your account and all its data have been deleted." in response.content.decode()
