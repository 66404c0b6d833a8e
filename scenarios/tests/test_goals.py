"""Goals in view: the play page keeps the learner's briefing, goals and criteria in a collapsible panel,
and a scenario's time limit shows a countdown to the play's deadline."""

from datetime import datetime, timedelta
from typing import Any

import pytest
import yaml
from django.utils import timezone

from accounts.tests.factories import UserFactory
from conversations import services as conversation_services
from conversations.services import ConversationClosedError
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
