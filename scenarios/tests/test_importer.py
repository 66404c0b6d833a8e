from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from django.utils import translation

from scenarios.importer import (
    ScenarioImportError,
    Source,
    decode_upload,
    export_yaml,
    parse_source,
    parse_sources,
    read_paths,
    split_opening,
    split_role_info,
)
from scenarios.models import Category, Difficulty, Scenario
from scenarios.services import BUILTIN_SCENARIOS_FILE, scenario_import, scenario_import_paths
from scenarios.tests.factories import ScenarioFactory, import_item

UPSTREAM = Path(__file__).resolve().parent / "fixtures" / "upstream"
UPSTREAM_FILES = sorted(UPSTREAM.glob("*.yaml"))
GRAY_ZONES = UPSTREAM / "harassment_gray_zones.yaml"


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """The reasons are asserted in English here; test_import_messages covers Japanese."""
    with translation.override("en"):
        yield


def _problem_text(exc: pytest.ExceptionInfo[ScenarioImportError]) -> str:
    return str(exc.value)


def _product_yaml(**overrides: object) -> str:
    item = import_item(**{"category": "報連相", "tags": ["報告"], "opening_line": "どうしたの？", **overrides})
    return yaml.safe_dump({"scenarios": [item]}, allow_unicode=True)


# --- The upstream files ----------------------------------------------------------------------


def test_it_finds_the_upstream_folder_with_both_shapes():
    repository = Path(__file__).resolve().parents[2]
    assert UPSTREAM.is_relative_to(repository)  # a clone alone runs the tests
    assert (UPSTREAM / "LICENSE").is_file()
    assert GRAY_ZONES.is_file()
    assert len([p for p in UPSTREAM_FILES if p.name.startswith("scenario")]) >= 20


@pytest.mark.parametrize("path", UPSTREAM_FILES, ids=lambda p: p.name)
def test_it_reads_each_upstream_file(path: Path):
    scenarios = parse_source(Source(path.name, path.read_text(encoding="utf-8")))

    assert scenarios
    for data in scenarios:
        assert data.title and data.description and data.situation
        assert data.ai_role and data.learner_role
        assert data.difficulty in Difficulty.values
        assert data.category in Category.values
        assert len(data.learning_points) >= 1 and len(data.feedback_points) >= 1


def test_it_reads_the_one_per_file_shape_into_explicit_fields():
    [data] = parse_source(Source("scenario1.yaml", (UPSTREAM / "scenario1.yaml").read_text(encoding="utf-8")))

    assert data.slug == "scenario1"
    assert data.title == "上司から曖昧な仕事を依頼された"
    assert data.difficulty == Difficulty.BEGINNER
    assert (data.ai_role, data.learner_role) == ("上司", "新入社員")
    # the folded YAML line break inside Japanese text does not leave a space behind
    assert data.opening_line == "あ、ちょっといい？この書類、今度の会議で配布するから参加者分準備をしておいて"
    assert data.personality.startswith("40代後半の男性課長。")
    assert data.learning_points[0] == "曖昧な指示を受けた際の確認の仕方"
    assert not data.sensitive


def test_it_reads_the_list_shape_and_marks_the_gray_zones_sensitive():
    scenarios = parse_source(Source(GRAY_ZONES.name, GRAY_ZONES.read_text(encoding="utf-8")))

    assert len(scenarios) == 10
    by_slug = {data.slug: data for data in scenarios}
    third = by_slug["gray_zone_03"]
    assert third.difficulty == Difficulty.ADVANCED
    assert third.ai_role == "女性部下（20代後半）"
    assert third.learner_role == "男性先輩（40代）"
    assert third.learner_briefing.startswith("あなたは40代の男性先輩として")
    assert third.situation.startswith("学習者は40代の男性先輩として")
    assert "あなた" not in third.situation
    assert all(data.sensitive and data.category == Category.HARASSMENT for data in scenarios)


def test_it_imports_the_whole_upstream_folder_and_reimports_without_duplicates(db):
    first = scenario_import_paths(paths=[UPSTREAM])
    total = len(first.plan)

    assert total == Scenario.objects.count() == 30
    assert len(first.created) == total
    assert Scenario.objects.filter(sensitive=True).count() == 10
    assert Scenario.objects.get(slug="scenario1").learning_points.count() == 3

    again = scenario_import_paths(paths=[UPSTREAM])

    assert Scenario.objects.count() == total
    assert len(again.updated) == total
    assert all(item.changes == [] for item in again.plan)


def test_a_dialogue_opening_keeps_the_partners_first_line_and_the_exchange():
    opening, exchange = split_opening("リーダー: 「明日、出社してくれる？」 あなた: 「午後からでもよろしいですか？」")

    assert opening == "明日、出社してくれる？"
    assert "あなた:" in exchange


def test_a_dialogue_opened_by_the_learner_has_no_partner_opening():
    opening, exchange = split_opening("あなた: 「この依頼書、どなたの担当ですか？」 Aさん: 「あれ？」")

    assert opening == ""
    assert exchange.startswith("あなた:")


def test_role_info_that_does_not_follow_the_pattern_is_not_read_as_roles():
    assert split_role_info("AIは先輩役、あなたは後輩社員") == ("先輩", "後輩社員")
    assert split_role_info("面接官と応募者") is None


# --- Broken files ----------------------------------------------------------------------------


def test_a_file_without_a_title_is_rejected_naming_the_file_and_field():
    text = (UPSTREAM / "scenario2.yaml").read_text(encoding="utf-8")
    broken = "\n".join(line for line in text.splitlines() if not line.startswith("title:"))

    with pytest.raises(ScenarioImportError) as exc:
        parse_source(Source("scenario2.yaml", broken))

    assert [(p.source, p.field) for p in exc.value.problems] == [("scenario2.yaml", "title")]
    assert "scenario2.yaml: title: Field required" in _problem_text(exc)


def test_a_bad_difficulty_is_rejected_with_the_item_position_and_the_allowed_values():
    text = GRAY_ZONES.read_text(encoding="utf-8").replace('difficulty: "advanced"', 'difficulty: "expert"', 1)

    with pytest.raises(ScenarioImportError) as exc:
        parse_source(Source("harassment_gray_zones.yaml", text))

    [problem] = exc.value.problems
    assert problem.field == "scenarios[2].difficulty"
    assert "'expert'" in problem.reason and "初級" in problem.reason


def test_a_file_that_is_not_a_mapping_is_rejected():
    with pytest.raises(ScenarioImportError) as exc:
        parse_source(Source("list.yaml", "- one\n- two\n"))

    assert "list.yaml: (file): expected a mapping" in _problem_text(exc)


def test_invalid_yaml_is_rejected_with_the_line():
    with pytest.raises(ScenarioImportError) as exc:
        parse_source(Source("broken.yaml", "title: [unclosed\ndescription: x\n"))

    [problem] = exc.value.problems
    assert problem.source == "broken.yaml"
    assert problem.field.startswith("line ")
    assert "invalid YAML" in problem.reason


def test_an_empty_file_and_an_item_without_a_key_are_rejected():
    with pytest.raises(ScenarioImportError, match="empty"):
        parse_source(Source("empty.yaml", ""))
    with pytest.raises(ScenarioImportError, match=r"scenarios\[0\]\.slug"):
        parse_source(Source("nokey.yaml", "scenarios:\n  - title: x\n"))


def test_a_misspelt_field_in_the_product_shape_is_rejected():
    with pytest.raises(ScenarioImportError) as exc:
        parse_source(Source("mine.yaml", _product_yaml(titel="typo")))

    assert "mine.yaml: scenarios[0].titel" in _problem_text(exc)


def test_an_unknown_category_in_the_product_shape_is_rejected():
    with pytest.raises(ScenarioImportError, match="unknown category"):
        parse_source(Source("mine.yaml", _product_yaml(category="営業")))


def test_the_same_key_in_two_files_is_rejected():
    with pytest.raises(ScenarioImportError, match="used twice"):
        parse_sources([Source("a.yaml", _product_yaml()), Source("b.yaml", _product_yaml())])


def test_uploads_larger_than_the_limit_or_not_utf8_are_rejected():
    with pytest.raises(ScenarioImportError, match="larger than"):
        decode_upload("big.yaml", b"x" * (1024 * 1024 + 1))
    with pytest.raises(ScenarioImportError, match="UTF-8"):
        decode_upload("sjis.yaml", "タイトル".encode("shift_jis"))


def test_a_broken_file_in_a_run_imports_nothing(db, tmp_path: Path):
    existing = ScenarioFactory.create(slug="report-delay", title="元のタイトル")
    (tmp_path / "a.yaml").write_text(_product_yaml(title="新しいタイトル"), encoding="utf-8")
    (tmp_path / "b.yaml").write_text(_product_yaml(slug="other", difficulty="expert"), encoding="utf-8")

    with pytest.raises(ScenarioImportError, match="b.yaml"):
        scenario_import_paths(paths=[tmp_path])

    existing.refresh_from_db()
    assert existing.title == "元のタイトル"
    assert not Scenario.objects.filter(slug="other").exists()


# --- The product's shape ---------------------------------------------------------------------


def test_harassment_tags_make_a_scenario_sensitive_whatever_the_file_says():
    [data] = parse_source(Source("mine.yaml", _product_yaml(tags=["パワハラ"], sensitive=False)))

    assert data.sensitive


def test_a_dry_run_previews_creates_and_updates_without_writing(db):
    ScenarioFactory.create(slug="report-delay", title="遅れを報告する", published=False)

    sources = [
        Source("mine.yaml", _product_yaml(title="遅れを早めに報告する")),
        Source("new.yaml", _product_yaml(slug="x")),
    ]

    result = scenario_import(sources=sources, dry_run=True)

    assert result.created == ["x"] and result.updated == ["report-delay"]
    assert "title" in result.plan[0].changes
    assert Scenario.objects.get(slug="report-delay").title == "遅れを報告する"
    assert not Scenario.objects.filter(slug="x").exists()


def test_an_export_imports_back_onto_the_same_scenarios(db):
    scenario = ScenarioFactory.create(tags=["報告"], learning_points=["結論から", "事実で"], published=True)
    text = export_yaml([scenario])

    result = scenario_import(sources=[Source("export.yaml", text)])

    assert result.updated == [scenario.slug] and result.plan[0].changes == []
    assert Scenario.objects.count() == 1
    assert yaml.safe_load(text)["scenarios"][0]["learning_points"] == ["結論から", "事実で"]


# --- The built-in scenarios ------------------------------------------------------------------


def test_the_built_in_catalog_is_complete_and_original():
    scenarios = [data for _, data in parse_sources(read_paths([BUILTIN_SCENARIOS_FILE]))]
    upstream_titles = {data.title for _, data in parse_sources(read_paths([UPSTREAM]))}

    assert len(scenarios) >= 30
    assert not upstream_titles & {data.title for data in scenarios}
    assert set(Counter(data.difficulty for data in scenarios)) == set(Difficulty.values)
    categories = Counter(data.category for data in scenarios)
    for category in (
        Category.REPORTING,
        Category.REQUESTS,
        Category.COMPLAINTS,
        Category.NEGOTIATION,
        Category.ONE_ON_ONE,
        Category.MEETINGS,
        Category.REMOTE_WORK,
    ):
        assert categories[category] >= 3
    harassment = [data for data in scenarios if data.category == Category.HARASSMENT]
    assert len(harassment) >= 4 and all(data.sensitive for data in harassment)
    for data in scenarios:
        assert data.title_en and data.description_en and data.opening_line and data.personality
        assert 3 <= len(data.learning_points) <= 4 and 3 <= len(data.feedback_points) <= 4
        assert data.published is True
