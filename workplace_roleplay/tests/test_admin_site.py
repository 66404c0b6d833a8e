"""The admin as HR and trainers see it: the product's name, Django's own wording for its actions."""

from typing import Any

import pytest
from django.test import Client

from accounts.tests.factories import UserFactory
from analytics.tests.factories import StrengthAnalysisFactory

pytestmark = pytest.mark.django_db


def _client(user: Any, language: str = "ja") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def _superuser(language: str = "ja") -> Any:
    return UserFactory(is_superuser=True, is_staff=True, preferences={"language": language, "default_partner": "同僚"})


def test_it_says_change_as_django_admin_does_and_the_progress_page_keeps_its_own_wording() -> None:
    superuser = _superuser()
    StrengthAnalysisFactory(user=superuser)
    client = _client(superuser)

    admin_index = client.get("/admin/").content.decode()
    user_list = client.get("/admin/accounts/user/").content.decode()
    progress = client.get("/progress/").content.decode()

    assert ">変更<" in admin_index and "変化" not in admin_index
    assert "変化" not in user_list
    assert ">変化</th>" in progress


def test_it_brands_the_admin_with_the_product_name_in_the_users_language() -> None:
    japanese = _client(_superuser()).get("/admin/").content.decode()
    english = _client(_superuser("en"), "en").get("/admin/").content.decode()

    assert "Workplace Roleplay 管理" in japanese and "Django" not in japanese
    assert "Workplace Roleplay administration" in english and "Django administration" not in english
