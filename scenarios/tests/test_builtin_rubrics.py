"""Every built-in scenario has a rubric written for it: 3–5 criteria with short, distinct names, the
most important weighted highest, and every anchor (about 80, 50, 20) with its example line in
Japanese and English; the judge is given all of them."""

from typing import Any

import pytest

from conversations.judging import feedback_task
from scenarios.importer import ScenarioData, parse_sources, read_paths
from scenarios.models import CRITERION_TEXTS, RubricCriterion, Scenario
from scenarios.rubric import rubric_lines
from scenarios.services import BUILTIN_SCENARIOS_FILE, builtin_scenarios_fill_english, builtin_scenarios_load

# What the rubrics generated from the feedback points said; a written rubric says none of it.
BOILERPLATE = (
    "と言える発言が、具体的な言葉ではっきりある",
    "とは言えない（当てはまる発言がない、または曖昧）",
    "にはっきり当てはまる発言がある",
    "A line clearly and concretely answers yes to",
    "No line answers yes to it",
    "A line clearly shows:",
)
TEXTS = [f"{name}{suffix}" for name in CRITERION_TEXTS for suffix in ("", "_en")]


def _builtins() -> list[ScenarioData]:
    return [data for _, data in parse_sources(read_paths([BUILTIN_SCENARIOS_FILE]))]


BUILTINS = _builtins()


def _ids(data: ScenarioData) -> str:
    return data.slug


def test_there_are_35_built_in_scenarios():
    assert len(BUILTINS) == 35


@pytest.mark.parametrize("data", BUILTINS, ids=_ids)
def test_each_built_in_rubric_has_three_to_five_distinct_short_criteria(data: ScenarioData):
    criteria = data.rubric or []

    assert 3 <= len(criteria) <= 5
    for language in ("name", "name_en"):
        names = [getattr(c, language) for c in criteria]
        assert len(set(names)) == len(names), names
    assert all(len(c.name) <= 20 and len(c.name_en) <= 60 for c in criteria), [c.name for c in criteria]
    assert max(c.weight for c in criteria) > min(c.weight for c in criteria)  # the key criterion counts more
    assert 50 <= data.pass_threshold <= 80


@pytest.mark.parametrize("data", BUILTINS, ids=_ids)
def test_each_built_in_criterion_fills_every_anchor_and_example_in_both_languages(data: ScenarioData):
    for criterion in data.rubric or []:
        values = criterion.model_dump()
        assert [name for name in TEXTS if not values[name].strip()] == [], criterion.name
        texts = [values[name] for name in TEXTS]
        assert not [text for text in texts if any(phrase in text for phrase in BOILERPLATE)], criterion.name
        assert all(not any("\u3040" <= ch <= "\u30ff" for ch in values[f"{name}_en"]) for name in CRITERION_TEXTS)
        levels = [values[name] for name in ("good", "fair", "poor")]
        examples = [values[f"{name}_example"] for name in ("good", "fair", "poor")]
        assert len(set(levels)) == 3 and len(set(examples)) == 3, criterion.name


def test_the_names_of_the_criteria_differ_from_the_old_feedback_point_copies():
    copied = [
        criterion.name
        for data in BUILTINS
        for criterion in data.rubric or []
        if criterion.name in data.feedback_points or criterion.name_en in data.feedback_points_en
    ]
    assert copied == []


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_judges_prompt_carries_every_anchor_and_example_of_every_built_in_criterion(language: str):
    builtin_scenarios_load()
    scenarios = list(Scenario.objects.prefetch_related("criteria"))
    assert len(scenarios) == 35

    for scenario in scenarios:
        task = feedback_task(language=language, points=[], rubric=rubric_lines(scenario, language=language))
        for criterion in scenario.criteria.all():
            for name in CRITERION_TEXTS:
                assert " ".join(criterion.text_for(name, language).split()) in task, (scenario.slug, name)
        marks = ("｜約20: ", "｜約50: ", "｜約80: ") if language == "ja" else ("｜~20: ", "｜~50: ", "｜~80: ")
        assert all(task.count(mark) == scenario.criteria.count() for mark in marks), scenario.slug


@pytest.mark.django_db
def test_an_untouched_generated_rubric_is_replaced_by_the_written_one_and_an_edited_one_is_kept():
    builtin_scenarios_load()
    generated, edited = (
        Scenario.objects.get(slug="report-delay-early"),
        Scenario.objects.get(slug="meeting-first-opinion"),
    )
    for scenario in (generated, edited):
        _generated_rubric(scenario)
        scenario.pass_threshold = 70  # as every built-in had with its generated rubric
        scenario.save()
    changed = edited.criteria.first()
    changed.good = "トレーナーが書き直した良い例"
    changed.save()

    filled = builtin_scenarios_fill_english()

    assert "report-delay-early" in filled
    assert [c.name for c in generated.criteria.all()][0] == "遅れと新しい日付を先に"
    assert generated.criteria.first().fair_example
    generated.refresh_from_db()
    edited.refresh_from_db()
    assert (generated.pass_threshold, edited.pass_threshold) == (60, 70)  # the written beginner threshold
    assert "トレーナーが書き直した良い例" in [c.good for c in edited.criteria.all()]
    assert "meeting-first-opinion" not in filled


def _generated_rubric(scenario: Scenario) -> None:
    """The rubric the built-ins had before theirs were written: one boilerplate criterion per feedback point."""
    scenario.criteria.all().delete()
    rows: list[dict[str, Any]] = [
        {
            "name": point,
            "weight": 1,
            "good": f"{point}と言える発言が、具体的な言葉ではっきりある",
            "poor": f"{point}とは言えない（当てはまる発言がない、または曖昧）",
        }
        for point in scenario.feedback_point_texts()
    ]
    RubricCriterion.objects.bulk_create(
        RubricCriterion(scenario=scenario, order=i, **row) for i, row in enumerate(rows)
    )
