"""Starting scenarios: 10 a minute by default, on the page and the API; over the limit nothing is stored."""

from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from accounts.tests.factories import UserFactory
from conversations.models import Conversation, Message
from scenarios.models import ScenarioConsent
from scenarios.tests.factories import ScenarioFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_starts_a_minute(settings: Any) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "scenario_start": ["2/m"]}


@pytest.mark.usefixtures("two_starts_a_minute")
def test_the_start_button_over_the_limit_shows_a_message_and_starts_nothing(client: Client) -> None:
    scenario = ScenarioFactory()
    client.force_login(UserFactory.create())
    started = [client.post(f"/scenarios/{scenario.pk}/start/").status_code for _ in range(2)]
    refused = client.post(f"/scenarios/{scenario.pk}/start/")

    assert started == [302, 302]
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert "rate-limited" in refused.content.decode()
    assert Conversation.objects.count() == 2


@pytest.mark.usefixtures("two_starts_a_minute")
def test_the_consent_form_counts_as_a_start_and_records_nothing_when_refused(client: Client) -> None:
    scenario = ScenarioFactory(sensitive=True)
    client.force_login(UserFactory.create())
    assert client.get(f"/scenarios/{scenario.pk}/consent/").status_code == 200  # reading it is not a start
    [client.post(f"/scenarios/{scenario.pk}/consent/", {"agree": "on"}) for _ in range(2)]
    ScenarioConsent.objects.all().delete()
    refused = client.post(f"/scenarios/{scenario.pk}/consent/", {"agree": "on"})

    assert refused.status_code == 429
    assert not ScenarioConsent.objects.exists()


@pytest.mark.usefixtures("two_starts_a_minute")
def test_the_api_start_over_the_limit_is_429_and_stores_nothing() -> None:
    scenario = ScenarioFactory()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(UserFactory.create())}")
    started = [client.post("/api/v1/scenarios/start", {"scenario_id": scenario.pk}, format="json") for _ in range(2)]
    refused = client.post("/api/v1/scenarios/start", {"scenario_id": scenario.pk}, format="json")

    assert [response.status_code for response in started] == [201, 201]
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert "detail" in refused.json()
    assert Conversation.objects.count() == 2


def test_scenario_messages_share_the_chat_message_limit(settings: Any, fake_llm: Any) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "chat_message": ["1/m"]}
    scenario = ScenarioFactory()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(UserFactory.create())}")
    conversation_id = client.post("/api/v1/scenarios/start", {"scenario_id": scenario.pk}, format="json").json()[
        "conversation"
    ]["id"]

    def send(text: str) -> Any:
        return client.post(
            "/api/v1/scenarios/message", {"conversation_id": conversation_id, "text": text}, format="json"
        )

    assert send("報告があります").status_code == 201
    refused = send("もう一つあります")
    assert refused.status_code == 429 and refused["Retry-After"]
    assert not Message.objects.filter(content="もう一つあります").exists()
