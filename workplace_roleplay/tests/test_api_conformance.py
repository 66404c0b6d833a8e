"""The API does what its schema says, for each request where it did not (found by schemathesis)."""

import json
from typing import Any

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from accounts.tests.factories import UserFactory
from conversations.models import Message
from conversations.tests.factories import ConversationFactory, MessageFactory
from scenarios.play import scenario_play_start
from scenarios.tests.factories import ScenarioFactory

pytestmark = pytest.mark.django_db


def _client(user: Any) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    return client


@pytest.fixture
def api_schema(client: Any) -> dict[str, Any]:
    return client.get("/api/v1/schema/?format=json").json()


def test_it_says_how_long_to_wait_in_every_429_body(settings: Any) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "default": ["1/m"]}
    client = APIClient()
    client.post("/api/v1/auth/login", {"username": "a", "password": "b"}, format="json")
    refused = client.post("/api/v1/auth/login", {"username": "a", "password": "b"}, format="json")
    assert refused.status_code == 429
    assert refused.json()["retry_after"] == int(refused["Retry-After"]) > 0 and refused.json()["detail"]


def test_it_documents_retry_after_for_every_429(api_schema: dict[str, Any]) -> None:
    rate_limited = api_schema["components"]["schemas"]["RateLimited"]
    assert set(rate_limited["required"]) == {"detail", "retry_after"}
    watch_start = api_schema["paths"]["/api/v1/watch/start"]["post"]["responses"]["429"]
    assert watch_start["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/RateLimited"}


def test_it_answers_json_for_an_api_address_nobody_has_even_in_debug(settings: Any) -> None:
    settings.DEBUG = True
    response = _client(UserFactory()).get("/api/v1/scenarios/null,null")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json") and response.json()["detail"]
    assert APIClient().post("/api/v1/no/such/thing", {}, format="json").status_code == 404  # no CSRF page either


def test_it_answers_201_to_a_streamed_scenario_line(fake_llm: Any) -> None:
    fake_llm.reply(tokens=["うん"])
    user = UserFactory()
    conversation = scenario_play_start(user=user, scenario=ScenarioFactory())
    body = {"conversation_id": str(conversation.id), "text": "報告があります", "stream": True}
    response = _client(user).post("/api/v1/scenarios/message", body, format="json")
    assert response.status_code == 201
    assert response["Content-Type"].startswith("text/event-stream")
    assert Message.objects.filter(conversation=conversation, content="報告があります").exists()


def test_it_documents_the_password_that_deleting_the_account_needs(api_schema: dict[str, Any]) -> None:
    delete = api_schema["paths"]["/api/v1/users/me"]["delete"]
    assert delete["requestBody"]["required"] is True
    assert delete["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PasswordRequest"
    }


def test_it_documents_that_a_patch_may_change_one_preference(api_schema: dict[str, Any]) -> None:
    ref = api_schema["paths"]["/api/v1/users/me"]["patch"]["requestBody"]["content"]["application/json"]["schema"]
    patched = api_schema["components"]["schemas"][ref["$ref"].rsplit("/", 1)[1]]
    preferences = api_schema["components"]["schemas"][patched["properties"]["preferences"]["$ref"].rsplit("/", 1)[1]]
    assert not preferences.get("required")


def test_it_documents_sse_answers_as_events(api_schema: dict[str, Any]) -> None:
    created = api_schema["paths"]["/api/v1/chat/message"]["post"]["responses"]["201"]["content"]
    assert created["text/event-stream"]["schema"] == {"$ref": "#/components/schemas/ServerSentEvent"}


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/users/me/history?page_size=1&page_size=2",
        "/api/v1/users/me/history?page_size=null",
        "/api/v1/users/me/history?page_size=0",
        "/api/v1/chat/history?page=",
        "/api/v1/chat/history?page=%C2%B2",
        "/api/v1/analytics/progress?period=",
        "/api/v1/analytics/export?format=",
        "/api/v1/scenarios?tag=",
    ],
)
def test_it_refuses_query_parameters_the_schema_rules_out(path: str) -> None:
    response = _client(UserFactory()).get(path)
    assert response.status_code == 400
    assert response.json()


def test_it_refuses_an_empty_format() -> None:
    conversation = ConversationFactory()
    body = {"conversation_id": str(conversation.id), "text": "おはよう"}
    response = _client(conversation.user).post("/api/v1/chat/message?format=", body, format="json")
    assert response.status_code == 404
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/chat/message", {"text": "おはよう", "stream": 0}, "stream"),
        ("/api/v1/scenarios/start", {"scenario_id": "5"}, "scenario_id"),
    ],
)
def test_it_refuses_a_boolean_or_number_spelt_otherwise(path: str, body: dict[str, Any], field: str) -> None:
    conversation = ConversationFactory()
    MessageFactory(conversation=conversation, role="assistant", content="お疲れさま")
    response = _client(conversation.user).post(path, {"conversation_id": str(conversation.id), **body}, format="json")
    assert response.status_code == 400 and field in response.json()
    assert Message.objects.count() == 1


def test_it_still_pages_and_streams_as_before(fake_llm: Any) -> None:
    conversation = ConversationFactory()
    client = _client(conversation.user)
    assert client.get("/api/v1/users/me/history?page=1&page_size=5").status_code == 200
    assert client.get("/api/v1/chat/history?page=last").status_code == 200
    fake_llm.reply(tokens=["はい"])
    body = {"conversation_id": str(conversation.id), "text": "おはよう", "stream": False}
    response = client.post("/api/v1/chat/message?format=json", json.dumps(body), content_type="application/json")
    assert response.status_code == 201 and response.json()["reply"]["content"] == "はい"


MODEL_CALLS = [
    ("/api/v1/chat/start", "post"),
    ("/api/v1/chat/message", "post"),
    ("/api/v1/chat/feedback", "post"),
    ("/api/v1/scenarios/start", "post"),
    ("/api/v1/scenarios/message", "post"),
    ("/api/v1/scenarios/feedback", "post"),
    ("/api/v1/scenarios/hint", "post"),
    ("/api/v1/watch/feedback/{session_id}", "post"),
]


@pytest.mark.parametrize(("path", "method"), MODEL_CALLS)
def test_it_documents_the_503_of_every_call_that_asks_the_model(
    api_schema: dict[str, Any], path: str, method: str
) -> None:
    unavailable = api_schema["paths"][path][method]["responses"]["503"]
    assert unavailable["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Unavailable"}
    assert set(api_schema["components"]["schemas"]["Unavailable"]["required"]) == {"detail", "retryable"}


def test_it_answers_the_documented_503_when_the_judge_cannot_be_read(fake_llm: Any) -> None:
    fake_llm.reply(tokens=["JSONではない答え"])
    fake_llm.reply(tokens=["まだJSONではない"])
    user = UserFactory()
    conversation = ConversationFactory(user=user)
    MessageFactory(conversation=conversation, role="user", content="報告します")
    response = _client(user).post("/api/v1/chat/feedback", {"conversation_id": str(conversation.id)}, format="json")
    assert response.status_code == 503
    assert response.json()["detail"] and response.json()["retryable"] is False
