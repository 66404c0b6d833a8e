"""No sensitive (harassment-prevention) scenario starts as a watch theme without consent: page, API, socket."""

from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from channels.testing import WebsocketCommunicator
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from scenarios.models import Category, ScenarioConsent
from scenarios.services import scenario_consent_record
from scenarios.tests.factories import ScenarioFactory
from watch.models import State, WatchSession
from watch.tests.conftest import db
from watch.tests.factories import WatchSessionFactory
from watch.tests.helpers import headers
from workplace_roleplay.asgi import application


def _sensitive() -> Any:
    return ScenarioFactory(category=Category.HARASSMENT, title="指導とパワハラの境界")


def _form(scenario: Any) -> dict[str, str]:
    return {"theme": f"scenario:{scenario.pk}", "persona_a": "manager", "persona_b": "newcomer", "pace": "fast"}


@pytest.mark.django_db
def test_the_page_sends_a_learner_to_consent_first_and_back_to_the_start_form(client: Any) -> None:
    user = UserFactory()
    scenario = _sensitive()
    client.force_login(user)

    refused = client.post(reverse("watch:home"), _form(scenario))

    assert refused.status_code == 302 and not WatchSession.objects.exists()
    target = urlparse(refused["Location"])
    assert target.path == reverse("scenarios:consent", args=[scenario.pk])
    back = parse_qs(target.query)["next"][0]
    consent_page = client.get(refused["Location"]).content.decode()
    assert "0570-003-110" in consent_page and "総合労働相談コーナー" in consent_page
    confirmed = client.post(refused["Location"], {"agree": "on", "next": back})
    assert confirmed.status_code == 302 and confirmed["Location"] == back
    assert ScenarioConsent.objects.filter(user=user, scenario=scenario).exists()
    assert f'value="scenario:{scenario.pk}" selected' in client.get(back).content.decode()
    assert client.post(reverse("watch:home"), _form(scenario)).status_code == 302
    assert WatchSession.objects.filter(user=user, scenario=scenario).exists()


@pytest.mark.django_db
def test_the_consent_page_never_sends_a_learner_off_the_site(client: Any) -> None:
    scenario = _sensitive()
    client.force_login(UserFactory())

    response = client.post(
        reverse("scenarios:consent", args=[scenario.pk]), {"agree": "on", "next": "https://evil.example/"}
    )

    assert response.status_code == 302 and response["Location"].startswith("/scenarios/play/")


@pytest.mark.django_db
def test_the_api_refuses_a_sensitive_theme_without_consent() -> None:
    user, scenario = UserFactory(), _sensitive()
    client = APIClient()
    client.force_authenticate(user)
    body = {"theme": f"scenario:{scenario.pk}", "personas": ["manager", "newcomer"], "pace": "fast"}

    refused = client.post("/api/v1/watch/start", body, format="json")
    scenario_consent_record(user=user, scenario=scenario)
    allowed = client.post("/api/v1/watch/start", body, format="json")

    assert refused.status_code == 403
    assert refused.json()["code"] == "consent_required" and refused.json()["scenario_id"] == scenario.pk
    assert allowed.status_code == 201
    assert WatchSession.objects.filter(user=user).count() == 1


@pytest.mark.django_db
def test_a_shared_viewer_without_consent_is_sent_to_consent_by_the_page(client: Any) -> None:
    owner, viewer, scenario = UserFactory(), UserFactory(), _sensitive()
    session = WatchSessionFactory(
        user=owner, scenario=scenario, state=State.PAUSED, share_token="tok", share_enabled=True
    )
    client.force_login(viewer)

    response = client.get(reverse("watch:detail", args=[session.id]) + "?share=tok")

    assert response.status_code == 302
    assert urlparse(response["Location"]).path == reverse("scenarios:consent", args=[scenario.pk])


@pytest.mark.django_db(transaction=True)
async def test_the_socket_refuses_a_sensitive_theme_without_consent() -> None:
    owner, viewer = await db(UserFactory)(), await db(UserFactory)()
    scenario = await db(_sensitive)()
    session = await db(WatchSessionFactory)(
        user=owner, scenario=scenario, state=State.PAUSED, share_token="tok", share_enabled=True
    )
    socket = WebsocketCommunicator(application, f"/ws/watch/{session.id}?share=tok", headers=headers(viewer))

    connected, _ = await socket.connect()
    frame = await socket.receive_json_from()
    closed = await socket.receive_output()

    assert connected
    assert frame["type"] == "watch.error" and frame["code"] == "consent_required"
    assert "snapshot" not in str(frame)
    assert closed == {"type": "websocket.close", "code": 4403}

    await db(scenario_consent_record)(user=viewer, scenario=scenario)
    again = WebsocketCommunicator(application, f"/ws/watch/{session.id}?share=tok", headers=headers(viewer))
    assert (await again.connect())[0]
    assert (await again.receive_json_from())["type"] == "watch.snapshot"
    await again.disconnect()


@pytest.mark.django_db
def test_the_api_refuses_a_shared_viewer_without_consent_the_session_and_its_stream() -> None:
    owner, viewer, scenario = UserFactory(), UserFactory(), _sensitive()
    session = WatchSessionFactory(
        user=owner, scenario=scenario, state=State.PAUSED, share_token="tok", share_enabled=True
    )
    client = APIClient()
    client.force_authenticate(viewer)

    detail = client.get(f"/api/v1/watch/session/{session.id}?share=tok")
    stream = client.get(f"/api/v1/watch/stream/{session.id}?share=tok")
    joined = client.post(f"/api/v1/watch/join/{session.id}", {"share_token": "tok"}, format="json")

    assert [r.status_code for r in (detail, stream, joined)] == [403, 403, 403]
    assert {r.json()["code"] for r in (detail, stream, joined)} == {"consent_required"}
