"""The migration that gives a scenario play its result keeps every play, forward and backward."""

from typing import Any

import pytest

from accounts.tests.factories import UserFactory
from testing.migrations import migrate_to, migrate_to_latest

pytestmark = pytest.mark.django_db(transaction=True)
BEFORE = ("scenarios", "0005_scenario_published_at")
AFTER = ("scenarios", "0006_scenario_play_result")


def _play(apps: Any, user_id: int) -> Any:
    user = apps.get_model("accounts", "User").objects.get(pk=user_id)
    scenario = apps.get_model("scenarios", "Scenario").objects.create(
        slug="mig", title="報告", description="d", ai_role="課長", learner_role="部下", situation="s"
    )
    conversation = apps.get_model("conversations", "Conversation").objects.create(user=user, mode="scenario")
    return apps.get_model("scenarios", "ScenarioPlay").objects.create(
        user=user, scenario=scenario, conversation=conversation
    )


def test_plays_stored_before_have_no_result_yet_and_the_migration_can_be_undone() -> None:
    user_id = UserFactory().pk  # today's user (other apps' later migrations stay applied)
    try:
        old = migrate_to(BEFORE)
        play_id = _play(old, user_id).pk
        new = migrate_to(AFTER)
        play = new.get_model("scenarios", "ScenarioPlay").objects.get(pk=play_id)
        assert (play.feedback_at, play.rubric_total, play.passed) == (None, None, None)
        play.rubric_total, play.passed = 80, True
        play.save()
        back = migrate_to(BEFORE)
        assert back.get_model("scenarios", "ScenarioPlay").objects.filter(pk=play_id).exists()
    finally:
        migrate_to_latest()
