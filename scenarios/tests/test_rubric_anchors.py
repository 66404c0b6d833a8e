"""Rubric criteria carry behavioural anchors at about 20, 50 and 80, each with a short example line:
they travel through the YAML round trip, the import preview, the admin inline, the judge's prompt
and the offline judge that reads that prompt back."""

from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from accounts.tests.factories import UserFactory
from conversations.judging import feedback_task, rubric_line, rubric_task
from llm.demo.rubric import criterion_scores, read_rubric
from llm.prompts import judge_messages
from scenarios.importer import ScenarioImportError, Source, export_yaml, parse_source
from scenarios.models import RubricCriterion, Scenario
from scenarios.rubric import rubric_lines
from scenarios.services import scenario_import, scenario_rubric_replace
from scenarios.tests.factories import ScenarioFactory, admin_form, import_item

EXTENDED = Path(__file__).resolve().parent / "fixtures" / "extended"

ANCHORED: dict[str, Any] = {
    "name": "遅れと新しい日付を先に",
    "name_en": "Leads with the delay and the new date",
    "weight": 3,
    "good": "最初の一文で遅れることと新しい提出日を伝える",
    "good_en": "The first sentence says it will be late and gives the new date",
    "good_example": "金曜の資料ですが、月曜の10時になります。",
    "good_example_en": "Friday's report will be late: Monday at 10.",
    "fair": "遅れは伝えるが、前置きの後で日付がない",
    "fair_en": "Says it will be late, but only after a preamble and with no date",
    "fair_example": "実はデータが届いていなくて、少し遅れそうです。",
    "fair_example_en": "The data hasn't come in, so it may be a bit late.",
    "poor": "遅れることをはっきり言わない",
    "poor_en": "Never clearly says it will be late",
    "poor_example": "ちょっといろいろありまして……。",
    "poor_example_en": "Well, a lot has been going on...",
}
BARE: dict[str, Any] = {"name": "代案", "weight": 1, "good": "日付を示す", "poor": "日付がない"}


def _item(rubric: list[dict[str, Any]]) -> dict[str, Any]:
    return import_item(rubric=rubric)


def _yaml(*rubric: dict[str, Any], name: str = "mine.yaml") -> Source:
    return Source(name, yaml.safe_dump({"scenarios": [_item(list(rubric))]}, allow_unicode=True))


# --- YAML --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_round_trips_every_anchor_and_example_line_through_export_and_import():
    scenario_import(sources=[_yaml(ANCHORED, BARE)])
    exported = export_yaml(Scenario.objects.all())
    Scenario.objects.all().delete()

    scenario_import(sources=[Source("export.yaml", exported)])
    again = scenario_import(sources=[Source("export.yaml", exported)], dry_run=True)

    first, second = RubricCriterion.objects.filter(scenario__slug="report-delay")
    assert {name: getattr(first, name) for name in ANCHORED} == ANCHORED
    assert (second.name, second.fair, second.good_example, second.poor_example) == ("代案", "", "", "")
    assert again.plan[0].changes == []
    document = yaml.safe_load(exported)["scenarios"][0]["rubric"]
    assert "fair" not in document[1] and document[0]["fair_example"] == ANCHORED["fair_example"]


@pytest.mark.django_db
def test_a_changed_example_line_shows_in_the_preview_changes():
    scenario_import(sources=[_yaml(ANCHORED)])

    again = scenario_import(sources=[_yaml({**ANCHORED, "fair_example": "少し遅れます。"})], dry_run=True)

    assert again.plan[0].changes == ["rubric"]


@pytest.mark.django_db
def test_a_criterion_with_only_good_and_poor_imports_and_the_preview_lists_what_is_blank():
    result = scenario_import(sources=[_yaml(ANCHORED, BARE)], dry_run=True)

    [item] = result.plan
    assert item.unfilled_anchors == ["rubric[1]: good_example, fair, fair_example, poor_example"]
    assert result.with_unfilled_anchors == ["report-delay"]


@pytest.mark.django_db
def test_upstream_criteria_import_with_a_generic_middle_anchor_and_no_example_lines():
    path = EXTENDED / "scenario31.yaml"
    result = scenario_import(sources=[Source(path.name, path.read_text(encoding="utf-8"))])

    criteria = list(RubricCriterion.objects.filter(scenario__slug="scenario31"))
    assert criteria and all(c.good and c.fair and c.poor for c in criteria)
    assert all(not (c.good_example or c.fair_example or c.poor_example) for c in criteria)
    assert all("good_example" in where for where in result.plan[0].unfilled_anchors)


@pytest.mark.parametrize("field", ["fair_example", "fair_example_en"])
def test_an_example_line_without_its_anchor_names_the_file_scenario_and_field(field: str):
    criterion = {**BARE, field: "少し遅れそうです。"}

    with translation.override("en"), pytest.raises(ScenarioImportError) as failure:
        parse_source(_yaml(criterion))

    [problem] = failure.value.problems
    assert (problem.source, problem.field) == ("mine.yaml", f"scenarios[0].rubric[0].{field}")
    assert "write fair too" in problem.reason


def test_an_overlong_example_line_is_refused():
    with translation.override("en"), pytest.raises(ScenarioImportError) as failure:
        parse_source(_yaml({**ANCHORED, "good_example": "あ" * 201}))

    assert [p.field for p in failure.value.problems] == ["scenarios[0].rubric[0].good_example"]


def test_the_admin_preview_lists_the_blank_anchors(db, client):
    client.force_login(UserFactory.create(trainer=True))
    upload = SimpleUploadedFile("mine.yaml", _yaml(ANCHORED, BARE).text.encode())

    preview = client.post(reverse("admin:scenarios_scenario_import"), {"file": upload}).content.decode()

    assert "<code>rubric[1]: good_example, fair, fair_example, poor_example</code>" in preview
    assert 'id="import-anchors-note"' in preview
    assert not Scenario.objects.exists()  # a preview writes nothing


# --- The judge's prompt ------------------------------------------------------------------------


def test_the_judges_rubric_line_carries_each_anchor_with_its_example_line():
    ja = rubric_line(ANCHORED, language="ja")
    en = rubric_line({key.removesuffix("_en"): ANCHORED[key] for key in ANCHORED if key.endswith("_en")}, language="en")

    assert ja == (
        "* 遅れと新しい日付を先に｜約20: 遅れることをはっきり言わない（例「ちょっといろいろありまして……。」）"
        "｜約50: 遅れは伝えるが、前置きの後で日付がない（例「実はデータが届いていなくて、少し遅れそうです。」）"
        "｜約80: 最初の一文で遅れることと新しい提出日を伝える（例「金曜の資料ですが、月曜の10時になります。」）"
    )
    assert en.startswith('* Leads with the delay and the new date｜~20: Never clearly says it will be late (e.g. "')
    assert '~80: The first sentence says it will be late and gives the new date (e.g. "Friday' in en


def test_blank_anchors_are_left_out_of_the_line_and_the_separator_cannot_break_it():
    line = rubric_line({**BARE, "good": "日付を｜示す\n具体的に", "fair": "", "poor_example": ""}, language="ja")

    assert line == "* 代案｜約20: 日付がない｜約80: 日付を/示す 具体的に"


def test_the_offline_judge_reads_the_new_line_shape_back():
    task = rubric_task(language="ja", rubric=[ANCHORED, {**BARE, "fair": ""}])

    first, second = read_rubric([{"role": "system", "content": task}])

    assert first.name == "遅れと新しい日付を先に"
    assert [(a.score, a.example) for a in first.anchors] == [
        (20, "ちょっといろいろありまして……。"),
        (50, "実はデータが届いていなくて、少し遅れそうです。"),
        (80, "金曜の資料ですが、月曜の10時になります。"),
    ]
    assert first.top.looks == "最初の一文で遅れることと新しい提出日を伝える"
    assert (second.name, [a.score for a in second.anchors], second.top.example) == ("代案", [20, 80], "")


def test_the_offline_judge_reads_english_lines_back():
    english = {key.removesuffix("_en"): ANCHORED[key] for key in ANCHORED if key.endswith("_en")}
    [criterion] = read_rubric([{"role": "system", "content": rubric_task(language="en", rubric=[english])}])

    assert criterion.name == "Leads with the delay and the new date"
    assert criterion.top.example == "Friday's report will be late: Monday at 10."


def test_the_offline_judge_quotes_a_learner_line_close_to_the_good_example():
    said = "金曜の資料は月曜の10時になります。"
    task = feedback_task(language="ja", points=[], rubric=[ANCHORED])
    messages = judge_messages(task, [{"role": "user", "content": said}], language="ja")

    [score] = criterion_scores(messages)

    assert score["criterion"] == "遅れと新しい日付を先に"
    assert score["evidence"] == [said] and score["score"] > 0


@pytest.mark.django_db
def test_the_rubric_lines_of_a_play_carry_the_anchors_in_its_language():
    scenario = ScenarioFactory()
    scenario_rubric_replace(scenario=scenario, criteria=[ANCHORED, BARE])

    ja, en = rubric_lines(scenario, language="ja"), rubric_lines(scenario, language="en")

    assert ja[0]["fair_example"] == ANCHORED["fair_example"] and en[0]["fair_example"] == ANCHORED["fair_example_en"]
    assert en[1]["good"] == "日付を示す"  # no English: the Japanese text
    assert ja[1]["fair"] == "" and "約50" not in rubric_task(language="ja", rubric=ja[1:])


# --- The admin ---------------------------------------------------------------------------------


def _inline_form(scenario: Scenario, **changes: str) -> dict[str, Any]:
    [criterion] = scenario.criteria.all()
    form: dict[str, Any] = admin_form(
        scenario,
        **{
            "criteria-TOTAL_FORMS": "1",
            "criteria-INITIAL_FORMS": "1",
            "criteria-MAX_NUM_FORMS": "1000",
            "criteria-0-id": str(criterion.pk),
            "criteria-0-scenario": str(scenario.pk),
            "criteria-0-order": "0",
            **{f"criteria-0-{name}": str(value) for name, value in ANCHORED.items()},
        },
    )
    return {**form, **{f"criteria-0-{name}": value for name, value in changes.items()}}


@pytest.mark.django_db
def test_a_trainer_sees_and_edits_the_anchors_and_example_lines_inline(client: Any):
    client.force_login(UserFactory(trainer=True))
    scenario = ScenarioFactory()
    scenario_rubric_replace(scenario=scenario, criteria=[ANCHORED])
    url = reverse("admin:scenarios_scenario_change", args=[scenario.pk])

    page = client.get(url).content.decode()
    saved = client.post(url, _inline_form(scenario, fair_example="少し遅れます。", poor_example_en="Um..."))

    for name in ("fair", "fair_en", "good_example", "fair_example", "poor_example", "poor_example_en"):
        assert f'name="criteria-0-{name}"' in page
    assert ANCHORED["fair_example"] in page
    assert saved.status_code == 302
    criterion = scenario.criteria.get()
    assert (criterion.fair_example, criterion.poor_example_en) == ("少し遅れます。", "Um...")


@pytest.mark.django_db
def test_the_inline_refuses_a_middle_example_line_without_its_anchor(client: Any):
    client.force_login(UserFactory(trainer=True))
    scenario = ScenarioFactory()
    scenario_rubric_replace(scenario=scenario, criteria=[ANCHORED])
    url = reverse("admin:scenarios_scenario_change", args=[scenario.pk])

    refused = client.post(url, _inline_form(scenario, fair="", fair_en=""))

    assert refused.status_code == 200
    assert "一部できている例（約50）の説明も書いてください" in refused.content.decode()
    assert scenario.criteria.get().fair == ANCHORED["fair"]


@pytest.mark.parametrize(
    ("said", "low", "high"),
    [
        ("金曜の資料ですが、月曜の10時になります。", 80, 95),
        ("データが届いていなくて、少し遅れそうです。", 50, 60),
        ("遅れるかどうかは、まだはっきり言えないです。", 20, 25),
    ],
    ids=["like the good example", "like the middle example", "like the poor example"],
)
def test_the_offline_judge_scores_a_line_as_the_anchor_it_reads_like(said: str, low: int, high: int):
    task = feedback_task(language="ja", points=[], rubric=[ANCHORED])
    messages = judge_messages(task, [{"role": "user", "content": said}], language="ja")

    [score] = criterion_scores(messages)

    assert low <= score["score"] <= high
    assert score["evidence"] == [said]
