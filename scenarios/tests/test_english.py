"""English learners get the scenarios' English texts everywhere; trainers keep them through import and export."""

import re
from io import StringIO
from typing import Any

import pytest
import yaml
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from accounts.tests.factories import UserFactory
from conversations.models import Conversation
from scenarios.importer import ScenarioImportError, Source, export_yaml
from scenarios.models import Scenario
from scenarios.play import scenario_feedback_brief, scenario_play_start
from scenarios.services import builtin_scenarios_load, scenario_import
from scenarios.tests.factories import ScenarioFactory

pytestmark = pytest.mark.django_db

JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]+")
DEADLINE = "report-delay-early"


def _japanese(text: str) -> list[str]:
    return JAPANESE.findall(text)


def _english_user() -> Any:
    return UserFactory.create(preferences={"language": "en", "default_partner": "同僚"})


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _between(body: str, start: str, end: str) -> str:
    return body[body.index(start) : body.index(end, body.index(start))]


@pytest.fixture
def offline(fake_llm: Any) -> Any:
    """No model configured: the offline demo partner answers."""
    fake_llm.configure(OPENAI_API_BASE="")
    return fake_llm


@pytest.fixture
def builtins() -> dict[str, Scenario]:
    builtin_scenarios_load()
    return Scenario.objects.in_bulk(field_name="slug")


def test_every_built_in_scenario_has_english_texts(builtins: dict[str, Scenario]) -> None:
    assert len(builtins) == 35
    for scenario in builtins.values():
        english = [scenario.text(name, "en") for name in ("title", "description", "ai_role", "learner_role")]
        english += [scenario.situation_en, scenario.opening_line_en, *scenario.tags_for("en")]
        english += scenario.learning_point_texts("en") + scenario.feedback_point_texts("en")
        assert scenario.opening_line_en and scenario.situation_en and scenario.personality_en
        assert not _japanese(" ".join(english)), scenario.slug


def test_an_english_learner_sees_the_catalog_in_english(builtins: dict[str, Scenario]) -> None:
    response = _client(_english_user()).get(reverse("scenarios:catalog"), HTTP_HX_REQUEST="true")
    body = response.content.decode()

    assert response.status_code == 200
    assert "Telling your manager early that a deadline will slip" in body
    assert "Lead with the conclusion (that it will be late)" in body and "#deadline" in body
    assert _japanese(body) == []


def test_an_english_learner_can_filter_by_an_english_tag(builtins: dict[str, Scenario]) -> None:
    client = _client(_english_user())
    page = client.get(reverse("scenarios:catalog")).content.decode()
    filtered = client.get(reverse("scenarios:catalog"), {"tag": "deadline"}, HTTP_HX_REQUEST="true").content.decode()

    assert '<option value="deadline">deadline</option>' in page
    assert _japanese(_between(page, '<select name="tag"', "</select>")) == []
    assert "Telling your manager early that a deadline will slip" in filtered
    assert "Alone in the lift with an executive" not in filtered


def test_an_english_learner_sees_a_scenario_in_english(builtins: dict[str, Scenario]) -> None:
    scenario = builtins[DEADLINE]
    body = _client(_english_user()).get(scenario.get_absolute_url()).content.decode()
    article = _between(body, '<article class="scenario-detail">', "</article>")

    assert "Manager of the sales planning section (a woman in her forties)" in article
    assert "Wednesday afternoon, at the manager&#x27;s desk." in article
    assert "Did you give concrete dates or alternatives?" in article
    assert _japanese(article) == []


def test_a_japanese_learner_still_sees_the_japanese_texts(builtins: dict[str, Scenario]) -> None:
    scenario = builtins[DEADLINE]
    body = _client(UserFactory.create()).get(scenario.get_absolute_url()).content.decode()

    assert "営業企画課の課長（40代・女性）" in body and "具体的な日付や代替案を示したか" in body
    assert "Manager of the sales planning section" not in body


def test_an_english_play_has_an_english_title_opening_line_and_brief(builtins: dict[str, Scenario]) -> None:
    user = _english_user()
    conversation = scenario_play_start(user=user, scenario=builtins[DEADLINE])
    page = _client(user).get(reverse("scenarios:play", args=[conversation.id])).content.decode()
    brief = _between(page, '<details class="card scenario-brief"', "</details>")

    assert conversation.title == "Telling your manager early that a deadline will slip"
    assert [m.content for m in conversation.messages.all()] == [
        "Oh, what's up? Is there something you need to talk about?"
    ]
    assert "Staff member in their second year" in brief and _japanese(brief) == []


def test_the_judge_gets_the_english_brief_and_points(builtins: dict[str, Scenario]) -> None:
    conversation = scenario_play_start(user=_english_user(), scenario=builtins[DEADLINE])

    points, context = scenario_feedback_brief(conversation)

    assert points[0] == "Did the first sentence make clear that the report will be late?"
    assert context.startswith("Scenario: Telling your manager early that a deadline will slip")
    assert "The learner's goals: Lead with the conclusion (that it will be late)" in context
    assert _japanese(" ".join([*points, context])) == []


def test_the_english_partner_prompt_is_built_from_the_english_texts(builtins: dict[str, Scenario]) -> None:
    for scenario in builtins.values():
        fields = scenario.persona_fields(language="en")

        assert fields["language"] == "en" and "First line: " in fields["instructions"]
        assert _japanese(" ".join(fields.values())) == [], scenario.slug


def test_without_an_english_opening_line_an_english_learner_gets_no_japanese_line() -> None:
    scenario = ScenarioFactory.create(opening_line="お、どうしたの？")
    conversation = scenario_play_start(user=_english_user(), scenario=scenario)

    assert not conversation.messages.exists()  # the partner opens in English instead
    assert "お、どうしたの" not in scenario.persona_fields(language="en")["instructions"]


@pytest.mark.django_db(transaction=True)
def test_the_api_opens_an_english_play_in_english_even_without_english_setup_texts(offline: Any) -> None:
    scenario = ScenarioFactory.create(opening_line="お、どうしたの？")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(_english_user())}")

    response = client.post("/api/v1/scenarios/start", {"scenario_id": scenario.pk}, format="json")

    opening = response.json()["messages"]
    assert response.status_code == 201 and len(opening) == 1 and opening[0]["content"]
    assert _japanese(opening[0]["content"]) == []  # the offline demo partner quotes no Japanese setup text
    assert Conversation.objects.get().title == scenario.title_en


def test_the_api_gives_an_english_reader_the_english_texts(builtins: dict[str, Scenario]) -> None:
    scenario = builtins[DEADLINE]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(_english_user())}")

    detail = client.get(f"/api/v1/scenarios/{scenario.pk}").json()
    listed = client.get("/api/v1/scenarios", {"tag": "bad news"}).json()["results"]

    assert detail["title"] == "Telling your manager early that a deadline will slip"
    assert detail["ai_role"] == "Manager of the sales planning section (a woman in her forties)"
    assert detail["feedback_points"][0] == "Did the first sentence make clear that the report will be late?"
    assert _japanese(" ".join(str(value) for value in detail.values())) == []
    assert [item["slug"] for item in listed] == ["report-lost-deal-to-director"]
    assert listed[0]["tags"] == ["reporting", "bad news", "directors"]


# --- Import and export ------------------------------------------------------------------------

ENGLISH_FILE = """
scenarios:
  - slug: late-report
    title: 遅れを報告する
    title_en: Reporting a delay
    description: 締切に遅れそうなことを伝える。
    description_en: Tell your manager a deadline will slip.
    difficulty: 初級
    tags: [報告, 納期]
    tags_en: [reporting, deadline]
    ai_role: 課長
    ai_role_en: Section manager
    learner_role: 担当者
    learner_role_en: Staff member
    personality: せっかち
    personality_en: Impatient
    speaking_style: 短く聞く
    speaking_style_en: Asks short questions
    situation: 水曜の午後
    situation_en: Wednesday afternoon
    opening_line: どうしたの？
    opening_line_en: What's up?
    persona_hint: 低い声
    persona_hint_en: A low voice
    learning_points: [結論から話す, 対策を示す]
    learning_points_en: [Lead with the conclusion, Offer a fix]
    feedback_points: [結論が先か, 日付があるか]
    feedback_points_en: ["Was the conclusion first?"]
"""


def test_an_import_stores_the_english_texts_and_an_export_reads_back_unchanged() -> None:
    scenario_import(sources=[Source("english.yaml", ENGLISH_FILE)])
    scenario = Scenario.objects.get(slug="late-report")

    exported = export_yaml(Scenario.objects.all())
    item = yaml.safe_load(exported)["scenarios"][0]
    again = scenario_import(sources=[Source("export.yaml", exported)], dry_run=True)

    assert (scenario.situation_en, scenario.opening_line_en, scenario.tags_en) == (
        "Wednesday afternoon",
        "What's up?",
        ["reporting", "deadline"],
    )
    assert scenario.learning_point_texts("en") == ["Lead with the conclusion", "Offer a fix"]
    assert scenario.feedback_point_texts("en") == ["Was the conclusion first?", "日付があるか"]
    assert item["ai_role_en"] == "Section manager" and item["persona_hint_en"] == "A low voice"
    assert item["learning_points_en"] == ["Lead with the conclusion", "Offer a fix"]
    assert item["feedback_points_en"] == ["Was the conclusion first?", ""]
    assert [(planned.action, planned.changes) for planned in again.plan] == [("update", [])]


def test_an_import_that_changes_only_english_texts_is_an_update_of_them() -> None:
    scenario_import(sources=[Source("english.yaml", ENGLISH_FILE)])
    changed = ENGLISH_FILE.replace("Wednesday afternoon", "Wednesday, 3 p.m.").replace("Offer a fix", "Offer a plan")

    result = scenario_import(sources=[Source("english.yaml", changed)])

    assert result.plan[0].changes == ["situation_en", "learning_points_en"]
    scenario = Scenario.objects.get(slug="late-report")
    assert scenario.situation_en == "Wednesday, 3 p.m." and scenario.situation == "水曜の午後"
    assert scenario.learning_point_texts("en") == ["Lead with the conclusion", "Offer a plan"]


def test_more_english_points_than_points_is_refused() -> None:
    broken = ENGLISH_FILE.replace('["Was the conclusion first?"]', "[One, Two, Three]")

    with translation.override("ja"), pytest.raises(ScenarioImportError) as error:
        scenario_import(sources=[Source("english.yaml", broken)])

    assert "feedback_points_en の項目が feedback_points より多くなっています" in str(error.value)
    assert not Scenario.objects.exists()


def test_a_duplicate_keeps_the_english_points() -> None:
    from scenarios.services import scenario_duplicate

    scenario_import(sources=[Source("english.yaml", ENGLISH_FILE)])
    copy = scenario_duplicate(scenario=Scenario.objects.get(slug="late-report"))

    assert copy.learning_point_texts("en") == ["Lead with the conclusion", "Offer a fix"]
    assert copy.situation_en == "Wednesday afternoon"


# --- Demo data --------------------------------------------------------------------------------


def _demo_data() -> str:
    out = StringIO()
    call_command("demo_data", stdout=out)
    return out.getvalue()


def test_demo_data_fills_empty_english_texts_of_built_ins_without_touching_edits(
    builtins: dict[str, Scenario],
) -> None:
    edited = builtins[DEADLINE]
    Scenario.objects.filter(pk=edited.pk).update(
        title="締切の遅れを早めに伝える（改訂）",
        situation="トレーナーが書き直した状況。",
        situation_en="",
        opening_line_en="",
        ai_role_en="The trainer's own English role",
        tags_en=[],
    )
    edited.learning_points.update(text_en="")
    point = edited.feedback_points.first()
    point.text, point.text_en = "トレーナーの評価ポイント", ""
    point.save()
    untouched = builtins["smalltalk-new-team-lunch"]
    before = Scenario.objects.values().get(pk=untouched.pk)

    output = _demo_data()

    edited.refresh_from_db()
    assert "English texts added to 1 built-in scenarios" in output
    assert edited.title == "締切の遅れを早めに伝える（改訂）" and edited.situation == "トレーナーが書き直した状況。"
    assert edited.situation_en.startswith("Wednesday afternoon, at the manager's desk.")
    assert edited.opening_line_en == "Oh, what's up? Is there something you need to talk about?"
    assert edited.ai_role_en == "The trainer's own English role"
    assert edited.tags_en == ["reporting", "deadline", "manager"]
    assert edited.learning_point_texts("en")[0] == "Lead with the conclusion (that it will be late)"
    assert edited.feedback_point_texts()[0] == "トレーナーの評価ポイント"
    assert edited.feedback_point_texts("en")[0] == "Did the first sentence make clear that the report will be late?"
    assert Scenario.objects.values().get(pk=untouched.pk) == before
    assert "English texts added" not in _demo_data()  # nothing left to fill
