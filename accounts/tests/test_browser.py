"""The account pages in a real browser, against the real ASGI app."""

import re

import pytest

from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.browser

PASSWORD = "a-long-and-unusual-passphrase"


def _submit_login(page, username: str, password: str) -> None:
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.get_by_role("button", name="ログイン", exact=True).click()


def test_it_signs_up_logs_out_and_logs_back_in_to_a_personal_home_page(browser_page, live_asgi_server):
    page = browser_page
    page.goto("/accounts/signup/")
    page.fill("#id_username", "hanako")
    page.fill("#id_email", "hanako@example.com")
    page.fill("#id_display_name", "花子")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.get_by_role("button", name="アカウントを作成する").click()

    page.wait_for_url(f"{live_asgi_server.url}/")
    assert page.get_by_text("ようこそ、花子さん。").is_visible()
    assert User.objects.get(username="hanako").language == "ja"

    page.get_by_role("button", name="ログアウト").click()
    page.wait_for_url(f"{live_asgi_server.url}/")
    assert page.get_by_role("link", name="ログイン", exact=True).first.is_visible()
    assert page.get_by_text("ようこそ、花子さん。").count() == 0

    page.goto("/accounts/login/")
    _submit_login(page, "hanako@example.com", "not-the-password")
    error = page.locator(".form-errors")
    error.wait_for()
    assert "正しくありません" in error.inner_text()
    assert page.url == f"{live_asgi_server.url}/accounts/login/"  # HTMX swapped the form in place

    _submit_login(page, "hanako", PASSWORD)
    page.wait_for_url(f"{live_asgi_server.url}/")
    assert page.get_by_text("ようこそ、花子さん。").is_visible()
    assert page.locator(".nav-user").inner_text() == "花子"


def test_it_shows_sign_up_errors_next_to_the_field_without_leaving_the_page(browser_page):
    UserFactory.create(email="taken@example.com")
    page = browser_page
    page.goto("/accounts/signup/")
    page.fill("#id_username", "newcomer")
    page.fill("#id_email", "TAKEN@example.com")
    page.fill("#id_password1", "1234567890")
    page.fill("#id_password2", "1234567890")
    page.get_by_role("button", name="アカウントを作成する").click()

    page.locator("#id_email_error").wait_for()
    assert "すでに存在します" in page.locator("#id_email_error").inner_text()
    assert page.locator("#id_password1_error").is_visible()
    assert page.locator("#id_email").get_attribute("aria-invalid") == "true"
    assert not User.objects.filter(username="newcomer").exists()


def test_it_renders_the_api_docs_without_any_outside_server(browser_page, live_asgi_server):
    page = browser_page
    outside: list[str] = []

    def only_local(route):
        if route.request.url.startswith(live_asgi_server.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_local)
    page.goto("/api/v1/docs/")

    page.locator(".opblock").first.wait_for()
    assert page.get_by_text(re.compile(r"/api/v1/auth/login")).count() >= 1
    assert outside == []


def test_it_logs_in_a_factory_user(browser_page, live_asgi_server):
    UserFactory.create(username="taro", display_name="太郎")
    page = browser_page
    page.goto("/accounts/login/?next=/accounts/profile/")
    _submit_login(page, "taro", DEFAULT_PASSWORD)

    page.wait_for_url(f"{live_asgi_server.url}/accounts/profile/")
    assert page.locator("#id_display_name").input_value() == "太郎"
