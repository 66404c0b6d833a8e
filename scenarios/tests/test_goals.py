"""Goals in view: the play page keeps the learner's briefing, goals and criteria in a collapsible panel,
and a scenario's time limit shows a countdown to the play's deadline."""

from datetime import datetime, timedelta
from typing import Any

import pytest
import yaml
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from accounts.tests.factories import UserFactory
from conversations import services as conversation_services
from conversations.models import Feedback
from conversations.services import ConversationClosedError
from conversations.time_limits import end_timed_out_practices
from scenarios.importer import ScenarioImportError, Source, parse_source
from scenarios.play import scenario_play_start
from scenarios.services import scenario_rubric_replace
from scenarios.tests.factories import ScenarioFactory

pytestmark = pytest.mark.django_db


def _play_page(client: Any, **fields: Any) -> tuple[str, Any]:
    user = UserFactory()
    scenario = ScenarioFactory(learner_briefing="あなたは課長です。田中さんに依頼します。", **fields)
    scenario_rubric_replace(
        scenario=scenario, criteria=[{"name": "期限を伝えた", "good": "日付を言う", "poor": "言わない"}]
    )
    conversation = scenario_play_start(user=user, scenario=scenario)
    client.force_login(user)
    return client.get(f"/scenarios/play/{conversation.id}/").content.decode(), conversation


def test_the_play_page_keeps_the_goals_in_a_collapsible_panel(client: Any) -> None:
    page, _ = _play_page(client)

    panel = page[page.index('id="goal-panel"') : page.index("</aside>")]
    assert "<details open>" in panel
    assert "あなたは課長です。田中さんに依頼します。" in panel
    assert "結論から話す" in panel and "期限を伝えた" in panel
    assert 'id="countdown"' not in panel  # no time limit


def test_a_time_limit_shows_a_countdown_to_the_plays_deadline(client: Any) -> None:
    page, conversation = _play_page(client, time_limit_minutes=5)

    deadline = datetime.fromisoformat(conversation.metadata["ends_at"])
    assert abs(deadline - (conversation.started_at + timedelta(minutes=5))) < timedelta(seconds=5)
    assert f'data-deadline="{conversation.metadata["ends_at"]}"' in page
    assert 'src="/static/scenarios/play.js"' in page


def test_time_limits_import_and_a_bad_one_is_named() -> None:
    item = {
        "slug": "s",
        "title": "t",
        "description": "d",
        "difficulty": "初級",
        "ai_role": "課長",
        "learner_role": "担当",
        "situation": "午後。",
        "learning_points": ["a"],
        "feedback_points": ["b"],
    }
    [data] = parse_source(Source("f.yaml", yaml.safe_dump({"scenarios": [{**item, "time_limit_minutes": 10}]})))
    assert data.time_limit_minutes == 10

    with pytest.raises(ScenarioImportError) as exc:
        parse_source(Source("f.yaml", yaml.safe_dump({"scenarios": [{**item, "time_limit_minutes": 0}]})))
    assert [p.field for p in exc.value.problems] == ["scenarios[0].time_limit_minutes"]


def test_no_line_is_taken_after_the_time_limit(client: Any) -> None:
    _, conversation = _play_page(client, time_limit_minutes=1)
    conversation.metadata["ends_at"] = (timezone.now() - timedelta(seconds=1)).isoformat()
    conversation.save(update_fields=["metadata"])

    with pytest.raises(ConversationClosedError):
        conversation_services.message_append_user(conversation=conversation, text="まだ話せますか", client_id="late")
    assert not conversation.messages.filter(role="user").exists()


def test_the_api_refuses_a_late_line_as_time_up_and_the_play_ends_with_rubric_feedback(fake_llm: Any) -> None:
    fake_llm.answer_json_requests()
    _, conversation = _play_page(Client(), time_limit_minutes=1)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(conversation.user)}")
    body = {"conversation_id": str(conversation.id), "text": "期限は金曜です。", "client_id": "in-time"}
    assert api.post("/api/v1/scenarios/message", body, format="json").status_code == 201
    conversation.metadata["ends_at"] = (timezone.now() - timedelta(minutes=2)).isoformat()
    conversation.save(update_fields=["metadata"])

    late = api.post(
        "/api/v1/scenarios/message", {**body, "client_id": "late"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert late.status_code == 400 and "時間切れ" in late.json()["conversation_id"][0]
    assert end_timed_out_practices()["with_feedback"] == 1
    feedback = api.post("/api/v1/scenarios/feedback", {"conversation_id": str(conversation.id)}, format="json").json()
    assert [c["criterion"] for c in feedback["feedback"]["criterion_scores"]] == ["期限を伝えた"]
    assert feedback["rubric"]["criteria"] and Feedback.objects.filter(conversation=conversation).count() == 1
