"""Browser-test steps about accounts, shared by every app's browser tests."""

from typing import Any

from accounts.tests.factories import DEFAULT_PASSWORD


def log_in(page: Any, username: str, home: str) -> None:
    """Sign ``username`` in (password ``DEFAULT_PASSWORD``) on the log-in page; wait for the home page at ``home``."""
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEFAULT_PASSWORD)
    page.get_by_role("button", name="ログイン", exact=True).click()
    page.wait_for_url(f"{home}/")
