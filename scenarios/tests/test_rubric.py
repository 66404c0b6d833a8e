"""Each scenario is scored against its own rubric: weighted total, pass threshold, no quote no credit,
the judge's criterion scores validated (unknown criterion or unsaid quote: repaired once, then rejected),
and the YAML round trip of rubrics."""

from pathlib import Path
from typing import Any

import pytest
import yaml
from asgiref.sync import async_to_sync
from django.utils import translation
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from analytics.tests.factories import judge_answer
from conversations import services as conversation_services
from conversations.judging import feedback_generate
from conversations.models import Feedback
from llm import LLMError
from scenarios.importer import ScenarioImportError, Source, export_yaml, parse_source
from scenarios.models import RubricCriterion, Scenario, ScenarioPlay
from scenarios.play import scenario_play_start
from scenarios.rubric import rubric_result, weighted_total
from scenarios.services import builtin_scenarios_load, scenario_import, scenario_rubric_replace
from scenarios.tests.factories import ScenarioFactory, admin_form, import_item

LINE = "申し訳ありません、資料は月曜になります。"


def _rubric_scenario(threshold: int = 70, **overrides: Any) -> Scenario:
    scenario = ScenarioFactory(pass_threshold=threshold, opening_line="どうしたの？", **overrides)
    scenario_rubric_replace(
        scenario=scenario,
        criteria=[
            {"name": "結論から伝えた", "weight": 2, "good": "遅れを最初に言う", "poor": "前置きが長い"},
            {"name": "代案を示した", "weight": 1, "good": "新しい日付を示す", "poor": "日付がない"},
        ],
    )
    return scenario


def _score(criterion: str, score: int, evidence: list[str] | None = None) -> dict[str, Any]:
    return {"criterion": criterion, "score": score, "evidence": [LINE] if evidence is None else evidence}


def test_the_weighted_total_is_the_weighted_mean():
    assert weighted_total([(80, 2), (50, 1)]) == 70
    assert weighted_total([(100, 1), (0, 3)]) == 25
    assert weighted_total([]) == 0


@pytest.mark.django_db
def test_the_pass_threshold_decides_passed():
    scores = [_score("結論から伝えた", 80), _score("代案を示した", 50)]

    at_threshold = rubric_result(_rubric_scenario(threshold=70), scores)
    above = rubric_result(_rubric_scenario(threshold=71), scores)

    assert at_threshold is not None and above is not None
    assert (at_threshold.total, at_threshold.passed) == (70, True)
    assert (above.total, above.passed) == (70, False)
    assert [c.name for c in above.missing] == ["代案を示した"]


@pytest.mark.django_db
def test_a_criterion_without_evidence_scores_zero_and_a_missing_one_counts_zero():
    scenario = _rubric_scenario()

    result = rubric_result(scenario, [_score("結論から伝えた", 90, evidence=[])])

    assert result is not None
    assert [c.score for c in result.criteria] == [0, 0]
    assert result.total == 0 and not result.passed


@pytest.mark.django_db
def test_the_graded_message_follows_the_band():
    scenario = _rubric_scenario(graded_messages={"excellent": "見事", "good": "合格", "needs_improvement": "もう一歩"})

    results = [rubric_result(scenario, [_score("結論から伝えた", s), _score("代案を示した", s)]) for s in (95, 75, 40)]

    assert [r.message for r in results if r] == ["見事", "合格", "もう一歩"]


def _judged(fake_llm: Any, *answers: dict[str, Any]) -> tuple[Any, Scenario]:
    scenario = _rubric_scenario()
    conversation = scenario_play_start(user=UserFactory(), scenario=scenario)
    conversation_services.message_append_user(conversation=conversation, text=LINE, client_id="c1")
    for answer in answers:
        fake_llm.reply_json(answer)
    return conversation, scenario


def _answer(*scores: dict[str, Any]) -> dict[str, Any]:
    return {**judge_answer(quote=LINE), "criterion_scores": list(scores)}


@pytest.mark.django_db(transaction=True)
def test_the_judges_criterion_scores_set_the_plays_total_and_passed(fake_llm: Any):
    conversation, _ = _judged(fake_llm, _answer(_score("結論から伝えた", 90), _score("代案を示した", 60)))

    feedback = async_to_sync(feedback_generate)(conversation)

    assert [item["criterion"] for item in feedback.content["criterion_scores"]] == ["結論から伝えた", "代案を示した"]
    play = ScenarioPlay.objects.get(conversation=conversation)
    assert (play.rubric_total, play.passed) == (80, True)
    assert "結論から伝えた" in fake_llm.requests[0]["messages"][0]["content"]  # the judge was given the rubric


@pytest.mark.django_db(transaction=True)
def test_an_unknown_criterion_is_repaired_once(fake_llm: Any):
    bad = _answer(_score("声が大きかった", 90))
    good = _answer(_score("結論から伝えた", 70), _score("代案を示した", 70))
    conversation, _ = _judged(fake_llm, bad, good)

    async_to_sync(feedback_generate)(conversation)

    assert len(fake_llm.requests) == 2
    assert "unknown criterion" in fake_llm.requests[1]["messages"][-1]["content"]
    assert ScenarioPlay.objects.get(conversation=conversation).rubric_total == 70


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "bad",
    [
        _answer(_score("声が大きかった", 90)),
        _answer(_score("結論から伝えた", 90, evidence=["来週には必ず終わらせます。"])),  # never said
    ],
    ids=["unknown criterion", "unsaid quote"],
)
def test_a_bad_answer_repeated_after_repair_is_rejected_and_never_stored(fake_llm: Any, bad: dict[str, Any]):
    conversation, _ = _judged(fake_llm, bad, bad)

    with pytest.raises(LLMError) as failure:
        async_to_sync(feedback_generate)(conversation)

    assert failure.value.kind == "bad_output"
    assert not Feedback.objects.filter(conversation=conversation).exists()
    assert ScenarioPlay.objects.get(conversation=conversation).rubric_total is None


# --- YAML --------------------------------------------------------------------------------------

_ITEM: dict[str, Any] = import_item(
    pass_threshold=75,
    rubric=[
        {
            "name": "結論が先",
            "name_en": "Conclusion first",
            "weight": 3,
            "good": "最初に遅れを言う",
            "poor": "最後まで言わない",
        },
        {"name": "代案", "weight": 1, "good": "日付を示す", "poor": "日付がない", "good_en": "Gives a date"},
    ],
)


def _yaml(**overrides: Any) -> Source:
    return Source("mine.yaml", yaml.safe_dump({"scenarios": [{**_ITEM, **overrides}]}, allow_unicode=True))


@pytest.mark.django_db
def test_rubrics_round_trip_through_export_and_import():
    scenario_import(sources=[_yaml()])
    exported = export_yaml(Scenario.objects.all())
    Scenario.objects.all().delete()

    scenario_import(sources=[Source("export.yaml", exported)])
    again = scenario_import(sources=[Source("export.yaml", exported)])

    scenario = Scenario.objects.get(slug="report-delay")
    assert scenario.pass_threshold == 75
    rows = list(scenario.criteria.values_list("name", "name_en", "weight", "good", "poor", "good_en"))
    assert rows == [
        ("結論が先", "Conclusion first", 3, "最初に遅れを言う", "最後まで言わない", ""),
        ("代案", "", 1, "日付を示す", "日付がない", "Gives a date"),
    ]
    assert again.plan[0].changes == []


@pytest.mark.django_db
def test_a_changed_rubric_shows_in_the_preview_changes():
    scenario_import(sources=[_yaml()])

    again = scenario_import(sources=[_yaml(rubric=[{**_ITEM["rubric"][0], "weight": 5}])], dry_run=True)

    assert again.plan[0].changes == ["rubric"]


@pytest.mark.parametrize(
    ("overrides", "field", "reason"),
    [
        (
            {"rubric": [{"name": "x", "weight": 0, "good": "a", "poor": "b"}]},
            "scenarios[0].rubric[0].weight",
            "must be greater than 0",
        ),
        ({"pass_threshold": 101}, "scenarios[0].pass_threshold", "must be at most 100"),
        ({"rubric": [{"name": "x", "weight": 1, "good": "a"}]}, "scenarios[0].rubric[0].poor", "Field required"),
        (
            {"rubric": [{"name": "x", "weight": 1, "good": "", "poor": "b"}]},
            "scenarios[0].rubric[0].good",
            "must not be empty",
        ),
    ],
)
def test_a_bad_rubric_names_the_file_scenario_field_and_reason(overrides: dict[str, Any], field: str, reason: str):
    with translation.override("en"), pytest.raises(ScenarioImportError) as exc:
        parse_source(_yaml(**overrides))

    [problem] = exc.value.problems
    assert (problem.source, problem.field) == ("mine.yaml", field)
    assert reason in problem.reason


@pytest.mark.django_db
def test_upstream_evaluation_criteria_and_feedback_points_become_criteria():
    path = Path(__file__).resolve().parent / "fixtures" / "extended" / "scenario31.yaml"
    scenario_import(sources=[Source(path.name, path.read_text(encoding="utf-8"))])

    criteria = list(RubricCriterion.objects.filter(scenario__slug="scenario31"))
    assert [c.name for c in criteria] == ["期待される行動", "依頼の目的と期限を伝えたか", "部下の状況を尋ねたか"]
    assert criteria[0].weight == 2 and "一方的に命令する" in criteria[0].poor
    assert "依頼の理由と期限を具体的に伝える" in criteria[0].good


@pytest.mark.django_db
def test_every_builtin_scenario_has_a_rubric():
    builtin_scenarios_load()

    assert Scenario.objects.count() == 35
    assert not Scenario.objects.filter(criteria__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_the_offline_demo_judge_credits_only_criteria_a_line_matches(fake_llm: Any):
    fake_llm.configure(OPENAI_API_BASE="")  # no model: the offline demo judge answers
    scenario = _rubric_scenario(threshold=30)
    conversation = scenario_play_start(user=UserFactory(), scenario=scenario)
    conversation_services.message_append_user(
        conversation=conversation, text="結論から申し上げると、遅れを最初にお伝えします。", client_id="c1"
    )

    feedback = async_to_sync(feedback_generate)(conversation)

    scores = {item["criterion"]: item for item in feedback.content["criterion_scores"]}
    assert scores["結論から伝えた"]["evidence"] == ["結論から申し上げると、遅れを最初にお伝えします。"]
    assert scores["結論から伝えた"]["score"] > 0
    assert scores["代案を示した"] == {**scores["代案を示した"], "score": 0, "evidence": []}
    play = ScenarioPlay.objects.get(conversation=conversation)
    assert play.rubric_total == round(scores["結論から伝えた"]["score"] * 2 / 3)
    assert play.passed is (play.rubric_total >= 30)


@pytest.mark.django_db(transaction=True)
def test_the_learner_sees_criterion_scores_passed_and_best_and_latest_attempts(fake_llm: Any, client: Any):
    first, scenario = _judged(fake_llm, _answer(_score("結論から伝えた", 90), _score("代案を示した", 60)))
    async_to_sync(feedback_generate)(first)
    second = scenario_play_start(user=first.user, scenario=scenario)
    conversation_services.message_append_user(conversation=second, text=LINE, client_id="c2")
    fake_llm.reply_json(_answer(_score("結論から伝えた", 40)))
    async_to_sync(feedback_generate)(second)
    client.force_login(first.user)

    passed_page = client.get(f"/scenarios/play/{first.id}/").content.decode()
    failed_page = client.get(f"/scenarios/play/{second.id}/").content.decode()
    detail = client.get(scenario.get_absolute_url()).content.decode()

    assert 'id="rubric-verdict">合格</strong>' in passed_page and "80 / 100" in passed_page
    assert f"<q>{LINE}</q>" in passed_page
    assert 'id="rubric-verdict">まだ合格していません</strong>' in failed_page
    assert "足りなかった点" in failed_page and "新しい日付を示す" in failed_page  # what was missing
    best = detail[detail.index('id="attempt-best"') : detail.index("</dd>", detail.index('id="attempt-best"'))]
    latest = detail[detail.index('id="attempt-latest"') : detail.index("</dd>", detail.index('id="attempt-latest"'))]
    assert f"/scenarios/play/{first.id}/" in best and "80 / 100" in best
    assert f"/scenarios/play/{second.id}/" in latest and "27 / 100" in latest


@pytest.mark.django_db
def test_a_trainer_edits_the_rubric_inline_and_a_non_positive_weight_is_refused(client: Any):
    client.force_login(UserFactory(trainer=True))
    scenario = _rubric_scenario()
    url = f"/admin/scenarios/scenario/{scenario.pk}/change/"
    page = client.get(url).content.decode()
    assert 'name="criteria-0-name"' in page  # trainers see and edit the criteria

    criteria = list(scenario.criteria.all())
    form = admin_form(
        scenario,
        published="on",
        **{
            "criteria-TOTAL_FORMS": "2",
            "criteria-INITIAL_FORMS": "2",
            "criteria-MIN_NUM_FORMS": "0",
            "criteria-MAX_NUM_FORMS": "1000",
        },
    )
    for index, c in enumerate(criteria):
        form.update(
            {
                f"criteria-{index}-id": str(c.pk),
                f"criteria-{index}-scenario": str(scenario.pk),
                f"criteria-{index}-name": c.name,
                f"criteria-{index}-weight": str(c.weight),
                f"criteria-{index}-good": c.good,
                f"criteria-{index}-poor": c.poor,
                f"criteria-{index}-order": str(index),
            }
        )

    refused = client.post(url, {**form, "criteria-1-weight": "0", "pass_threshold": "101"})
    saved = client.post(url, {**form, "criteria-1-weight": "4", "criteria-1-good": "来週火曜と日付を示す"})

    assert refused.status_code == 200
    body = refused.content.decode()
    assert "1 以上" in body and "100 以下" in body
    assert saved.status_code == 302
    assert list(scenario.criteria.values_list("weight", "good")) == [
        (2, "遅れを最初に言う"),
        (4, "来週火曜と日付を示す"),
    ]


@pytest.mark.django_db(transaction=True)
def test_the_api_feedback_carries_the_rubric_verdict(fake_llm: Any):
    conversation, _ = _judged(fake_llm, _answer(_score("結論から伝えた", 60), _score("代案を示した", 30, evidence=[])))
    client = APIClient()
    client.force_authenticate(conversation.user)

    response = client.post("/api/v1/scenarios/feedback", {"conversation_id": str(conversation.id)}, format="json")

    rubric = response.json()["rubric"]
    assert (rubric["total"], rubric["threshold"], rubric["passed"]) == (40, 70, False)
    assert rubric["missing"] == ["代案を示した", "結論から伝えた"]
    assert rubric["criteria"][0] == {
        "criterion": "結論から伝えた",
        "weight": 2,
        "score": 60,
        "evidence": [LINE],
        "comment": "",
    }
