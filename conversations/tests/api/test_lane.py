"""A learner's line sent to the API is answered on the event loop (``conversations.api.lane``),
with the answer the view would give; whatever the lane does not serve, the view answers."""

import asyncio
import json
from datetime import timedelta
from typing import Any

import httpx
import pytest
from asgiref.testing import ApplicationCommunicator
from channels.db import database_sync_to_async
from django.utils import timezone
from rest_framework_simplejwt.tokens import AccessToken

from accounts.tests.factories import UserFactory
from conversations.api import views
from conversations.models import Message, Status
from conversations.tests.factories import ConversationFactory

pytestmark = pytest.mark.django_db(transaction=True)
URL = "/api/v1/chat/message"
# Headers whose values are the request's own.
PER_REQUEST = {"x-request-id", "content-length"}


def _headers(response: httpx.Response) -> dict[str, Any]:
    """The headers that are not the request's own (the order of ``Vary``'s names means nothing)."""
    headers: dict[str, Any] = {k: v for k, v in response.headers.items() if k not in PER_REQUEST}
    headers["vary"] = sorted(headers.get("vary", "").split(", "))
    return headers


def _app() -> Any:
    from workplace_roleplay.asgi import http_application

    return http_application


async def _learner(**user: Any) -> tuple[Any, dict[str, str]]:
    def make() -> Any:
        return ConversationFactory(**({"user": UserFactory(**user)} if user else {}))

    conversation = await database_sync_to_async(make)()
    token = await database_sync_to_async(AccessToken.for_user)(conversation.user)
    return conversation, {"Authorization": f"Bearer {token}"}


async def _post(body: dict[str, Any], headers: dict[str, str], url: str = URL) -> httpx.Response:
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        return await client.post(url, json=body, headers=headers)


def _view_was_asked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    asked: list[str] = []
    post = views.ChatMessageView.post

    def spy(self: Any, request: Any) -> Any:
        asked.append(request.path)
        return post(self, request)

    monkeypatch.setattr(views.ChatMessageView, "post", spy)
    return asked


async def test_a_line_is_answered_on_the_event_loop_as_the_view_answers(
    fake_llm: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked = _view_was_asked(monkeypatch)
    fake_llm.reply(tokens=["そう", "ですね"], delay=0.0)
    conversation, headers = await _learner()
    lane = await _post({"conversation_id": str(conversation.id), "text": "最近どう？", "client_id": "a"}, headers)
    assert asked == []  # the lane answered
    fake_llm.reply(tokens=["そう", "ですね"], delay=0.0)
    other, other_headers = await _learner()
    view = await _post(
        {"conversation_id": str(other.id), "text": "最近どう？", "client_id": "a"}, other_headers, URL + "?format=json"
    )
    assert asked == [URL]  # a query string: the view answered

    assert lane.status_code == view.status_code == 201
    served, expected = lane.json(), view.json()
    assert served["reply"]["content"] == expected["reply"]["content"] == "そうですね"
    assert served["duplicate"] is expected["duplicate"] is False
    assert set(served["message"]) == set(expected["message"]) and set(served["reply"]) == set(expected["reply"])
    assert served["message"]["content"] == "最近どう？" and served["reply"]["status"] == Status.COMPLETE
    assert _headers(lane) == _headers(view)
    assert lane.headers["x-request-id"]
    stored = await database_sync_to_async(list)(
        Message.objects.filter(conversation=conversation).order_by("created_at")
    )
    assert [(m.role, m.content, m.status) for m in stored] == [
        ("user", "最近どう？", "complete"),
        ("assistant", "そうですね", "complete"),
    ]


async def test_the_event_stream_is_the_views_stream(fake_llm: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    asked = _view_was_asked(monkeypatch)
    fake_llm.reply(tokens=["はい", "、", "元気です"], delay=0.0)
    conversation, headers = await _learner(preferences={"language": "en"})
    response = await _post(
        {"conversation_id": str(conversation.id), "text": "How are you?"}, {**headers, "Accept": "text/event-stream"}
    )

    assert asked == [] and response.status_code == 201
    assert response.headers["content-type"] == "text/event-stream"
    assert response.headers["cache-control"] == "no-cache" and response.headers["content-language"] == "en"
    names = [line[7:] for line in response.text.splitlines() if line.startswith("event: ")]
    assert names[:2] == ["chat.message.new", "chat.typing.start"]
    assert names[-2:] == ["chat.typing.stop", "chat.message.done"] and "chat.token" in names
    done = json.loads(response.text.split("event: chat.message.done\ndata: ")[1].split("\n")[0])
    assert done["message"]["content"] == "はい、元気です"


@pytest.mark.parametrize(
    "case",
    ["no_text", "other_user", "ended", "late", "duplicate", "session", "xml", "orm"],
)
async def test_what_the_lane_does_not_serve_the_view_answers(
    case: str, fake_llm: Any, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    fake_llm.reply(tokens=["はい"], delay=0.0)
    conversation, headers = await _learner()
    body: dict[str, Any] = {"conversation_id": str(conversation.id), "text": "こんにちは", "client_id": "same"}
    if case == "no_text":
        body.pop("text")
    elif case == "other_user":
        _, headers = await _learner()
    elif case == "ended":
        await database_sync_to_async(type(conversation).objects.filter(id=conversation.id).update)(
            ended_at=timezone.now()
        )
    elif case == "late":  # past its time limit: refused by the statement itself
        ends_at = (timezone.now() - timedelta(minutes=1)).isoformat()
        await database_sync_to_async(type(conversation).objects.filter(id=conversation.id).update)(
            metadata={**conversation.metadata, "ends_at": ends_at}
        )
    elif case == "duplicate":
        assert (await _post(body, headers)).status_code == 201
    elif case == "session":
        headers = {}
    elif case == "xml":
        headers = {**headers, "Accept": "application/xml"}
    elif case == "orm":  # as on a database other than PostgreSQL
        settings.DATABASE_ASYNC_POOL_SIZE = -1
    asked = _view_was_asked(monkeypatch)

    response = await _post(body, headers)

    assert asked == ([] if case in ("session", "xml") else [URL])  # refused before the view's handler
    expected = {
        "no_text": 400,
        "other_user": 404,
        "ended": 400,
        "late": 400,
        "duplicate": 200,
        "session": 401,
        "xml": 406,
        "orm": 201,
    }
    assert response.status_code == expected[case]
    if case == "duplicate":
        assert response.json()["duplicate"] is True
    lines = await database_sync_to_async(Message.objects.filter(conversation=conversation, role="user").count)()
    assert lines == (0 if case in ("no_text", "other_user", "ended", "late", "session", "xml") else 1)
    if case == "late":
        assert "時間切れ" in response.json()["conversation_id"][0]
    if case == "orm":
        assert response.json()["reply"]["content"] == "はい"


async def test_over_the_limit_the_view_answers_429(fake_llm: Any, settings: Any) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "chat_message": ["1/m"]}
    fake_llm.reply(tokens=["はい"], delay=0.0)
    conversation, headers = await _learner()
    first = await _post({"conversation_id": str(conversation.id), "text": "一"}, headers)
    second = await _post({"conversation_id": str(conversation.id), "text": "二"}, headers)

    assert first.status_code == 201
    assert second.status_code == 429 and second.json()["retry_after"] >= 1 and second.headers["retry-after"]


async def test_a_client_that_goes_away_keeps_the_reply_as_interrupted(fake_llm: Any) -> None:
    fake_llm.reply(tokens=[f"語{i}" for i in range(50)], delay=0.05)
    conversation, headers = await _learner()
    body = json.dumps({"conversation_id": str(conversation.id), "text": "長い話をして"}).encode()
    scope = _scope(headers, len(body), accept="text/event-stream")
    app = ApplicationCommunicator(_app(), scope)
    await app.send_input({"type": "http.request", "body": body, "more_body": False})
    start = await app.receive_output(timeout=5)
    assert start["type"] == "http.response.start" and start["status"] == 201
    seen = b""
    while b"chat.token" not in seen:
        seen += (await app.receive_output(timeout=5)).get("body", b"")
    await app.send_input({"type": "http.disconnect"})
    await app.wait(timeout=5)

    for _ in range(50):
        reply = await database_sync_to_async(
            Message.objects.filter(conversation=conversation, role="assistant").first
        )()
        if reply is not None and reply.status != Status.STREAMING:
            break
        await asyncio.sleep(0.1)
    assert reply is not None and reply.status == Status.INTERRUPTED
    assert reply.content and len(reply.content) < len("".join(f"語{i}" for i in range(50)))


async def test_the_request_metrics_count_each_request_once_under_its_view(fake_llm: Any) -> None:
    from prometheus_client import REGISTRY

    def sample(name: str, **labels: str) -> float:
        return REGISTRY.get_sample_value(name, labels) or 0.0

    responses = "django_http_responses_total_by_status_view_method_total"
    before = {
        "requests": sample("django_http_requests_total_by_method_total", method="POST"),
        "201": sample(responses, status="201", view="api-chat-message", method="POST"),
        "400": sample(responses, status="400", view="api-chat-message", method="POST"),
    }
    fake_llm.reply(tokens=["はい"], delay=0.0)
    conversation, headers = await _learner()
    assert (await _post({"conversation_id": str(conversation.id), "text": "一"}, headers)).status_code == 201
    assert (await _post({"conversation_id": str(conversation.id)}, headers)).status_code == 400  # declined

    assert sample("django_http_requests_total_by_method_total", method="POST") - before["requests"] == 2
    assert sample(responses, status="201", view="api-chat-message", method="POST") - before["201"] == 1
    assert sample(responses, status="400", view="api-chat-message", method="POST") - before["400"] == 1


def _scope(headers: dict[str, str], length: int, accept: str = "") -> dict[str, Any]:
    """An ASGI request of the lane's, for a test that sends its body and disconnects by hand."""
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": URL,
        "raw_path": URL.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", b"application/json"),
            (b"authorization", headers["Authorization"].encode()),
            (b"content-length", str(length).encode()),
            *([(b"accept", accept.encode())] if accept else []),
        ],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }


async def _answer(app: ApplicationCommunicator) -> tuple[int, bytes]:
    start = await app.receive_output(timeout=10)
    body = b""
    while True:
        message = await app.receive_output(timeout=10)
        body += message.get("body", b"")
        if not message.get("more_body"):
            return start["status"], body


async def test_a_body_sent_in_pieces_is_read_whole(fake_llm: Any) -> None:
    fake_llm.reply(tokens=["はい"], delay=0.0)
    conversation, headers = await _learner()
    body = json.dumps({"conversation_id": str(conversation.id), "text": "分けて送ります"}).encode()
    app = ApplicationCommunicator(_app(), _scope(headers, len(body)))
    for start in range(0, len(body), 16):
        piece = body[start : start + 16]
        await app.send_input({"type": "http.request", "body": piece, "more_body": start + 16 < len(body)})

    status, answer = await _answer(app)

    assert status == 201 and json.loads(answer)["message"]["content"] == "分けて送ります"


async def test_a_body_over_the_limit_reaches_the_view_whole_and_is_refused(settings: Any) -> None:
    settings.MAX_REQUEST_BODY_BYTES = settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    conversation, headers = await _learner()
    body = json.dumps({"conversation_id": str(conversation.id), "text": "長" * 600}).encode()
    app = ApplicationCommunicator(_app(), _scope(headers, len(body)))
    await app.send_input({"type": "http.request", "body": body[:700], "more_body": True})
    await app.send_input({"type": "http.request", "body": body[700:], "more_body": False})

    status, answer = await _answer(app)

    assert status == 413 and "detail" in json.loads(answer)
    lines = await database_sync_to_async(Message.objects.filter(conversation=conversation, role="user").count)()
    assert lines == 0


async def test_a_scenario_line_is_answered_with_the_scenarios_partner_and_kept_from_others(
    fake_llm: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rest_framework.test import APIClient

    from scenarios.api import play
    from scenarios.tests.factories import ScenarioFactory

    def started() -> tuple[str, dict[str, str], dict[str, str], str]:
        scenario = ScenarioFactory()
        user, stranger = UserFactory(), UserFactory()
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
        start = client.post("/api/v1/scenarios/start", {"scenario_id": scenario.pk}, format="json")
        assert start.status_code == 201
        own = {"Authorization": f"Bearer {AccessToken.for_user(user)}"}
        other = {"Authorization": f"Bearer {AccessToken.for_user(stranger)}"}
        return start.json()["conversation"]["id"], own, other, scenario.ai_role

    conversation_id, own, other, role = await database_sync_to_async(started)()
    asked: list[str] = []
    post = play.ScenarioMessageView.post

    def spy(self: Any, request: Any) -> Any:
        asked.append("view")
        return post(self, request)

    monkeypatch.setattr(play.ScenarioMessageView, "post", spy)
    url = "/api/v1/scenarios/message"

    fake_llm.reply(tokens=["承知", "しました"], delay=0.0)
    served = await _post({"conversation_id": conversation_id, "text": "報告があります"}, own, url)
    refused = await _post({"conversation_id": conversation_id, "text": "のぞき見"}, other, url)

    assert served.status_code == 201 and served.json()["reply"]["content"] == "承知しました"
    assert refused.status_code == 404
    assert asked == ["view"]  # only the stranger's request reached the view
    assert role and role in fake_llm.requests[-1]["messages"][0]["content"]  # the scenario's partner
    lines = await database_sync_to_async(
        lambda: list(
            Message.objects.filter(conversation_id=conversation_id, role="user").values_list("content", flat=True)
        )
    )()
    assert lines == ["報告があります"]
