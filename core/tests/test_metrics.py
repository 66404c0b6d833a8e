"""/metrics: who may read it, the product's own metrics, and totals across processes."""

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from prometheus_client import REGISTRY, CollectorRegistry, multiprocess
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from conversations import services
from conversations.tests.factories import ConversationFactory, MessageFactory
from core.metrics import track_active_session
from workplace_roleplay.asgi import application
from workplace_roleplay.celery import app as celery_app


def _value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@celery_app.task(name="tests.metrics_ok")
def metrics_ok() -> int:
    return 1


@celery_app.task(name="tests.metrics_broken")
def metrics_broken() -> int:
    raise ValueError("broken on purpose")


@celery_app.task(name="tests.metrics_retry", bind=True, max_retries=1)
def metrics_retry(self: Any) -> int:
    if self.request.retries == 0:
        raise self.retry(countdown=0)
    return 2


# --- Who may read /metrics --------------------------------------------------------------------


@pytest.mark.django_db
def test_the_local_host_reads_the_metrics(client: Client) -> None:
    response = client.get("/metrics")
    assert response.status_code == 200
    body = response.content.decode()
    assert "django_http_requests_total_by_method_total" in body and "conversations_total" in body


@pytest.mark.django_db
@pytest.mark.parametrize("authorization", [None, "Bearer wrong-token", "Basic c2VjcmV0"])
def test_anyone_else_gets_not_found(client: Client, settings: Any, authorization: str | None) -> None:
    settings.METRICS_TOKEN = "s3cret-metrics-token"
    headers = {"Authorization": authorization} if authorization else {}
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.5", headers=headers)
    assert response.status_code == 404
    assert b"conversations_total" not in response.content


@pytest.mark.django_db
def test_the_token_holder_reads_from_anywhere(client: Client, settings: Any) -> None:
    settings.METRICS_TOKEN = "s3cret-metrics-token"
    response = client.get(
        "/metrics", REMOTE_ADDR="203.0.113.5", headers={"Authorization": "Bearer s3cret-metrics-token"}
    )
    assert response.status_code == 200


@pytest.mark.django_db
def test_allowed_networks_and_the_trusted_proxy_header(client: Client, settings: Any) -> None:
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8"]
    settings.TRUSTED_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert (
        client.get("/metrics", REMOTE_ADDR="10.1.2.3", headers={"X-Forwarded-For": "198.51.100.7"}).status_code == 404
    )
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 404


@pytest.mark.django_db
def test_probes_answer_any_host_name(client: Client) -> None:
    assert client.get("/metrics", HTTP_HOST="10.2.3.4:8000").status_code == 200
    assert client.get("/healthz", HTTP_HOST="10.2.3.4:8000").status_code == 200


# --- The product's metrics ----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_conversations_are_counted_when_started_and_when_ended(fake_llm: Any) -> None:
    started, ended = (
        _value("conversations_total", mode="chat", status="started"),
        _value("conversations_total", mode="chat", status="ended"),
    )
    api = APIClient()
    api.force_authenticate(UserFactory.create())
    response = api.post("/api/v1/chat/start", {"partner": "先輩", "situation": "ランチ"}, format="json")
    conversation = services.conversation_get(
        user=response.wsgi_request.user, conversation_id=response.json()["conversation"]["id"]
    )
    services.conversation_end(conversation=conversation)
    services.conversation_end(conversation=conversation)

    assert _value("conversations_total", mode="chat", status="started") == started + 1
    assert _value("conversations_total", mode="chat", status="ended") == ended + 1


@pytest.mark.django_db(transaction=True)
async def test_open_chat_sockets_are_counted(fake_llm: Any) -> None:
    from rest_framework_simplejwt.tokens import AccessToken

    conversation = await database_sync_to_async(ConversationFactory)()
    await database_sync_to_async(MessageFactory)(conversation=conversation, role="assistant", content="やあ")
    before = _value("active_sessions", type="chat")
    headers = [(b"authorization", f"Bearer {AccessToken.for_user(conversation.user)}".encode())]
    communicator = WebsocketCommunicator(application, f"/ws/chat/{conversation.id}", headers=headers)
    await communicator.connect()
    await communicator.receive_json_from()
    during = _value("active_sessions", type="chat")
    await communicator.disconnect()

    assert during == before + 1
    assert _value("active_sessions", type="chat") == before


def test_an_active_session_counts_once_however_it_is_closed() -> None:
    before = _value("active_sessions", type="watch")
    with track_active_session("watch") as session:
        assert _value("active_sessions", type="watch") == before + 1
        session.close()
    assert _value("active_sessions", type="watch") == before
    with pytest.raises(ValueError):
        track_active_session("video")


def test_celery_task_outcomes_are_counted() -> None:
    counts = {outcome: _value("celery_tasks_total", task=name, outcome=outcome) for name, outcome in [
        ("tests.metrics_ok", "success"), ("tests.metrics_broken", "failure"), ("tests.metrics_retry", "retry")
    ]}  # fmt: skip
    metrics_ok.apply()
    metrics_broken.apply()
    metrics_retry.apply()

    assert _value("celery_tasks_total", task="tests.metrics_ok", outcome="success") == counts["success"] + 1
    assert _value("celery_tasks_total", task="tests.metrics_broken", outcome="failure") == counts["failure"] + 1
    assert _value("celery_tasks_total", task="tests.metrics_retry", outcome="retry") == counts["retry"] + 1


# --- Several processes ----------------------------------------------------------------------------

_WORKER = """
from core.metrics import ACTIVE_SESSIONS, count_conversation
count_conversation(mode="scenario", status="started")
ACTIVE_SESSIONS.labels("chat").inc()
"""


def _run_process(directory: Path) -> int:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)}
    code = "import os; print(os.getpid())\n" + _WORKER
    result = subprocess.run(  # noqa: S603 - this interpreter with a fixed script
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, timeout=60
    )
    return int(result.stdout.strip())


def _collected(directory: Path) -> CollectorRegistry:
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=str(directory))  # type: ignore[no-untyped-call]
    return registry


def test_counters_add_up_across_processes_and_gauges_count_live_ones(tmp_path: Path) -> None:
    first, second = _run_process(tmp_path), _run_process(tmp_path)
    registry = _collected(tmp_path)
    assert registry.get_sample_value("conversations_total", {"mode": "scenario", "status": "started"}) == 2
    assert registry.get_sample_value("active_sessions", {"type": "chat"}) == 2

    multiprocess.mark_process_dead(first, path=str(tmp_path))  # type: ignore[no-untyped-call]
    registry = _collected(tmp_path)
    assert registry.get_sample_value("active_sessions", {"type": "chat"}) == 1
    assert registry.get_sample_value("conversations_total", {"mode": "scenario", "status": "started"}) == 2
    assert second != first


@pytest.mark.django_db
def test_metrics_endpoint_adds_up_every_process(
    client: Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _run_process(tmp_path)
    _run_process(tmp_path)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    body = client.get("/metrics").content.decode()
    assert 'conversations_total{mode="scenario",status="started"} 2.0' in body
