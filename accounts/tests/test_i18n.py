import pytest
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

HOME, LOGIN, PROFILE = reverse("home"), reverse("accounts:login"), reverse("accounts:profile")


def test_it_shows_pages_in_japanese_by_default():
    home = Client().get(HOME).content.decode()
    login = Client().get(LOGIN).content.decode()

    assert '<html lang="ja">' in home
    assert "職場の難しい会話を、安心してリハーサル。" in home
    assert "ユーザー名またはメールアドレス" in login and ">ログイン</button>" in login


def test_it_names_each_language_in_that_language_in_the_switcher():
    home = Client().get(HOME).content.decode()

    assert '<option value="ja" selected>日本語</option><option value="en">English</option>' in home


def test_it_shows_form_errors_in_japanese_by_default():
    UserFactory.create(username="hanako")
    client = Client()
    for _ in range(5):
        client.post(LOGIN, {"username": "hanako", "password": "guess"})

    response = client.post(LOGIN, {"username": "hanako", "password": DEFAULT_PASSWORD})

    assert (
        "ログインの失敗が続いたため、一時的にロックしています。15分後にもう一度お試しください。"
        in response.content.decode()
    )


def test_it_switches_to_english_once_the_user_picks_english_on_the_profile():
    user = UserFactory.create(display_name="Hanako")
    client = Client()
    client.force_login(user)
    assert "ようこそ、Hanakoさん。" in client.get(HOME).content.decode()

    client.post(PROFILE, {"display_name": "Hanako", "language": "en", "default_partner": "同僚"})

    home = client.get(HOME).content.decode()
    assert '<html lang="en">' in home
    assert "Welcome, Hanako." in home and "Rehearse hard workplace conversations, safely." in home


def test_it_remembers_the_language_picked_in_the_header_switcher():
    user = UserFactory.create()
    client = Client()
    client.force_login(user)

    client.post(reverse("set_language"), {"language": "en", "next": HOME})

    user.refresh_from_db()
    assert user.language == "en"
    assert "Log out" in client.get(HOME).content.decode()
    client.post(reverse("set_language"), {"language": "ja", "next": HOME})
    assert "ログアウト" in client.get(HOME).content.decode()
