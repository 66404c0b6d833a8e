"""Per criterion, the team's average: the assigned scenario's own rubric criteria, from the judge's
stored criterion scores of the round's counted attempts (a score without a quoted line counts 0),
per team and per scenario of a path, scores only, in a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from assignments import selectors
from assignments.tests.factories import (
    ScenarioFactory,
    UserFactory,
    assignment_for,
    judged_play,
    play,
    rubric,
    team_with,
    watched,
)

pytestmark = pytest.mark.django_db
CONCLUSION, ALTERNATIVE = ("結論から伝えた", "Gave the conclusion first"), ("代案を示した", "Offered an alternative")


def _averages(block: dict[str, Any]) -> dict[str, list[float | None]]:
    return {team["team"]: [item["average"] for item in team["averages"]] for team in block["teams"]}


@pytest.fixture
def world(settings: Any) -> dict[str, Any]:
    settings.TEAM_MIN_LEARNERS = 2
    trainer = UserFactory.create(trainer=True)
    a, b, c, d = (UserFactory.create() for _ in range(4))
    sales, support = team_with(trainer, [a, b], name="営業1課"), team_with(trainer, [c, d], name="サポート")
    scenario = ScenarioFactory.create()
    rubric(scenario, CONCLUSION, ALTERNATIVE)
    assignment = assignment_for(trainer, scenarios=[scenario], teams=[sales, support])
    return {"trainer": trainer, "learners": (a, b, c, d), "scenario": scenario, "assignment": assignment}


def test_it_averages_each_rubric_criterion_per_team(world: dict[str, Any]) -> None:
    a, b, c, d = world["learners"]
    scenario = world["scenario"]
    judged_play(a, scenario, {"結論から伝えた": 90, "代案を示した": 60})
    judged_play(a, scenario, {"結論から伝えた": 70, "代案を示した": None})  # scored without a quote: 0
    judged_play(b, scenario, {"結論から伝えた": 50, "代案を示した": 40})
    judged_play(c, scenario, {"結論から伝えた": 100, "代案を示した": 80})
    judged_play(d, scenario, {"結論から伝えた": 60})  # the judge left a criterion out: 0 as in the total

    [block] = selectors.criteria_by_team(assignment=world["assignment"], viewer=world["trainer"])
    assert (block["scenario_id"], block["has_rubric"]) == (scenario.pk, True)
    assert [c["name"] for c in block["criteria"]] == ["結論から伝えた", "代案を示した"]
    # 営業1課: a's own means (80, 30) and b's (50, 40), each learner weighing the same.
    assert _averages(block) == {"サポート": [80.0, 40.0], "営業1課": [65.0, 35.0]}
    assert [(t["team"], t["learners"], t["withheld"]) for t in block["teams"]] == [
        ("サポート", 2, False),
        ("営業1課", 2, False),
    ]


def test_it_counts_only_the_rounds_counted_attempts_of_the_assigned_scenario(world: dict[str, Any]) -> None:
    a, b, c, d = world["learners"]
    scenario, assignment = world["scenario"], world["assignment"]
    other = ScenarioFactory.create()
    rubric(other, CONCLUSION)
    judged_play(a, scenario, {"結論から伝えた": 80, "代案を示した": 80})
    judged_play(b, scenario, {"結論から伝えた": 40, "代案を示した": 40})
    judged_play(a, scenario, {"結論から伝えた": 0, "代案を示した": 0}, feedback_at=assignment.starts_at - timedelta(1))
    judged_play(b, other, {"結論から伝えた": 0})  # another scenario
    play(a, scenario)  # begun, no feedback: not an attempt
    play(b, scenario, feedback_at=timezone.now())  # feedback before the scenario had a rubric: no scores
    [block] = selectors.criteria_by_team(assignment=assignment, viewer=world["trainer"])
    assert _averages(block)["営業1課"] == [60.0, 60.0]


def test_it_reads_the_criteria_in_the_language_the_play_was_judged_in(world: dict[str, Any]) -> None:
    a, b, _c, _d = world["learners"]
    scenario = world["scenario"]
    judged_play(a, scenario, {"Gave the conclusion first": 90, "Offered an alternative": 70}, language="en")
    judged_play(b, scenario, {"結論から伝えた": 70, "代案を示した": 50})
    [block] = selectors.criteria_by_team(assignment=world["assignment"], viewer=world["trainer"])
    assert _averages(block)["営業1課"] == [80.0, 60.0]


def test_it_withholds_a_team_with_too_few_judged_learners(world: dict[str, Any]) -> None:
    a, _b, c, d = world["learners"]
    scenario = world["scenario"]
    judged_play(a, scenario, {"結論から伝えた": 90, "代案を示した": 60})
    judged_play(c, scenario, {"結論から伝えた": 90, "代案を示した": 60})
    judged_play(d, scenario, {"結論から伝えた": 50, "代案を示した": 20})
    [block] = selectors.criteria_by_team(assignment=world["assignment"], viewer=world["trainer"])
    assert _averages(block) == {"サポート": [70.0, 40.0], "営業1課": [None, None]}
    assert [t["withheld"] for t in block["teams"]] == [False, True]


def test_it_groups_a_path_per_scenario_and_shows_nothing_for_one_without_a_rubric(world: dict[str, Any]) -> None:
    a, b, _c, _d = world["learners"]
    trainer, scenario = world["trainer"], world["scenario"]
    second, bare = ScenarioFactory.create(), ScenarioFactory.create()
    rubric(second, ("相手の話を聴いた", "Listened"))
    path = assignment_for(trainer, scenarios=[second, bare, scenario], teams=list(world["assignment"].teams.all()))
    for learner, score in ((a, 90), (b, 70)):
        judged_play(learner, second, {"相手の話を聴いた": score})
        judged_play(learner, scenario, {"結論から伝えた": score - 40, "代案を示した": score - 50})
        play(learner, bare, feedback_at=timezone.now())
    blocks = selectors.criteria_by_team(assignment=path, viewer=trainer)
    assert [(b["scenario_id"], b["has_rubric"]) for b in blocks] == [
        (second.pk, True),
        (bare.pk, False),
        (scenario.pk, True),
    ]
    assert _averages(blocks[0])["営業1課"] == [80.0]
    assert (blocks[1]["criteria"], blocks[1]["teams"]) == ([], [])
    assert _averages(blocks[2])["営業1課"] == [40.0, 30.0]


def test_it_leaves_out_learners_outside_the_trainers_teams(world: dict[str, Any], settings: Any) -> None:
    settings.TEAM_MIN_LEARNERS = 1
    a, _b, _c, _d = world["learners"]
    trainer, scenario = world["trainer"], world["scenario"]
    outsider = UserFactory.create()
    theirs = team_with(UserFactory.create(trainer=True), [outsider], name="他チーム")
    admin = UserFactory.create(is_superuser=True, is_staff=True)
    shared = assignment_for(admin, scenarios=[scenario], teams=[*world["assignment"].teams.all(), theirs])
    judged_play(a, scenario, {"結論から伝えた": 80, "代案を示した": 80})
    judged_play(outsider, scenario, {"結論から伝えた": 20, "代案を示した": 10})

    [seen_by_admin] = selectors.criteria_by_team(assignment=shared, viewer=admin)
    assert _averages(seen_by_admin)["他チーム"] == [20.0, 10.0]
    [seen_by_trainer] = selectors.criteria_by_team(assignment=shared, viewer=trainer)
    assert _averages(seen_by_trainer) == {"サポート": [None, None], "他チーム": [None, None], "営業1課": [80.0, 80.0]}
    assert [t["learners"] for t in seen_by_trainer["teams"]] == [0, 0, 1]


def test_it_computes_the_averages_in_a_fixed_number_of_queries(settings: Any) -> None:
    settings.TEAM_MIN_LEARNERS = 1
    trainer = UserFactory.create(trainer=True)
    scenarios = [ScenarioFactory.create(), ScenarioFactory.create()]
    rubric(scenarios[0], CONCLUSION, ALTERNATIVE)
    rubric(scenarios[1], ("相手の話を聴いた", "Listened"))

    def queries(members: int) -> int:
        learners = [UserFactory.create() for _ in range(members)]
        team = team_with(trainer, learners, name=f"team{members}")
        assignment = assignment_for(trainer, scenarios=scenarios, teams=[team])
        for learner in learners:
            judged_play(learner, scenarios[0], {"結論から伝えた": 70, "代案を示した": 50})
            judged_play(learner, scenarios[1], {"相手の話を聴いた": 90})
        with CaptureQueriesContext(connection) as captured:
            blocks = selectors.criteria_by_team(assignment=assignment, viewer=trainer)
        assert [_averages(b)[f"team{members}"] for b in blocks] == [[70.0, 50.0], [90.0]]
        assert [b["teams"][0]["learners"] for b in blocks] == [members, members]
        return len(captured)

    assert queries(2) == queries(12)


def test_the_page_and_the_api_show_the_criteria_and_scores_only(world: dict[str, Any]) -> None:
    a, b, _c, _d = world["learners"]
    scenario, trainer, assignment = world["scenario"], world["trainer"], world["assignment"]
    judged_play(a, scenario, {"結論から伝えた": 90, "代案を示した": 60}, comment="内緒のコメント")
    judged_play(b, scenario, {"結論から伝えた": 50, "代案を示した": 40})
    bare = ScenarioFactory.create(title="ルーブリックなし")
    path = assignment_for(trainer, scenarios=[scenario, bare], teams=list(assignment.teams.all()))

    client = Client()
    client.force_login(trainer)
    page = client.get(f"/assignments/trainer/{path.pk}/").content.decode()
    section = page[page.index('id="criteria"') :]
    assert "結論から伝えた" in section and "代案を示した" in section
    assert "70.0" in section and "50.0" in section
    assert "このシナリオにはルーブリックがないため" in section
    assert "内緒のコメント" not in page and "結論から申し上げます" not in page

    api = APIClient()
    api.force_authenticate(trainer)
    body = api.get(f"/api/v1/trainer/assignments/{path.pk}/progress").json()
    first, second = body["criteria"]
    assert [c["name"] for c in first["criteria"]] == ["結論から伝えた", "代案を示した"]
    sales = next(t for t in first["teams"] if t["team"] == "営業1課")
    assert [(item["name"], item["average"]) for item in sales["averages"]] == [
        ("結論から伝えた", 70.0),
        ("代案を示した", 50.0),
    ]
    assert (second["has_rubric"], second["criteria"], second["teams"]) == (False, [], [])
    text = str(body)
    assert "内緒のコメント" not in text and "結論から申し上げます" not in text


def test_the_schema_documents_the_criteria_shape(world: dict[str, Any]) -> None:
    api = APIClient()
    api.force_authenticate(world["trainer"])
    components = api.get("/api/v1/schema/?format=json").json()["components"]["schemas"]
    assert set(components["Criteria"]["properties"]) == {"scenario_id", "title", "has_rubric", "criteria", "teams"}
    averages = components["TeamCriteria"]["properties"]["averages"]["items"]["$ref"]
    assert averages == "#/components/schemas/CriterionAverage"
    assert set(components["CriterionAverage"]["properties"]) == {"criterion_id", "name", "average"}
    assert "watched" in components["MyStep"]["properties"]


def test_the_trainers_page_takes_a_fixed_number_of_queries(settings: Any) -> None:
    settings.TEAM_MIN_LEARNERS = 1
    trainer = UserFactory.create(trainer=True)
    scenarios = [ScenarioFactory.create(), ScenarioFactory.create()]
    rubric(scenarios[0], CONCLUSION, ALTERNATIVE)
    client = Client()
    client.force_login(trainer)

    def queries(members: int) -> int:
        learners = [UserFactory.create() for _ in range(members)]
        team = team_with(trainer, learners, name=f"team{members}")
        assignment = assignment_for(trainer, scenarios=scenarios, watch_themes=["report"], teams=[team])
        for learner in learners:
            judged_play(learner, scenarios[0], {"結論から伝えた": 70, "代案を示した": 50})
            watched(learner, "report")
        with CaptureQueriesContext(connection) as captured:
            page = client.get(f"/assignments/trainer/{assignment.pk}/").content.decode()
        assert page.count('<tr class="status-in_progress"') == members
        return len(captured)

    assert queries(2) == queries(12)
