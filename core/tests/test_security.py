"""Security headers, the Content-Security-Policy, request size limits, WebSocket origins."""

from typing import Any

import pytest
from channels.testing import WebsocketCommunicator
from django.test import Client
from rest_framework_simplejwt.tokens import AccessToken

from accounts.tests.factories import UserFactory
from conversations.tests.factories import ConversationFactory
from workplace_roleplay.asgi import application


def _csp(response: Any) -> dict[str, list[str]]:
    directives = [part.strip().split() for part in response["Content-Security-Policy"].split(";") if part.strip()]
    return {name: values for name, *values in directives}


@pytest.mark.django_db
def test_pages_forbid_inline_scripts_and_styles_and_allow_the_own_socket(client: Client) -> None:
    policy = _csp(client.get("/accounts/login/", HTTP_HOST="testserver"))
    assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
    assert policy["connect-src"] == ["'self'", "ws://testserver", "wss://testserver"]
    assert policy["frame-ancestors"] == ["'none'"] and policy["object-src"] == ["'none'"]


@pytest.mark.django_db
def test_pages_are_not_framed_and_keep_referrers_and_cookies_private(client: Client) -> None:
    response = client.get("/accounts/login/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.cookies["csrftoken"]["httponly"]


@pytest.mark.django_db
def test_the_session_cookie_is_http_only(client: Client) -> None:
    user = UserFactory.create()
    client.post("/accounts/login/", {"username": user.username, "password": "correct-horse-battery"})
    assert client.cookies["sessionid"]["httponly"]


def test_production_sends_hsts_and_secure_cookies(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    monkeypatch.setenv("DJANGO_SECRET_KEY", "x" * 60)
    monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", "roleplay.example.com")
    production = importlib.import_module("workplace_roleplay.settings.production")

    assert production.SECURE_HSTS_SECONDS >= 31536000 and production.SECURE_HSTS_INCLUDE_SUBDOMAINS
    assert production.SESSION_COOKIE_SECURE and production.CSRF_COOKIE_SECURE
    assert production.X_FRAME_OPTIONS == "DENY"


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "json"), [("/api/v1/auth/login", True), ("/accounts/login/", False)])
def test_oversized_bodies_are_refused_before_they_are_read(client: Client, path: str, json: bool) -> None:
    response = client.generic("POST", path, b"x" * 10, CONTENT_TYPE="application/json", CONTENT_LENGTH="3000000")
    assert response.status_code == 413
    assert ("application/json" in response["Content-Type"]) == json


# --- WebSocket origins ----------------------------------------------------------------------------


async def _connects(path: str, headers: list[tuple[bytes, bytes]]) -> bool:
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await communicator.connect()
    await communicator.disconnect()
    return bool(connected)


@pytest.mark.django_db(transaction=True)
async def test_browsers_connect_only_from_the_own_site(fake_llm: Any) -> None:
    from channels.db import database_sync_to_async

    conversation = await database_sync_to_async(ConversationFactory)()
    bearer = (b"authorization", f"Bearer {AccessToken.for_user(conversation.user)}".encode())
    path = f"/ws/chat/{conversation.id}"

    assert await _connects(path, [(b"origin", b"http://testserver"), bearer])
    assert not await _connects(path, [(b"origin", b"https://evil.example"), bearer])
    assert not await _connects(path, [(b"origin", b"null"), bearer])
    assert await _connects(path, [bearer])  # the mobile app: no Origin, a bearer token
    assert not await _connects(path, [])  # neither an Origin nor a token


@pytest.mark.django_db
def test_only_the_api_docs_page_may_style_inline_and_no_page_runs_inline_scripts(client: Client) -> None:
    docs = _csp(client.get("/api/v1/docs/"))
    assert docs["style-src"] == ["'self'", "'unsafe-inline'"] and docs["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in _csp(client.get("/"))["style-src"]
