"""What a fresh checkout runs with when nothing is configured: no debug pages, no public key."""

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import jwt
import pytest
from django.conf import settings
from django.test import Client

from accounts.tests.factories import UserFactory

# The key that used to be the default in the code: anyone could read it.
PUBLIC_KEY = "dev-only-insecure-key-change-me-0123456789abcdef"


def _settings_of_a_fresh_start(config_home: Path, settings_module: str = "workplace_roleplay.settings.base") -> dict:
    clean = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    script = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps({'debug': settings.DEBUG, 'key': settings.SECRET_KEY, "
        "'jwt': settings.SIMPLE_JWT['SIGNING_KEY']}))"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter with a fixed script
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        env={**clean, "DJANGO_SETTINGS_MODULE": settings_module, "XDG_CONFIG_HOME": str(config_home)},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_it_runs_without_debug_pages_and_with_a_key_of_its_own(tmp_path: Path) -> None:
    first = _settings_of_a_fresh_start(tmp_path)
    again = _settings_of_a_fresh_start(tmp_path)

    assert first["debug"] is False
    assert first["key"] != PUBLIC_KEY and len(first["key"]) >= 50
    assert first["jwt"] == first["key"]
    key_file = tmp_path / "workplace-roleplay" / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert again["key"] == first["key"]  # every start (and every process) of one install agrees
    assert first["key"] != _settings_of_a_fresh_start(tmp_path / "other")["key"]  # another install differs


@pytest.mark.django_db
def test_it_refuses_a_token_signed_with_the_key_that_was_public(client: Client) -> None:
    user = UserFactory.create()
    forged = jwt.encode(
        {"token_type": "access", "exp": 4102444800, "iat": 1700000000, "jti": "x" * 32, "user_id": str(user.pk)},
        PUBLIC_KEY,
        algorithm="HS256",
    )

    response = client.get("/api/v1/users/me", HTTP_AUTHORIZATION=f"Bearer {forged}")

    assert response.status_code == 401


@pytest.mark.django_db
def test_a_missing_page_is_the_products_page_not_a_list_of_urls(client: Client) -> None:
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="ja")

    assert response.status_code == 404
    body = response.content.decode()
    assert "ページが見つかりません" in body
    assert "URLconf" not in body and "admin/" not in body


@pytest.mark.django_db
@pytest.mark.urls("workplace_roleplay.tests.failing_urls")
def test_a_failing_page_is_the_products_page_and_a_failing_api_call_is_json() -> None:
    client = Client(raise_request_exception=False)

    page = client.get("/broken/", HTTP_ACCEPT_LANGUAGE="en")
    api = client.get("/api/v1/broken")

    assert page.status_code == 500 and "Something went wrong" in page.content.decode()
    assert "Traceback" not in page.content.decode()
    assert api.status_code == 500 and api["Content-Type"] == "application/json"
    assert "detail" in api.json()
