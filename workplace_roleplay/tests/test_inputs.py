"""The input guard: NUL characters, lone surrogates, deep JSON and non-text where text is expected.

Each request here answered 500 before (or stored a number as text); now each gets a 400 that
says why, in the user's language, and nothing is stored.
"""

from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from accounts.models import User
from accounts.tests.factories import UserFactory
from conversations.models import Conversation, Message
from conversations.partners import MAX_CUSTOM_LENGTH
from conversations.tests.factories import ConversationFactory
from core import inputs
from watch.models import WatchSession
from watch.tests.factories import WatchSessionFactory

pytestmark = pytest.mark.django_db

UNSTORABLE = "保存できない文字"  # the start of the Japanese message
DEEP = "[" * 100_000 + "]" * 100_000  # 200 KB of nested arrays


def _client(user: Any) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    return client


def _post_raw(client: APIClient, path: str, body: str, method: str = "post") -> Any:
    return getattr(client, method)(path, data=body.encode("utf-8", "surrogatepass"), content_type="application/json")


# --- The functions other code (the sockets) uses ---------------------------------------------


def test_it_finds_strips_and_refuses_nul_and_lone_surrogates() -> None:
    assert inputs.find_unstorable("a\x00b") and inputs.find_unstorable("\ud800") and inputs.find_unstorable("\udfff")
    assert not inputs.find_unstorable("報告 😀 \x01\x7f")
    assert inputs.clean_text("a\x00b\ud800c") == "abc"
    assert inputs.clean_value({"k\x00": ["\udc00x", 1, None]}) == {"k": ["x", 1, None]}
    with pytest.raises(inputs.InputError) as refused:
        inputs.check_value({"a": [{"b": "ok"}, "\x00"]})
    assert refused.value.code == "unstorable_characters" and "\x00" not in refused.value.message


def test_it_measures_json_depth_without_counting_brackets_in_strings() -> None:
    assert inputs.json_too_deep(DEEP)
    assert not inputs.json_too_deep("[" * 32 + "]" * 32)
    assert inputs.json_too_deep("[" * 33 + "]" * 33)
    assert not inputs.json_too_deep('["' + "[" * 100 + '"]')
    assert not inputs.json_too_deep('["\\"' + "[" * 100 + '"]')
    assert not inputs.json_too_deep('"' + "\\" * 10_000 + "[" * 100)  # unterminated string: still linear


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (DEEP, "too_deep"),
        ('{"text": "\\ud800"}', "unstorable_characters"),
        ('{"\\u0000": 1}', "unstorable_characters"),
        (b"\xff\xfe", "invalid_utf8"),
        ('{"a": NaN}', "invalid_json"),
        ("1e999", "invalid_json"),
        ("1" * 5000, "invalid_json"),
        ('{"a": ', "invalid_json"),
    ],
)
def test_it_parses_json_from_outside_or_says_why_not(body: str | bytes, code: str) -> None:
    with pytest.raises(inputs.InputError) as refused:
        inputs.loads_json(body)
    assert refused.value.code == code
    assert inputs.loads_json('{"text": "報告 \\ud83d\\ude00"}') == {"text": "報告 😀"}


# --- A lone surrogate in a choice field ----------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        '{"partner": "\\ud800", "situation": "ランチ"}',
        '{"partner": "先輩", "situation": "\\udfff"}',
    ],
)
def test_it_refuses_a_lone_surrogate_in_a_chat_start(body: str) -> None:
    response = _post_raw(_client(UserFactory()), "/api/v1/chat/start", body)
    assert response.status_code == 400
    assert response.json()["detail"].startswith(UNSTORABLE)
    assert not Conversation.objects.exists()


@pytest.mark.parametrize("method", ["patch", "put"])
def test_it_refuses_a_lone_surrogate_in_the_preferences(method: str) -> None:
    user = UserFactory(display_name="花子")
    body = '{"display_name": "太郎", "preferences": {"language": "\\ud800", "default_partner": "先輩"}}'
    response = _post_raw(_client(user), "/api/v1/users/me", body, method=method)
    assert response.status_code == 400
    user.refresh_from_db()
    assert user.display_name == "花子" and user.preferences.get("default_partner") != "先輩"


@pytest.mark.parametrize(
    "body",
    [
        '{"theme": "smalltalk", "personas": ["\\ud800", "senior"], "pace": "normal"}',
        '{"theme": "smalltalk", "personas": ["newcomer", "senior"], "pace": "\\udfff"}',
    ],
)
def test_it_refuses_a_lone_surrogate_in_a_watch_start(body: str) -> None:
    response = _post_raw(_client(UserFactory()), "/api/v1/watch/start", body)
    assert response.status_code == 400
    assert response.json()["detail"].startswith(UNSTORABLE)
    assert not WatchSession.objects.exists()


def test_it_refuses_a_lone_surrogate_as_the_watch_pace() -> None:
    session = WatchSessionFactory(pace="fast")
    response = _post_raw(_client(session.user), f"/api/v1/watch/pace/{session.id}", '{"pace": "\\ud800"}')
    assert response.status_code == 400
    session.refresh_from_db()
    assert session.pace == "fast"


def test_it_never_quotes_unencodable_text_in_an_error() -> None:
    """Even a message that quotes the input can always be sent (the API error handler cleans it)."""
    from rest_framework.exceptions import ValidationError

    from core.api import exception_handler

    response = exception_handler(ValidationError({"pace": ['"\ud800\x00" is not a valid choice.']}), {})
    assert response is not None
    assert response.data == {"pace": ['"" is not a valid choice.']}


# --- 200 KB of nested JSON -------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/chat/message", "/api/v1/chat/start", "/api/v1/watch/start"])
def test_it_refuses_deeply_nested_json(path: str) -> None:
    conversation = ConversationFactory()
    response = _post_raw(_client(conversation.user), path, DEEP)
    assert response.status_code == 400
    assert "32" in response.json()["detail"]
    assert Conversation.objects.count() == 1 and not Message.objects.exists() and not WatchSession.objects.exists()


def test_it_refuses_deeply_nested_json_before_signing_in() -> None:
    response = _post_raw(APIClient(), "/api/v1/auth/login", DEEP)
    assert response.status_code == 400 and response.json()["detail"]


# --- A NUL in the history search, and in any query or form field ------------------------------


def test_it_refuses_a_nul_in_the_api_history_search() -> None:
    conversation = ConversationFactory()
    response = _client(conversation.user).get("/api/v1/chat/history?q=a%00b")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"].startswith(UNSTORABLE)


@pytest.mark.parametrize("path", ["/chat/?q=a%00b", "/chat/journal/?q=a%00b", "/chat/?q%00=a"])
def test_it_refuses_a_nul_in_a_page_search(client: Client, path: str) -> None:
    client.force_login(UserFactory())
    response = client.get(path)
    assert response.status_code == 400
    assert response.content.decode().startswith(UNSTORABLE)


def test_it_refuses_a_nul_in_a_form_field(client: Client) -> None:
    client.force_login(UserFactory())
    response = client.post("/chat/", {"partner": "custom", "situation": "ランチ", "custom_partner": "部長\x00"})
    assert response.status_code == 400
    assert not Conversation.objects.exists()


def test_it_still_finds_ordinary_searches(client: Client) -> None:
    conversation = ConversationFactory(title="報告の練習")
    response = _client(conversation.user).get("/api/v1/chat/history?q=報告")
    assert response.status_code == 200 and response.json()["count"] == 1


# --- Text fields take text only ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/chat/start", {"partner": "custom", "situation": "ランチ", "custom_partner": 3}, "custom_partner"),
        ("/api/v1/chat/start", {"partner": "先輩", "situation": "custom", "custom_situation": 4}, "custom_situation"),
        ("/api/v1/watch/start", {"theme": 5, "personas": ["newcomer", "senior"]}, "theme"),
    ],
)
def test_it_refuses_a_number_where_text_is_expected(path: str, body: dict[str, Any], field: str) -> None:
    response = _client(UserFactory()).post(path, body, format="json")
    assert response.status_code == 400 and field in response.json()
    assert not Conversation.objects.exists() and not WatchSession.objects.exists()


def test_it_refuses_a_number_as_the_client_id() -> None:
    conversation = ConversationFactory()
    body = {"conversation_id": str(conversation.id), "text": "おはよう", "client_id": 5}
    response = _client(conversation.user).post("/api/v1/chat/message", body, format="json")
    assert response.status_code == 400 and "client_id" in response.json()
    assert not Message.objects.exists()


def test_it_refuses_a_number_as_the_display_name() -> None:
    user = UserFactory(display_name="花子")
    response = _client(user).patch("/api/v1/users/me", {"display_name": 0}, format="json")
    assert response.status_code == 400 and "display_name" in response.json()
    user.refresh_from_db()
    assert user.display_name == "花子"


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (
            "/api/v1/auth/register",
            {"username": 7, "email": "a@example.com", "password": "long-enough-pw-1"},
            "username",
        ),
        ("/api/v1/auth/register", {"username": "a7", "email": "a@example.com", "password": 12345678901}, "password"),
        ("/api/v1/auth/login", {"username": 7, "password": "x"}, "username"),
        ("/api/v1/auth/refresh", {"refresh": 7}, "refresh"),
        ("/api/v1/auth/logout", {"refresh": 7}, "refresh"),
    ],
)
def test_it_refuses_a_number_in_the_account_forms(path: str, body: dict[str, Any], field: str) -> None:
    users = User.objects.count()
    response = APIClient().post(path, body, format="json")
    assert response.status_code == 400 and field in response.json()
    assert User.objects.count() == users


@pytest.mark.parametrize("padding", ["\x1d", " ", "\n"])
def test_text_over_its_documented_length_is_refused_even_when_blanks_pad_it(padding: str) -> None:
    # The schema's maxLength is on what is sent: blank characters trimmed away do not make room.
    body = {"partner": "先輩", "situation": "custom", "custom_situation": padding + "*" * MAX_CUSTOM_LENGTH}
    response = _client(UserFactory()).post("/api/v1/chat/start", body, format="json")
    assert response.status_code == 400 and "custom_situation" in response.json()
    assert not Conversation.objects.exists()


def test_text_at_its_documented_length_is_taken() -> None:
    body = {"partner": "先輩", "situation": "custom", "custom_situation": "*" * MAX_CUSTOM_LENGTH}
    assert _client(UserFactory()).post("/api/v1/chat/start", body, format="json").status_code == 201
