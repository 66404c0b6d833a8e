from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from scenarios.forms import MAX_SEARCH_CHARS
from scenarios.importer import Source
from scenarios.models import Category, Difficulty
from scenarios.practice import register_practised_counter, unregister_practised_counter
from scenarios.services import scenario_consent_record, scenario_import, scenario_publish, scenario_unpublish
from scenarios.tests.factories import ScenarioFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/scenarios"


@pytest.fixture
def api() -> APIClient:
    client = APIClient()
    client.force_authenticate(UserFactory.create())
    return client


def _titles(response: Any) -> set[str]:
    return {item["title"] for item in response.json()["results"]}


def test_the_list_needs_authentication():
    assert APIClient().get(LIST).status_code == 401


def test_the_list_shows_published_scenarios_with_their_catalog_fields(api: APIClient):
    ScenarioFactory.create(title="公開中", tags=["報告"], learning_points=["結論から話す"])
    ScenarioFactory.create(title="下書き", published=False)

    response = api.get(LIST)
    body = response.json()

    assert response.status_code == 200
    assert body["count"] == 1
    [item] = body["results"]
    assert item["title"] == "公開中" and item["tags"] == ["報告"]
    assert item["learning_points"] == ["結論から話す"]
    assert item["difficulty"] == "beginner" and item["difficulty_label"] == "初級"
    assert item["is_new"] is True and item["practised_count"] == 0
    assert "personality" not in item and "speaking_style" not in item


def test_the_list_filters_and_searches_in_japanese(api: APIClient):
    ScenarioFactory.create(
        title="クレーム電話", difficulty=Difficulty.INTERMEDIATE, category=Category.COMPLAINTS, tags=["電話"]
    )
    ScenarioFactory.create(
        title="会議で発言", difficulty=Difficulty.BEGINNER, category=Category.MEETINGS, tags=["会議"]
    )

    assert _titles(api.get(LIST, {"difficulty": "intermediate"})) == {"クレーム電話"}
    assert _titles(api.get(LIST, {"category": "meetings"})) == {"会議で発言"}
    assert _titles(api.get(LIST, {"tag": "電話"})) == {"クレーム電話"}
    assert _titles(api.get(LIST, {"search": "発言"})) == {"会議で発言"}


def test_a_search_over_its_documented_length_is_refused_even_when_blanks_pad_it(api: APIClient):
    # The schema's maxLength is on what is sent: blank characters trimmed away do not make room.
    assert api.get(LIST, {"search": " " + "発" * MAX_SEARCH_CHARS}).status_code == 400
    assert api.get(LIST, {"search": "発" * MAX_SEARCH_CHARS}).status_code == 200


def test_a_blank_tag_filters_nothing_and_an_empty_one_is_refused(api: APIClient):
    ScenarioFactory.create(title="クレーム電話", tags=["電話"])

    for blank in (" ", "\x1f"):  # allowed by the schema (at least one character)
        assert _titles(api.get(LIST, {"tag": blank})) == {"クレーム電話"}
    assert api.get(LIST, {"tag": ""}).status_code == 400


def test_bad_query_parameters_are_400_with_field_errors(api: APIClient):
    response = api.get(LIST, {"difficulty": "expert", "category": "sales", "page": "0"})

    assert response.status_code == 400
    assert set(response.json()) >= {"difficulty", "category", "page"}


def test_the_list_is_paginated(api: APIClient):
    for _ in range(21):
        ScenarioFactory.create()

    first = api.get(LIST).json()
    second = api.get(LIST, {"page": 2}).json()

    assert first["count"] == 21 and len(first["results"]) == 20 and first["next"]
    assert len(second["results"]) == 1


def test_the_cached_list_follows_publishing_and_imports(api: APIClient):
    scenario = ScenarioFactory.create(title="最初の公開")
    assert _titles(api.get(LIST)) == {"最初の公開"}

    scenario_unpublish(scenario=scenario)
    assert _titles(api.get(LIST)) == set()

    scenario_publish(scenario=scenario)
    scenario.title = "題名を直した"
    scenario.save()
    assert _titles(api.get(LIST)) == {"題名を直した"}

    text = (
        "scenarios:\n  - slug: imported\n    title: 取り込んだ\n    description: d\n    difficulty: 初級\n"
        "    ai_role: a\n    learner_role: b\n    situation: s\n    learning_points: [x]\n    feedback_points: [y]\n"
        "    published: true\n"
    )
    scenario_import(sources=[Source("new.yaml", text)])
    assert _titles(api.get(LIST)) == {"題名を直した", "取り込んだ"}


def test_the_cached_list_still_shows_each_learners_own_counts(api: APIClient):
    scenario = ScenarioFactory.create(sensitive=True)
    learner = UserFactory.create()
    scenario_consent_record(user=learner, scenario=scenario)
    api.get(LIST)  # fills the cache for everybody

    def counter(user: object, ids: list[int]) -> dict[int, int]:
        return {scenario.pk: 4} if user == learner else {}

    register_practised_counter(counter)
    try:
        own = APIClient()
        own.force_authenticate(learner)
        [mine] = own.get(LIST).json()["results"]
        [theirs] = api.get(LIST).json()["results"]
    finally:
        unregister_practised_counter(counter)

    assert mine["practised_count"] == 4 and mine["consent_given"] is True
    assert theirs["practised_count"] == 0 and theirs["consent_given"] is False


def test_the_detail_shows_roles_situation_and_feedback_points(api: APIClient):
    scenario = ScenarioFactory.create(ai_role="部長", feedback_points=["数字で話せたか"])

    response = api.get(f"{LIST}/{scenario.pk}")
    body = response.json()

    assert response.status_code == 200
    assert body["ai_role"] == "部長" and body["situation"] == scenario.situation
    assert body["feedback_points"] == ["数字で話せたか"]
    assert "personality" not in body


def test_a_draft_or_missing_scenario_is_404(api: APIClient):
    draft = ScenarioFactory.create(published=False)

    assert api.get(f"{LIST}/{draft.pk}").status_code == 404
    assert api.get(f"{LIST}/{draft.pk + 1000}").status_code == 404


def test_the_schema_documents_the_scenario_endpoints(api: APIClient):
    response = api.get("/api/v1/schema/", {"format": "json"})

    paths = response.json()["paths"]
    assert "/api/v1/scenarios" in paths and "/api/v1/scenarios/{id}" in paths
    names = {parameter["name"] for parameter in paths["/api/v1/scenarios"]["get"]["parameters"]}
    assert {"difficulty", "category", "tag", "search", "page"} <= names
