from io import StringIO

import pytest
from django.core.management import call_command

from accounts.tests.factories import UserFactory
from scenarios.models import Scenario, ScenarioConsent
from scenarios.services import (
    builtin_scenarios_load,
    scenario_consent_record,
    scenario_duplicate,
    scenario_persona_fields,
    scenario_publish,
    scenario_unpublish,
)
from scenarios.tests.factories import ScenarioFactory

pytestmark = pytest.mark.django_db


def test_publishing_and_unpublishing_records_the_editor():
    trainer = UserFactory.create(trainer=True)
    scenario = ScenarioFactory.create(published=False)

    scenario_publish(scenario=scenario, user=trainer)
    scenario.refresh_from_db()
    assert scenario.published and scenario.last_editor == trainer

    scenario_unpublish(scenario=scenario, user=trainer)
    scenario.refresh_from_db()
    assert not scenario.published


def test_a_duplicate_is_an_unpublished_copy_with_the_same_points_and_a_free_key():
    trainer = UserFactory.create(trainer=True)
    original = ScenarioFactory.create(slug="report", learning_points=["一", "二"], feedback_points=["三"])

    first = scenario_duplicate(scenario=original, user=trainer)
    second = scenario_duplicate(scenario=original, user=trainer)

    assert (first.slug, second.slug) == ("report-copy", "report-copy-2")
    assert not first.published and first.author == trainer
    assert first.title == f"{original.title}（コピー）"
    assert first.learning_point_texts() == ["一", "二"] and first.feedback_point_texts() == ["三"]
    assert original.learning_point_texts() == ["一", "二"]


def test_consent_is_recorded_once_per_learner_and_scenario():
    learner = UserFactory.create()
    scenario = ScenarioFactory.create(sensitive=True)

    scenario_consent_record(user=learner, scenario=scenario)
    scenario_consent_record(user=learner, scenario=scenario)

    assert ScenarioConsent.objects.filter(user=learner, scenario=scenario).count() == 1


def test_the_persona_carries_roles_style_and_the_scenario_goals():
    scenario = ScenarioFactory.create(ai_role="課長", learner_role="新人", persona_hint="低く落ち着いた声")

    fields = scenario_persona_fields(scenario, language="en")

    assert fields["role"] == "課長" and fields["learner_role"] == "新人"
    assert fields["speaking_style"] == scenario.speaking_style
    assert fields["language"] == "en"
    assert "結論から話す" in fields["instructions"] and "低く落ち着いた声" in fields["instructions"]
    assert set(fields) == {
        "role",
        "learner_role",
        "personality",
        "speaking_style",
        "situation",
        "name",
        "language",
        "instructions",
    }


def test_built_in_scenarios_install_published_and_a_second_load_keeps_trainer_edits():
    result = builtin_scenarios_load(create_only=True)
    count = Scenario.objects.count()
    assert count == len(result.created) >= 30
    assert Scenario.objects.filter(published=False).count() == 0

    edited = Scenario.objects.get(slug="report-delay-early")
    edited.title = "研修用に書き換えたタイトル"
    edited.save()
    again = builtin_scenarios_load(create_only=True)

    assert again.created == [] and Scenario.objects.count() == count
    edited.refresh_from_db()
    assert edited.title == "研修用に書き換えたタイトル"


def test_demo_data_adds_the_built_in_scenarios_authored_by_the_demo_trainer():
    out = StringIO()
    call_command("demo_data", stdout=out)

    assert Scenario.objects.filter(published=True).count() >= 30
    assert Scenario.objects.filter(sensitive=True).count() >= 4
    assert Scenario.objects.first().author.is_trainer  # type: ignore[union-attr]
    assert "built-in scenarios added" in out.getvalue()


def test_only_what_a_trainer_published_lately_is_new_not_the_built_in_scenarios():
    builtin_scenarios_load(create_only=True)
    assert not any(scenario.is_new for scenario in Scenario.objects.all())
    builtin = Scenario.objects.get(slug="report-delay-early")
    builtin.title = "書き換えたタイトル"
    builtin.save()
    draft = ScenarioFactory.create(published=False)
    assert not Scenario.objects.get(pk=builtin.pk).is_new and not draft.is_new

    scenario_publish(scenario=draft)
    assert Scenario.objects.get(pk=draft.pk).is_new
    scenario_unpublish(scenario=builtin)
    scenario_publish(scenario=builtin)
    assert Scenario.objects.get(pk=builtin.pk).is_new  # published again: news for learners
