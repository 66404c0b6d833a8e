from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from accounts.tests.factories import UserFactory
from scenarios.models import Category, Difficulty, Scenario
from scenarios.practice import register_practised_counter, unregister_practised_counter
from scenarios.selectors import (
    CatalogFilters,
    published_scenarios,
    scenario_catalog,
    scenario_categories,
    scenario_get_for_learner,
    scenario_tags,
)
from scenarios.tests.factories import ScenarioFactory

pytestmark = pytest.mark.django_db


def _titles(queryset: object) -> set[str]:
    return {scenario.title for scenario in queryset}  # type: ignore[attr-defined]


def test_drafts_never_reach_the_catalog():
    ScenarioFactory.create(title="公開中")
    ScenarioFactory.create(title="下書き", published=False)

    assert _titles(published_scenarios()) == {"公開中"}


def test_filters_by_difficulty_category_and_tag():
    ScenarioFactory.create(title="A", difficulty=Difficulty.BEGINNER, category=Category.REPORTING, tags=["報告"])
    ScenarioFactory.create(
        title="B", difficulty=Difficulty.ADVANCED, category=Category.REPORTING, tags=["報告", "部長"]
    )
    ScenarioFactory.create(title="C", difficulty=Difficulty.ADVANCED, category=Category.MEETINGS, tags=["会議"])

    assert _titles(published_scenarios(CatalogFilters(difficulty="advanced"))) == {"B", "C"}
    assert _titles(published_scenarios(CatalogFilters(category="reporting"))) == {"A", "B"}
    assert _titles(published_scenarios(CatalogFilters(tag="部長"))) == {"B"}
    # a tag is matched whole, not as part of a longer tag
    assert _titles(published_scenarios(CatalogFilters(tag="部"))) == set()


def test_search_finds_japanese_words_in_titles_descriptions_and_tags():
    ScenarioFactory.create(title="クレームの電話に対応する", description="配送遅れ", tags=["電話"])
    ScenarioFactory.create(title="会議で発言する", description="定例会議で意見を言う", tags=["発言"])
    ScenarioFactory.create(title="休日出勤を断る", description="予定がある", tags=["断り"], title_en="Saying no")

    assert _titles(published_scenarios(search="クレーム")) == {"クレームの電話に対応する"}
    assert _titles(published_scenarios(search="定例")) == {"会議で発言する"}
    assert _titles(published_scenarios(search="断り")) == {"休日出勤を断る"}
    assert _titles(published_scenarios(search="saying")) == {"休日出勤を断る"}
    # every word (split on a full-width space too) must match
    assert _titles(published_scenarios(search="会議\u3000発言")) == {"会議で発言する"}
    assert _titles(published_scenarios(search="会議 クレーム")) == set()


def test_catalog_orders_beginner_first():
    ScenarioFactory.create(title="上級の練習", difficulty=Difficulty.ADVANCED)
    ScenarioFactory.create(title="初級の練習", difficulty=Difficulty.BEGINNER)
    ScenarioFactory.create(title="中級の練習", difficulty=Difficulty.INTERMEDIATE)

    assert [s.title for s in published_scenarios()] == ["初級の練習", "中級の練習", "上級の練習"]


def test_the_catalog_marks_new_scenarios_and_shows_practised_counts_from_registered_counters():
    learner = UserFactory.create()
    fresh = ScenarioFactory.create(title="新しい")
    old = ScenarioFactory.create(title="古い")
    month_ago = timezone.now() - timedelta(days=30)
    Scenario.objects.filter(pk=old.pk).update(created_at=month_ago, published_at=month_ago)

    def counter(user: object, ids: list[int]) -> dict[int, int]:
        return {fresh.pk: 3} if user == learner else {}

    register_practised_counter(counter)
    try:
        entries = {entry.scenario.title: entry for entry in scenario_catalog(user=learner)}
        other = {entry.scenario.title: entry for entry in scenario_catalog(user=UserFactory.create())}
    finally:
        unregister_practised_counter(counter)

    assert entries["新しい"].is_new and not entries["古い"].is_new
    assert entries["新しい"].practised_count == 3 and entries["古い"].practised_count == 0
    assert other["新しい"].practised_count == 0


def test_practised_counts_are_zero_without_a_counter():
    ScenarioFactory.create()

    [entry] = scenario_catalog(user=UserFactory.create())

    assert entry.practised_count == 0


def test_a_draft_is_404_for_learners_but_visible_to_trainers_previewing():
    draft = ScenarioFactory.create(published=False)

    with pytest.raises(Http404):
        scenario_get_for_learner(user=UserFactory.create(), scenario_id=draft.pk)
    with pytest.raises(Http404):
        scenario_get_for_learner(user=UserFactory.create(trainer=True), scenario_id=draft.pk, allow_preview=False)
    assert scenario_get_for_learner(user=UserFactory.create(trainer=True), scenario_id=draft.pk) == draft
    with pytest.raises(Http404):
        scenario_get_for_learner(user=UserFactory.create(), scenario_id=draft.pk + 1000)


def test_filter_choices_come_from_published_scenarios_only():
    ScenarioFactory.create(category=Category.MEETINGS, tags=["会議", "発言"])
    ScenarioFactory.create(category=Category.NEGOTIATION, tags=["秘密"], published=False)

    assert [value for value, _ in scenario_categories()] == ["meetings"]
    assert scenario_tags() == ["会議", "発言"]
