"""JSON logs: one request id on every line of a request, socket frame or task, and never message
text, passwords or tokens, whichever logger writes the line (django.request and litellm included)."""

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
import structlog
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from accounts.tests.factories import UserFactory
from conversations.tests.factories import ConversationFactory, MessageFactory
from core.logging import LIBRARY_LOGGERS
from workplace_roleplay.asgi import application
from workplace_roleplay.celery import app as celery_app

PASSWORD = "Secret-horse-77-battery"
MESSAGE = "部長には内緒の相談ですXYZ"
REPLY = ["返信の", "本文QQQ"]


@celery_app.task(name="tests.log_inside_a_task")
def log_inside_a_task(user_id: str) -> str:
    structlog.get_logger("tests").info("task_working", size=3)
    return "done"


class Captured:
    def __init__(self, stream: io.StringIO) -> None:
        self.stream = stream

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    @property
    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.text.splitlines() if line.strip()]


@pytest.fixture
def logs() -> Iterator[Captured]:
    """Every record at DEBUG and up, rendered by the product's own JSON formatter."""
    root = logging.getLogger()
    formatter = next(
        handler.formatter
        for handler in root.handlers
        if isinstance(handler.formatter, structlog.stdlib.ProcessorFormatter)
    )
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    names = ["", "django", "django.request", "django.server", *LIBRARY_LOGGERS, "httpx", "workplace_roleplay"]
    levels = {name: logging.getLogger(name).level for name in names}
    root.addHandler(handler)
    for name in names:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield Captured(stream)
    finally:
        root.removeHandler(handler)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


@pytest.mark.django_db(transaction=True)
def test_logins_chat_messages_and_token_refreshes_leave_no_secrets_in_the_logs(logs: Captured, fake_llm: Any) -> None:
    user = UserFactory(password=PASSWORD)
    api = APIClient()
    wrong = api.post("/api/v1/auth/login", {"username": user.username, "password": PASSWORD + "x"}, format="json")
    tokens = api.post("/api/v1/auth/login", {"username": user.username, "password": PASSWORD}, format="json").json()
    Client().post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    conversation = ConversationFactory(user=user)
    MessageFactory(conversation=conversation, role="assistant", content="お疲れさま！")
    fake_llm.reply(tokens=REPLY)
    sent = api.post("/api/v1/chat/message", {"conversation_id": str(conversation.id), "text": MESSAGE}, format="json")
    refreshed = api.post("/api/v1/auth/refresh", {"refresh": tokens["refresh"]}, format="json").json()
    api.post("/api/v1/auth/refresh", {"refresh": tokens["refresh"]}, format="json")  # revoked now: a 401 line

    assert wrong.status_code == 401 and sent.status_code == 201 and "access" in refreshed
    secrets = [PASSWORD, MESSAGE, "".join(REPLY), "本文QQQ", tokens["access"], tokens["refresh"], refreshed["access"]]
    assert logs.lines, "the requests were logged"
    assert [secret for secret in secrets if secret in logs.text] == []
    assert any(line.get("logger") == "django.request" for line in logs.lines)


@pytest.mark.django_db
def test_every_line_of_a_request_carries_its_request_id_and_user(logs: Captured) -> None:
    user = UserFactory.create()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    response = api.get("/api/v1/chat/session/not-a-conversation", headers={"X-Request-ID": "edge-1234abcd"})

    assert response.status_code == 404
    assert response["X-Request-ID"] == "edge-1234abcd"
    request_lines = [line for line in logs.lines if line.get("logger") == "django.request"]
    assert request_lines and all(line["request_id"] == "edge-1234abcd" for line in request_lines)
    assert all(line.get("user_id") == str(user.pk) for line in request_lines)


@pytest.mark.django_db
def test_an_unusable_request_id_is_replaced(client: Client) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": "bad id\nwith newline"})
    fresh = client.get("/healthz")
    assert response["X-Request-ID"] != "bad id\nwith newline" and len(response["X-Request-ID"]) == 32
    assert fresh["X-Request-ID"] != response["X-Request-ID"]


def test_sensitive_keys_are_masked_as_a_safety_net(logs: Captured) -> None:
    structlog.get_logger("tests").warning(
        "careless", password="hunter2", text=MESSAGE, tokens_in=12, body={"access": "eyJabc", "size": 3}
    )
    (line,) = [line for line in logs.lines if line["event"] == "careless"]
    assert line["password"] == line["text"] == line["body"]["access"] == "[redacted]"
    assert line["tokens_in"] == 12 and line["body"]["size"] == 3


def test_litellm_lines_are_json_through_the_root_handler(logs: Captured) -> None:
    logging.getLogger("LiteLLM").warning("provider slow")
    assert not logging.getLogger("LiteLLM").handlers
    assert [line["logger"] for line in logs.lines if line["event"] == "provider slow"] == ["LiteLLM"]


@pytest.mark.django_db
def test_a_task_logs_its_task_id_and_gives_the_context_back(logs: Captured) -> None:
    structlog.contextvars.bind_contextvars(request_id="outer-request-1")
    result = log_inside_a_task.apply(kwargs={"user_id": "u-1"})
    structlog.get_logger("tests").info("after_task")

    (inside,) = [line for line in logs.lines if line["event"] == "task_working"]
    (after,) = [line for line in logs.lines if line["event"] == "after_task"]
    assert inside["task_id"] == result.id and inside["user_id"] == "u-1"
    assert "task_id" not in after and after["request_id"] == "outer-request-1"
    structlog.contextvars.clear_contextvars()


@pytest.mark.django_db(transaction=True)
async def test_socket_lines_carry_the_connection_frame_and_user(logs: Captured, fake_llm: Any) -> None:
    conversation = await database_sync_to_async(ConversationFactory)()
    await database_sync_to_async(MessageFactory)(conversation=conversation, role="assistant", content="やあ")
    headers = [(b"authorization", f"Bearer {AccessToken.for_user(conversation.user)}".encode())]
    communicator = WebsocketCommunicator(application, f"/ws/chat/{conversation.id}", headers=headers)
    await communicator.connect()
    await communicator.receive_json_from()
    fake_llm.reply(tokens=REPLY)
    await communicator.send_json_to({"type": "chat.message", "text": MESSAGE, "client_id": "log-1"})
    while (await communicator.receive_json_from(timeout=5))["type"] != "chat.message.done":
        pass
    await communicator.disconnect()

    (call,) = [line for line in logs.lines if line["event"] == "llm.call"]
    assert call["user_id"] == str(conversation.user.pk) and call["conversation_id"] == str(conversation.id)
    assert call["connection_id"] and call["request_id"] != call["connection_id"]
    assert MESSAGE not in logs.text and "本文QQQ" not in logs.text


@pytest.fixture
def celery_logging_setup() -> Iterator[Any]:
    """Celery's own logging set-up, as a worker or beat runs it at start; the root logger comes back after."""
    from celery.app.log import Logging

    root = logging.getLogger()
    saved = (list(root.handlers), root.level, Logging._setup)
    Logging._setup = False
    try:
        yield celery_app.log.setup
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        Logging._setup = saved[2]


def test_celery_worker_lines_are_json_through_the_same_handler(celery_logging_setup: Any) -> None:
    celery_logging_setup(loglevel="INFO", hostname="celery@test")
    (handler,) = logging.getLogger().handlers
    stream = io.StringIO()
    previous = handler.setStream(stream)  # type: ignore[attr-defined]
    try:
        logging.getLogger("celery.apps.worker").info("celery@test ready.")
        logging.getLogger("celery.app.trace").info("Task %s succeeded", "analytics.x")
    finally:
        handler.setStream(previous)  # type: ignore[attr-defined]
    ready, succeeded = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert ready == {**ready, "event": "celery@test ready.", "logger": "celery.apps.worker", "level": "info"}
    assert succeeded["event"] == "Task analytics.x succeeded" and "timestamp" in succeeded


def test_a_start_without_a_dot_env_file_says_nothing_about_it() -> None:
    """A fresh checkout runs with no ``.env``: loading the settings then logs no line about one."""
    import os
    import subprocess
    import sys

    from django.conf import settings

    code = "import logging; logging.basicConfig(level=logging.INFO); import workplace_roleplay.settings.base"
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(  # noqa: S603 - this interpreter, fixed code
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "/.env" not in result.stderr and "not found" not in result.stderr


def test_a_line_below_the_level_is_dropped_before_the_processors_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """At LOG_LEVEL=WARNING an info line costs a level check, not the chain that builds and redacts it."""
    from django.conf import settings

    from core import logging as product_logging

    seen: list[str] = []

    def spy(logger: Any, method: str, event: dict[str, Any]) -> dict[str, Any]:
        seen.append(event["event"])
        return event

    monkeypatch.setattr(product_logging, "redact_sensitive", spy)
    product_logging.configure_logging("WARNING")
    try:
        log = structlog.get_logger("tests.levels")
        log.info("below_the_level")
        log.warning("at_the_level")
    finally:
        monkeypatch.undo()
        product_logging.configure_logging(settings.LOG_LEVEL)
    assert seen == ["at_the_level"]
