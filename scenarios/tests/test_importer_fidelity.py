"""Nothing in an imported file is lost: the extended reverse-role shape, kept keys, roles, categories."""

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from accounts.tests.factories import UserFactory
from scenarios.importer import KEPT_SETTING, ScenarioImportError, Source, parse_source, plan_import, split_role_info
from scenarios.models import Category, EmotionalState, RoleType, Scenario
from scenarios.services import scenario_import

FIXTURES = Path(__file__).resolve().parent / "fixtures"
EXTENDED = FIXTURES / "extended"
EXTENDED_FILES = sorted(EXTENDED.glob("*.yaml"))


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def _source(name: str) -> Source:
    return Source(name, (EXTENDED / name).read_text(encoding="utf-8"))


def _one(name: str, text: str) -> Source:
    return Source(name, text)


def test_it_reads_the_extended_shape_with_explicit_roles_and_both_briefings():
    [data] = parse_source(_source("scenario31.yaml"))

    assert (data.ai_role, data.learner_role) == ("部下（入社3年目）", "課長")
    assert data.role_type == RoleType.REVERSE
    assert data.learner_briefing.startswith("今日は木曜日の午後4時です。あなたは課長として")
    assert "あなた" not in data.situation
    assert data.situation == "見積書2件の締切が迫っており、残業続きで余裕がない。"
    assert data.emotional_state == EmotionalState.STRESSED
    assert data.settings["partner_name"] == "田中"
    assert "頼まれると断りにくい" in data.personality
    assert data.partner_instructions.startswith("あなたは入社3年目の部下・田中です。")
    assert data.graded_messages["warning"].startswith("威圧的な言い方")
    assert set(data.graded_messages) == {"excellent", "good", "needs_improvement", "warning"}
    assert data.opening_line == "課長、お呼びでしょうか。"
    assert data.learner_speaks_first is False


def test_it_keeps_every_key_no_field_uses_and_lists_it_in_the_plan(db):
    [data] = parse_source(_source("scenario32.yaml"))

    kept = data.settings[KEPT_SETTING]
    assert kept["display_name"] == "【課長編】相談を受ける"
    assert kept["subcategory"] == "consultation"
    assert kept["review_note"] == "2024年版で追加"
    assert kept["ai_personality.hobby"] == "写真"
    assert kept["role_info"].startswith("AIは部下（佐藤さん")  # explicit roles won; the sentence is kept
    [planned] = plan_import([("scenario32.yaml", data)])
    assert {"display_name", "subcategory", "review_note", "ai_personality.hobby"} <= set(planned.kept_keys)


def test_a_reverse_scenario_without_an_opening_has_the_learner_speak_first():
    [data] = parse_source(_source("scenario32.yaml"))

    assert data.opening_line == ""
    assert data.learner_speaks_first is True


def test_an_english_role_info_is_read_and_the_category_synonym_makes_it_sensitive():
    [data] = parse_source(_source("scenario33.yaml"))

    assert (data.ai_role, data.learner_role) == ("team member (Ken, second year)", "section chief")
    assert data.category == Category.HARASSMENT
    assert data.sensitive is True
    assert "category" not in data.settings.get(KEPT_SETTING, {})
    assert data.emotional_state == EmotionalState.DEFENSIVE


def test_an_unknown_category_is_kept_verbatim_not_turned_into_a_tag():
    [data] = parse_source(_source("scenario31.yaml"))

    assert data.settings[KEPT_SETTING]["category"] == "business_communication"
    assert "business_communication" not in data.tags
    assert data.category in Category.values


@pytest.mark.parametrize(
    "written",
    ["harassment_prevention", "harassment", "ハラスメント防止", "Harassment prevention", "Harassment-Prevention"],
)
def test_category_synonyms_map_to_harassment_prevention(written: str):
    text = (EXTENDED / "scenario31.yaml").read_text(encoding="utf-8")
    text = text.replace("category: business_communication", f"category: {written}")

    [data] = parse_source(_one("scenario31.yaml", text))

    assert data.category == Category.HARASSMENT
    assert data.sensitive is True


@pytest.mark.parametrize(
    ("sentence", "roles"),
    [
        ("AIは部下（田中さん、入社3年目）、あなたは課長として対応します", ("部下（田中さん、入社3年目）", "課長")),
        ("AIは上司役、あなたは新入社員", ("上司", "新入社員")),
        ("あなたは人事担当、AIは相談者です", ("相談者", "人事担当")),
        ("The AI plays the manager; you are a new hire", ("manager", "new hire")),
        ("AI is the boss, you are the new employee", ("boss", "new employee")),
    ],
)
def test_it_reads_the_common_role_info_forms(sentence: str, roles: tuple[str, str]):
    assert split_role_info(sentence) == roles


def test_a_role_info_that_cannot_be_read_is_reported_naming_file_and_field():
    text = (EXTENDED / "scenario33.yaml").read_text(encoding="utf-8")
    text = text.replace("role_info: The AI plays", "role_info: Somebody plays")

    with pytest.raises(ScenarioImportError) as exc:
        parse_source(_one("scenario33.yaml", text))

    [problem] = exc.value.problems
    assert (problem.source, problem.field) == ("scenario33.yaml", "role_info")
    assert "cannot read who the AI plays" in problem.reason


def test_an_unreadable_role_info_stores_nothing_of_the_upload(db):
    good = _source("scenario31.yaml")
    bad = _one("scenario99.yaml", good.text.replace("user_role: 課長\n", "").replace("AIは部下", "部下は"))

    with pytest.raises(ScenarioImportError):
        scenario_import(sources=[good, bad])

    assert Scenario.objects.count() == 0


@pytest.mark.parametrize("path", EXTENDED_FILES, ids=lambda p: p.name)
def test_the_extended_files_import_and_reimport_without_changes(db, path: Path):
    source = Source(path.name, path.read_text(encoding="utf-8"))

    first = scenario_import(sources=[source])
    again = scenario_import(sources=[source])

    assert len(first.created) == 1
    assert again.updated == first.created
    assert [item.changes for item in again.plan] == [[]]
    stored = Scenario.objects.get(slug=path.stem)
    assert stored.learner_briefing and stored.partner_instructions and stored.graded_messages


def test_an_unknown_graded_message_is_kept_and_listed():
    document = yaml.safe_load((EXTENDED / "scenario31.yaml").read_text(encoding="utf-8"))
    document["feedback_messages"]["outstanding"] = "素晴らしい"

    [data] = parse_source(_one("scenario31.yaml", yaml.safe_dump(document, allow_unicode=True)))

    assert data.settings[KEPT_SETTING]["feedback_messages.outstanding"] == "素晴らしい"
    assert "outstanding" not in data.graded_messages


def test_the_admin_preview_and_change_page_show_what_was_kept(db, client):
    client.force_login(UserFactory.create(trainer=True))
    upload = SimpleUploadedFile("scenario32.yaml", (EXTENDED / "scenario32.yaml").read_bytes())

    preview = client.post(reverse("admin:scenarios_scenario_import"), {"file": upload}).content.decode()
    scenario_import(sources=[_source("scenario32.yaml")])
    change = client.get(reverse("admin:scenarios_scenario_change", args=[Scenario.objects.get().pk]))

    assert "<code>review_note</code>" in preview and "<code>ai_personality.hobby</code>" in preview
    assert "scenario32.yaml" in preview
    body = change.content.decode()
    assert "<dt>display_name</dt><dd>&quot;【課長編】相談を受ける&quot;</dd>" in body
