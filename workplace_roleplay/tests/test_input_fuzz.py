"""Property: whatever text arrives over HTTP, the product answers without a 5xx and, when it
refuses, stores nothing.

Hypothesis throws arbitrary Unicode (lone surrogates, NUL and other control characters
included), wrong types and deeply nested JSON at every endpoint and page that takes text, as
JSON bodies, query strings and form fields.
"""

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework_simplejwt.tokens import AccessToken

from accounts.models import User
from accounts.tests.factories import UserFactory
from conversations.models import Conversation, Message
from conversations.tests.factories import ConversationFactory, MessageFactory
from scenarios.models import ScenarioPlay
from watch.models import WatchMessage, WatchSession
from watch.tests.factories import WatchSessionFactory

pytestmark = pytest.mark.django_db

SPECIALS = ["\x00", "\ud800", "\udfff", "\x01", "\x1b", "\u202e", "\ufeff", "😀", "報告", "先輩", "ランチ", "custom"]
# Every code point, surrogates included (Hypothesis leaves them out unless asked).
ANY_CHARACTER = st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=())
TEXT = st.one_of(
    st.sampled_from(SPECIALS),
    st.text(ANY_CHARACTER, max_size=40),
    st.lists(st.sampled_from(SPECIALS), max_size=6).map("".join),
)
SCALAR = st.one_of(TEXT, st.integers(), st.floats(allow_nan=False), st.booleans(), st.none())
VALUE = st.recursive(SCALAR, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3))
DEEP = st.integers(min_value=33, max_value=50_000).map(lambda n: "[" * n + "]" * n)
EXAMPLES = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _json(body: dict[str, Any] | str) -> bytes:
    """Lone surrogates travel as ``\\udXXX`` escapes, exactly as a hostile client would send them."""
    return (body if isinstance(body, str) else json.dumps(body)).encode()


def _form(fields: dict[str, str]) -> bytes:
    return "&".join(
        f"{quote(k.encode('utf-8', 'surrogatepass'))}={quote(v.encode('utf-8', 'surrogatepass'))}"
        for k, v in fields.items()
    ).encode()


def _query(fields: dict[str, str]) -> str:
    return _form(fields).decode()


def _stored() -> tuple[int, ...]:
    return tuple(
        model.objects.count() for model in (User, Conversation, Message, ScenarioPlay, WatchSession, WatchMessage)
    )


@pytest.fixture
def world(client: Client) -> dict[str, Any]:
    """A learner with a chat and a watch session, signed in both ways.

    The session has ended, so no request here starts a persona talking behind the test's back
    (every body is still parsed and validated before the session's state is looked at)."""
    user = UserFactory(display_name="花子")
    conversation = ConversationFactory(user=user)
    MessageFactory(conversation=conversation, role="assistant", content="お疲れさま！")
    session = WatchSessionFactory(user=user, state="stopped")
    client.force_login(user)
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {AccessToken.for_user(user)}"}
    return {"user": user, "conversation": conversation, "session": session, "bearer": bearer, "client": client}


def _send(world: dict[str, Any], method: str, path: str, body: bytes | None, content_type: str, api: bool) -> Any:
    extra = world["bearer"] if api else {}
    client = Client() if api else world["client"]
    if body is None:
        return client.generic(method, path, **extra)
    return client.generic(method, path, body, content_type=content_type, **extra)


def _refused_without_storing(world: dict[str, Any], send: Callable[[], Any]) -> None:
    user = world["user"]
    before, profile = _stored(), (user.display_name, dict(user.preferences))
    response = send()
    assert response.status_code < 500, response.content[:300]
    if response.status_code >= 400:
        user.refresh_from_db()
        assert _stored() == before and (user.display_name, dict(user.preferences)) == profile


# --- JSON bodies -----------------------------------------------------------------------------------

JSON_ENDPOINTS: dict[str, tuple[str, str, list[str]]] = {
    "register": ("POST", "/api/v1/auth/register", ["username", "email", "password", "display_name"]),
    "login": ("POST", "/api/v1/auth/login", ["username", "password"]),
    "refresh": ("POST", "/api/v1/auth/refresh", ["refresh"]),
    "logout": ("POST", "/api/v1/auth/logout", ["refresh"]),
    "me-patch": ("PATCH", "/api/v1/users/me", ["display_name", "preferences"]),
    "me-put": ("PUT", "/api/v1/users/me", ["display_name", "preferences"]),
    "me-delete": ("DELETE", "/api/v1/users/me", ["password"]),
    "chat-start": ("POST", "/api/v1/chat/start", ["partner", "situation", "custom_partner", "custom_situation"]),
    "chat-message": ("POST", "/api/v1/chat/message", ["conversation_id", "text", "client_id"]),
    "chat-feedback": ("POST", "/api/v1/chat/feedback", ["conversation_id"]),
    "scenario-start": ("POST", "/api/v1/scenarios/start", ["scenario_id"]),
    "scenario-hint": ("POST", "/api/v1/scenarios/hint", ["conversation_id"]),
    "watch-start": ("POST", "/api/v1/watch/start", ["theme", "personas", "pace", "models"]),
    "watch-pace": ("POST", "/api/v1/watch/pace/{session}", ["pace"]),
    "watch-join": ("POST", "/api/v1/watch/join/{session}", ["share_token"]),
    "watch-message": ("POST", "/api/v1/watch/message/{session}", ["text", "client_id"]),
}


def _path(world: dict[str, Any], template: str) -> str:
    return template.format(session=world["session"].id)


@st.composite
def _json_body(draw: Any, fields: list[str], world: dict[str, Any]) -> str:
    if draw(st.integers(0, 9)) == 0:
        return draw(DEEP)
    body = {field: draw(VALUE) for field in fields if draw(st.booleans())}
    if "conversation_id" in fields and draw(st.booleans()):
        body["conversation_id"] = str(world["conversation"].id)  # reach the code behind the lookup
    if "theme" in body:
        body["theme"] = "\x00" + str(body["theme"])  # never a real theme: no session starts behind the test's back
    if draw(st.booleans()):
        body[draw(TEXT)] = draw(VALUE)  # a field nobody asked for
    text = json.dumps(body)
    if draw(st.booleans()):  # a deeply nested value next to the fields
        text = text[:-1] + (", " if body else "") + f'"deep": {draw(DEEP)}}}'
    return text


@pytest.mark.parametrize("name", list(JSON_ENDPOINTS))
def test_json_endpoints_never_fail_and_store_nothing_they_refuse(name: str, world: dict[str, Any], fake_llm: Any):
    method, template, fields = JSON_ENDPOINTS[name]

    @EXAMPLES
    @given(body=_json_body(fields, world))
    def check(body: str) -> None:
        path = _path(world, template)
        _refused_without_storing(world, lambda: _send(world, method, path, _json(body), "application/json", True))

    check()


# --- Query strings and form fields --------------------------------------------------------------

QUERIES: list[tuple[str, list[str], bool]] = [
    ("/api/v1/chat/history", ["q", "page"], True),
    ("/api/v1/scenarios", ["search", "tag", "difficulty", "category", "page"], True),
    ("/api/v1/users/me/history", ["page", "page_size"], True),
    ("/api/v1/analytics/progress", ["period"], True),
    ("/api/v1/watch/session/{session}", ["share"], True),
    ("/api/v1/watch/transcript/{session}", ["type", "share"], True),
    ("/chat/", ["q"], False),
    ("/chat/journal/", ["q"], False),
    ("/scenarios/", ["search", "tag", "difficulty", "category"], False),
]


@pytest.mark.parametrize(("template", "fields", "api"), QUERIES)
def test_query_strings_never_fail(template: str, fields: list[str], api: bool, world: dict[str, Any]) -> None:
    @EXAMPLES
    @given(query=st.dictionaries(st.sampled_from(fields) | TEXT, TEXT, max_size=4))
    def check(query: dict[str, str]) -> None:
        path = f"{_path(world, template)}?{_query(query)}"
        _refused_without_storing(world, lambda: _send(world, "GET", path, None, "", api))

    check()


FORMS: list[tuple[str, list[str]]] = [
    ("/chat/", ["partner", "situation", "custom_partner", "custom_situation"]),
    ("/accounts/signup/", ["username", "email", "display_name", "password1", "password2"]),
    ("/accounts/login/", ["username", "password"]),
    ("/accounts/profile/", ["display_name", "language", "default_partner"]),
]


@pytest.mark.parametrize(("path", "fields"), FORMS)
def test_form_fields_never_fail_and_store_nothing_they_refuse(path: str, fields: list[str], world: dict[str, Any]):
    @EXAMPLES
    @given(form=st.fixed_dictionaries({}, optional={field: TEXT for field in fields}))
    def check(form: dict[str, str]) -> None:
        body = _form(form)
        send = lambda: _send(world, "POST", path, body, "application/x-www-form-urlencoded", False)  # noqa: E731
        _refused_without_storing(world, send)

    check()
