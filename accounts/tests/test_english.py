"""Switching the profile's language: the confirmation already speaks the language just chosen."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PROFILE = reverse("accounts:profile")


def _save(client: Client, language: str) -> str:
    data = {"display_name": "Hanako", "language": language, "default_partner": "同僚"}
    return client.post(PROFILE, data, follow=True).content.decode()


def test_saving_the_profile_in_english_confirms_in_english() -> None:
    client = Client()
    client.force_login(UserFactory.create())

    page = _save(client, "en")

    assert "Your profile has been saved." in page and "プロフィールを保存しました" not in page


def test_saving_the_profile_in_japanese_confirms_in_japanese() -> None:
    client = Client()
    client.force_login(UserFactory.create(preferences={"language": "en", "default_partner": "同僚"}))

    page = _save(client, "ja")

    assert "プロフィールを保存しました。" in page and "Your profile has been saved." not in page


def test_the_profile_names_partners_as_chat_does() -> None:
    client = Client()
    client.force_login(UserFactory.create(preferences={"language": "en", "default_partner": "同僚"}))

    page = client.get(PROFILE).content.decode()

    assert '<option value="上司">Manager</option>' in page and "Boss" not in page
