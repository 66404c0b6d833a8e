"""A hint (or feedback) asked for while its play is being deleted answers 404, not 500.

The conversation is found, then the learner's delete (in another request) commits before the
scenario is looked up: the test deletes it at exactly that moment.
"""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from accounts.tests.factories import UserFactory
from conversations.models import Conversation
from scenarios.play import scenario_play_start
from scenarios.tests.factories import ScenarioFactory

pytestmark = pytest.mark.django_db


def _deleted_once_found(get: Callable[..., Conversation]) -> Callable[..., Conversation]:
    def found_then_deleted(**kwargs: Any) -> Conversation:
        conversation = get(**kwargs)
        Conversation.objects.filter(pk=conversation.pk).delete()
        return conversation

    return found_then_deleted


def test_it_answers_404_to_an_api_hint_for_a_play_deleted_meanwhile(fake_llm: Any, monkeypatch: Any) -> None:
    from scenarios.api import play as api

    user = UserFactory()
    conversation = scenario_play_start(user=user, scenario=ScenarioFactory())
    monkeypatch.setattr(api, "conversation_get", _deleted_once_found(api.conversation_get))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    response = client.post("/api/v1/scenarios/hint", {"conversation_id": str(conversation.id)}, format="json")
    assert response.status_code == 404
    assert response.json()["detail"]
    assert fake_llm.requests == []


def test_it_answers_404_to_a_page_hint_for_a_play_deleted_meanwhile(
    client: Client, fake_llm: Any, monkeypatch: Any
) -> None:
    from scenarios import views

    user = UserFactory()
    conversation = scenario_play_start(user=user, scenario=ScenarioFactory())
    monkeypatch.setattr(views, "conversation_get", _deleted_once_found(views.conversation_get))
    client.force_login(user)
    assert client.post(f"/scenarios/play/{conversation.id}/hint/").status_code == 404
    assert fake_llm.requests == []
