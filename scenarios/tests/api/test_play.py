from typing import Any

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from accounts.tests.factories import UserFactory
from conversations.models import Conversation, Message
from conversations.tests.factories import quoted_evidence
from scenarios.tests.factories import ScenarioFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _client(user: Any) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    return client


def test_it_starts_plays_and_scores_a_scenario(fake_llm: Any) -> None:
    user = UserFactory()
    scenario = ScenarioFactory(opening_line="お、どうしたの？", feedback_points=["結論から話せたか"])
    client = _client(user)
    start = client.post("/api/v1/scenarios/start", {"scenario_id": scenario.pk}, format="json")
    assert start.status_code == 201
    conversation_id = start.json()["conversation"]["id"]
    assert start.json()["messages"][0]["content"] == "お、どうしたの？"

    fake_llm.reply(tokens=["うん", "、", "それで？"])
    sent = client.post(
        "/api/v1/scenarios/message", {"conversation_id": conversation_id, "text": "報告があります"}, format="json"
    )
    assert sent.status_code == 201 and sent.json()["reply"]["content"] == "うん、それで？"
    assert "課長" in fake_llm.requests[-1]["messages"][0]["content"]

    scores = dict.fromkeys(
        ["empathy", "clarity", "active_listening", "adaptability", "positivity", "professionalism"], 55
    )
    fake_llm.reply_json(
        {
            "summary": "ok",
            "went_well": [],
            "to_improve": [],
            "better_phrasings": [],
            "scores": scores,
            "evidence": quoted_evidence("報告があります"),
            "point_scores": [{"point": "結論から話せたか", "score": 70, "comment": "まずまず"}],
        }
    )
    feedback = client.post("/api/v1/scenarios/feedback", {"conversation_id": conversation_id}, format="json")
    assert feedback.status_code == 200
    assert feedback.json()["feedback"]["point_scores"][0]["point"] == "結論から話せたか"


def test_it_refuses_a_sensitive_scenario_until_consent() -> None:
    user = UserFactory()
    scenario = ScenarioFactory(sensitive=True)
    client = _client(user)
    refused = client.post("/api/v1/scenarios/start", {"scenario_id": scenario.pk}, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "consent_required"
    assert not Conversation.objects.exists()
    assert client.post("/api/v1/scenarios/consent", {"scenario_id": scenario.pk}, format="json").status_code == 204
    assert client.post("/api/v1/scenarios/start", {"scenario_id": scenario.pk}, format="json").status_code == 201


def test_it_hides_drafts_and_rejects_bad_input() -> None:
    client = _client(UserFactory())
    draft = ScenarioFactory(published=False)
    assert client.post("/api/v1/scenarios/start", {"scenario_id": draft.pk}, format="json").status_code == 404
    bad = client.post("/api/v1/scenarios/start", {"scenario_id": "abc"}, format="json")
    assert bad.status_code == 400 and "scenario_id" in bad.json()


def test_it_keeps_other_learners_out_of_a_play(fake_llm: Any) -> None:
    owner = UserFactory()
    scenario = ScenarioFactory()
    conversation_id = (
        _client(owner)
        .post("/api/v1/scenarios/start", {"scenario_id": scenario.pk}, format="json")
        .json()["conversation"]["id"]
    )
    stranger = _client(UserFactory())
    ref = {"conversation_id": conversation_id}
    assert stranger.post("/api/v1/scenarios/message", {**ref, "text": "やあ"}, format="json").status_code == 404
    assert stranger.post("/api/v1/scenarios/feedback", ref, format="json").status_code == 404
    assert stranger.post("/api/v1/scenarios/hint", ref, format="json").status_code == 404
    assert Message.objects.filter(role="user").count() == 0


def test_it_streams_the_reply_when_asked_with_format_sse(fake_llm: Any) -> None:
    from conversations.tests.api.test_views import _sse_events

    client = _client(UserFactory())
    start = client.post("/api/v1/scenarios/start", {"scenario_id": ScenarioFactory().pk}, format="json")
    fake_llm.reply(tokens=["なるほど", "。"])
    body = {"conversation_id": start.json()["conversation"]["id"], "text": "報告します", "client_id": "s1"}
    response = client.post("/api/v1/scenarios/message?format=sse", body, format="json")
    assert response.status_code in (200, 201) and response["Content-Type"].startswith("text/event-stream")
    events = _sse_events(response)
    assert [name for name, _ in events][-1] == "chat.message.done"
    assert "error" not in [name for name, _ in events]
    assert events[-1][1]["message"]["content"] == "なるほど。"


def test_it_keeps_the_streamed_reply_and_sends_an_error_event_when_the_database_breaks(fake_llm: Any) -> None:
    from conversations.tests.api.test_views import _sse_events
    from conversations.tests.outage import reply_write_broken

    client = _client(UserFactory())
    start = client.post("/api/v1/scenarios/start", {"scenario_id": ScenarioFactory().pk}, format="json")
    conversation_id = start.json()["conversation"]["id"]
    fake_llm.reply(tokens=["締切は", "いつ", "だっけ"], delay=0.05)
    body = {"conversation_id": conversation_id, "text": "遅れそうです", "client_id": "db-s1"}
    with reply_write_broken("conversations_message", "conversation_id", conversation_id):
        events = _sse_events(
            client.post("/api/v1/scenarios/message", body, format="json", HTTP_ACCEPT="text/event-stream")
        )
    names = [name for name, _ in events]
    assert names[-2:] == ["chat.message.done", "chat.error"]
    assert (
        events[-2][1]["message"]["status"] == "interrupted"
        and events[-2][1]["message"]["content"] == "締切はいつだっけ"
    )
    assert events[-1][1]["code"] == "database_unavailable" and events[-1][1]["retryable"] is True
    reply = Message.objects.get(pk=events[-2][1]["message"]["id"])
    assert reply.status == "interrupted" and reply.content == "締切はいつだっけ"


def test_it_answers_503_when_the_database_breaks_during_a_json_reply(fake_llm: Any) -> None:
    from conversations.tests.outage import reply_write_broken

    client = _client(UserFactory())
    start = client.post("/api/v1/scenarios/start", {"scenario_id": ScenarioFactory().pk}, format="json")
    conversation_id = start.json()["conversation"]["id"]
    fake_llm.reply(tokens=["うーん", "そうだね"], delay=0.05)
    body = {"conversation_id": conversation_id, "text": "相談です", "client_id": "db-s2"}
    with reply_write_broken("conversations_message", "conversation_id", conversation_id, times=2):
        response = client.post("/api/v1/scenarios/message", body, format="json")
    assert response.status_code == 503 and response.json()["retryable"] is True
    assert Message.objects.filter(conversation_id=conversation_id, client_id="db-s2").exists()  # the line is kept
