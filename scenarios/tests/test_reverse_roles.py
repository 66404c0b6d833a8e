"""The learner can play the boss: the partner waits when the learner opens, and the judge is told the role."""

import asyncio
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from accounts.tests.factories import UserFactory
from conversations.models import Conversation
from core.tests.sockets import bearer_headers
from scenarios.models import RoleType
from scenarios.play import scenario_feedback_brief, scenario_play_start
from scenarios.tests.factories import ScenarioFactory
from workplace_roleplay.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)


def _boss_scenario(**overrides: Any) -> Any:
    return ScenarioFactory(
        role_type=RoleType.REVERSE,
        ai_role="部下（入社3年目）",
        learner_role="課長",
        learner_speaks_first=True,
        opening_line="課長、お呼びでしょうか。",
        learner_briefing="あなたは課長として、田中さんに急ぎの仕事を頼みます。",
        **overrides,
    )


def test_when_the_learner_opens_the_api_start_has_no_partner_line(fake_llm: Any) -> None:
    user = UserFactory()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")

    start = client.post("/api/v1/scenarios/start", {"scenario_id": _boss_scenario().pk}, format="json")

    assert start.status_code == 201
    assert start.json()["messages"] == []
    assert fake_llm.requests == []  # the partner was not asked for an opening
    conversation = Conversation.objects.get()
    assert conversation.metadata["learner_opens"] is True
    assert not conversation.messages.exists()


def test_the_judge_is_told_the_learner_speaks_as_the_boss() -> None:
    conversation = scenario_play_start(user=UserFactory(), scenario=_boss_scenario())

    _, context = scenario_feedback_brief(conversation)

    assert "学習者は「課長」として話しています" in context


def test_the_scenario_page_shows_the_learners_briefing_and_the_reverse_role(client: Any) -> None:
    user = UserFactory()
    client.force_login(user)
    scenario = _boss_scenario(situation="部下の田中は見積書2件の締切を抱えている。")

    body = client.get(scenario.get_absolute_url()).content.decode()

    assert "あなたは課長として、田中さんに急ぎの仕事を頼みます。" in body
    assert "部下の田中は見積書2件の締切を抱えている。" not in body
    assert "上の立場（課長）" in body


async def test_when_the_learner_opens_the_socket_waits_for_their_first_line(fake_llm: Any) -> None:
    user = await database_sync_to_async(UserFactory)()
    scenario = await database_sync_to_async(_boss_scenario)()
    conversation = await database_sync_to_async(scenario_play_start)(user=user, scenario=scenario)
    socket = WebsocketCommunicator(application, f"/ws/chat/{conversation.id}", headers=bearer_headers(user))
    assert (await socket.connect())[0]

    history = await socket.receive_json_from()
    await asyncio.sleep(0.3)

    assert history["type"] == "chat.history" and history["messages"] == []
    assert await socket.receive_nothing(timeout=0.3)
    assert fake_llm.requests == []
    await socket.disconnect()
