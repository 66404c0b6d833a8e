from typing import Any

import pytest
from django.test import Client

from accounts.tests.factories import UserFactory
from conversations.models import Conversation, Feedback, Mode
from conversations.personas import feedback_brief_for, persona_for
from conversations.tests.factories import quoted_evidence
from scenarios.models import ScenarioConsent, ScenarioPlay
from scenarios.play import ConsentRequiredError, scenario_play_start
from scenarios.selectors import scenario_practised_counts
from scenarios.tests.factories import ScenarioFactory

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_it_starts_with_the_characters_opening_line() -> None:
    user = UserFactory()
    scenario = ScenarioFactory(opening_line="お、どうしたの？")
    conversation = scenario_play_start(user=user, scenario=scenario)
    assert conversation.mode == Mode.SCENARIO
    assert list(conversation.messages.values_list("role", "content")) == [("assistant", "お、どうしたの？")]
    assert ScenarioPlay.objects.get(conversation=conversation).scenario == scenario


def test_it_plays_the_scenarios_character_and_scores_its_feedback_points() -> None:
    scenario = ScenarioFactory(
        ai_role="課長（40代）", speaking_style="短く要点を聞く。", feedback_points=["結論から話せたか"]
    )
    conversation = scenario_play_start(user=UserFactory(), scenario=scenario)
    persona = persona_for(conversation)
    assert persona.role == "課長（40代）" and persona.speaking_style == "短く要点を聞く。"
    points, context = feedback_brief_for(conversation)
    assert points == ["結論から話せたか"] and scenario.title in context


def test_it_counts_practice_in_the_catalog() -> None:
    user = UserFactory()
    scenario = ScenarioFactory()
    scenario_play_start(user=user, scenario=scenario)
    scenario_play_start(user=user, scenario=scenario)
    assert scenario_practised_counts(user=user, scenario_ids=[scenario.pk]) == {scenario.pk: 2}


def test_it_refuses_a_sensitive_scenario_without_consent() -> None:
    user = UserFactory()
    scenario = ScenarioFactory(sensitive=True)
    with pytest.raises(ConsentRequiredError):
        scenario_play_start(user=user, scenario=scenario)
    assert not Conversation.objects.exists()
    ScenarioConsent.objects.create(user=user, scenario=scenario)
    assert scenario_play_start(user=user, scenario=scenario).mode == Mode.SCENARIO


def test_it_opens_the_play_page_from_the_start_button() -> None:
    user = UserFactory()
    scenario = ScenarioFactory()
    response = _client(user).post(f"/scenarios/{scenario.pk}/start/")
    conversation = Conversation.objects.get(user=user)
    assert response.status_code == 302 and response.url == f"/scenarios/play/{conversation.id}/"
    page = _client(user).get(response.url).content.decode()
    assert "お、どうしたの？" in page and f"/ws/chat/{conversation.id}?format=html" in page and "hint-button" in page


def test_it_hides_another_learners_play() -> None:
    conversation = scenario_play_start(user=UserFactory(), scenario=ScenarioFactory())
    stranger = _client(UserFactory())
    assert stranger.get(f"/scenarios/play/{conversation.id}/").status_code == 404
    assert stranger.post(f"/scenarios/play/{conversation.id}/hint/").status_code == 404


def test_it_gives_a_hint(fake_llm: Any) -> None:
    conversation = scenario_play_start(user=UserFactory(), scenario=ScenarioFactory())
    fake_llm.reply_json({"hint": "まず結論から伝えましょう", "example": "結論から申し上げますと"})
    response = _client(conversation.user).post(f"/scenarios/play/{conversation.id}/hint/", HTTP_HX_REQUEST="true")
    assert "まず結論から伝えましょう" in response.content.decode()
    assert "課長" in fake_llm.requests[-1]["messages"][0]["content"] + fake_llm.requests[-1]["messages"][-1]["content"]


def test_it_scores_the_scenarios_own_points_on_the_page(fake_llm: Any) -> None:
    scenario = ScenarioFactory(feedback_points=["結論から話せたか"])
    conversation = scenario_play_start(user=UserFactory(), scenario=scenario)
    conversation.messages.create(role="user", content="結論から申し上げますと、遅れています")
    scores = dict.fromkeys(
        ["empathy", "clarity", "active_listening", "adaptability", "positivity", "professionalism"], 60
    )
    fake_llm.reply_json(
        {
            "summary": "結論が先でした",
            "went_well": [],
            "to_improve": [],
            "better_phrasings": [],
            "scores": scores,
            "evidence": quoted_evidence("結論から申し上げますと"),
            "point_scores": [{"point": "結論から話せたか", "score": 90, "comment": "明確"}],
        }
    )
    page = (
        _client(conversation.user).post(f"/chat/{conversation.id}/feedback/", HTTP_HX_REQUEST="true").content.decode()
    )
    assert "結論から話せたか" in page and "90" in page
    assert "結論から話せたか" in str(fake_llm.requests[-1]["messages"])
    assert Feedback.objects.get(conversation=conversation).content["point_scores"][0]["score"] == 90
