"""The analytics API: the caller's own figures only, validated query parameters, cached figures."""

import io
import json
import zipfile
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from analytics.models import AnalysisStatus
from analytics.services import analysis_store
from analytics.tests.factories import StrengthAnalysisFactory, TeamFactory, judge_answer, scores
from conversations.feedback import FeedbackReport
from conversations.models import Message
from llm import CallStats

pytestmark = pytest.mark.django_db


def _api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _days_ago(days: float) -> Any:
    return timezone.now() - timedelta(days=days)


@pytest.fixture
def learner() -> Any:
    user = UserFactory()
    StrengthAnalysisFactory(user=user, session_started_at=_days_ago(3), duration_seconds=600, scores=scores(empathy=70))
    StrengthAnalysisFactory(
        user=user, session_started_at=_days_ago(1), duration_seconds=1200, scores=scores(empathy=90)
    )
    StrengthAnalysisFactory(user=user, session_started_at=_days_ago(45), scores=scores(empathy=50))
    StrengthAnalysisFactory(user=user, session_started_at=_days_ago(2), status=AnalysisStatus.FAILED, scores={})
    StrengthAnalysisFactory(session_started_at=_days_ago(1), scores=scores(empathy=5))  # another learner
    return user


def test_strengths_gives_the_latest_analysis_and_each_axis_history(learner: Any) -> None:
    response = _api(learner).get("/api/v1/analytics/strengths")

    assert response.status_code == 200
    body = response.json()
    assert body["latest"]["scores"]["empathy"]["score"] == 90
    assert [point["score"] for point in body["history"]["empathy"]] == [50, 70, 90]
    assert [axis["name"] for axis in body["axes"]][:2] == ["empathy", "clarity"]


def test_progress_gives_the_week_day_by_day(learner: Any) -> None:
    response = _api(learner).get("/api/v1/analytics/progress", {"period": "week"})

    points = response.json()["points"]
    assert response.status_code == 200 and len(points) == 7
    assert sum(p["sessions"] for p in points) == 3 and sum(p["minutes"] for p in points) == 40
    assert sorted(p["scores"]["empathy"] for p in points if p["scores"]["empathy"] is not None) == [70.0, 90.0]


@pytest.mark.parametrize("url", ["/api/v1/analytics/progress", "/api/v1/analytics/report"])
def test_a_bad_period_is_a_field_error(learner: Any, url: str) -> None:
    response = _api(learner).get(url, {"period": "decade"})

    assert response.status_code == 400
    assert list(response.json()) == ["period"]


def test_report_sums_up_the_month_against_the_month_before(learner: Any) -> None:
    body = _api(learner).get("/api/v1/analytics/report", {"period": "month"}).json()

    assert (body["sessions"], body["minutes"], body["analysed"]) == (3, 40, 2)
    assert body["averages"]["empathy"] == 80.0 and body["previous"]["empathy"] == 50.0
    assert body["deltas"]["empathy"] == 30.0
    assert body["top_strengths"][0] == {"axis": "empathy", "label": "共感力", "score": 80.0}
    assert body["weakest"]["axis"] == "clarity"


def test_figures_are_cached_until_a_new_analysis_lands(learner: Any) -> None:
    api = _api(learner)
    before = api.get("/api/v1/analytics/strengths").json()["latest"]["scores"]["empathy"]["score"]
    StrengthAnalysisFactory(user=learner, session_started_at=_days_ago(0.5), scores=scores(empathy=11))
    cached = api.get("/api/v1/analytics/strengths").json()["latest"]["scores"]["empathy"]["score"]
    pending = StrengthAnalysisFactory(user=learner, status=AnalysisStatus.PENDING, scores={})
    analysis_store(
        analysis=pending,
        report=FeedbackReport.model_validate(judge_answer(default=42)),
        metadata=CallStats("fake", "fake", 1, 1, None, 1.0, "complete", False).as_metadata(),
        learner_lines=[],
    )
    fresh = api.get("/api/v1/analytics/strengths").json()["latest"]["scores"]["empathy"]["score"]

    assert (before, cached, fresh) == (90, 90, 42)


def test_export_holds_all_and_only_my_data(learner: Any) -> None:
    mine = learner.strength_analyses.first()
    Message.objects.create(conversation=mine.conversation, role="user", content="自分の言葉")
    api = _api(learner)

    document = api.get("/api/v1/analytics/export", {"format": "json"})
    archive = api.get("/api/v1/analytics/export", {"format": "csv"})

    assert document["Content-Type"] == "application/json" and archive["Content-Type"] == "application/zip"
    data = json.loads(document.content)
    assert len(data["analyses"]) == 4 and len(data["conversations"]) == 4
    assert {a["conversation_id"] for a in data["analyses"]} == {c["id"] for c in data["conversations"]}
    assert data["user"]["username"] == learner.username
    files = zipfile.ZipFile(io.BytesIO(archive.content))
    assert files.read("analyses.csv").decode("utf-8-sig").count("\n") == 5  # header + 4 rows
    assert "自分の言葉" in files.read("messages.csv").decode("utf-8-sig")


def test_a_bad_export_format_is_a_field_error(learner: Any) -> None:
    response = _api(learner).get("/api/v1/analytics/export", {"format": "xml"})

    assert response.status_code == 400 and list(response.json()) == ["format"]


def test_the_api_needs_a_token() -> None:
    assert APIClient().get("/api/v1/analytics/strengths").status_code == 401


def test_history_lists_my_conversations_with_their_analysis_status(learner: Any) -> None:
    body = _api(learner).get("/api/v1/users/me/history").json()

    assert body["count"] == 4
    assert sorted(item["analysis_status"] for item in body["results"]) == ["done", "done", "done", "failed"]
    assert {item["kind"] for item in body["results"]} == {"chat"}


def test_team_figures_for_their_trainers_only() -> None:
    trainer, members = UserFactory(trainer=True), UserFactory.create_batch(3)
    for member, clarity in zip(members, (80, 88, 96), strict=True):
        StrengthAnalysisFactory(user=member, session_started_at=_days_ago(1), scores=scores(clarity=clarity))
    team = TeamFactory(members=members, trainers=[trainer])
    other = TeamFactory(members=members)
    member = members[0]

    mine = _api(trainer).get(f"/api/v1/analytics/teams/{team.pk}")
    listing = _api(trainer).get("/api/v1/analytics/teams").json()

    assert mine.status_code == 200
    assert mine.json()["figures"]["averages"]["clarity"] == 88.0 and mine.json()["active_learners"] == 3
    assert mine.json()["withheld"] is False and mine.json()["notice"] == ""
    assert [item["team"]["id"] for item in listing] == [team.pk]
    assert _api(trainer).get(f"/api/v1/analytics/teams/{other.pk}").status_code == 404
    assert _api(member).get(f"/api/v1/analytics/teams/{team.pk}").status_code == 404
    assert _api(member).get("/api/v1/analytics/teams").status_code == 404


def test_it_withholds_the_figures_of_a_team_whose_only_member_is_one_learner() -> None:
    trainer, learner = UserFactory(trainer=True), UserFactory()
    StrengthAnalysisFactory(user=learner, session_started_at=_days_ago(1), scores=scores(clarity=88))
    team = TeamFactory(members=[learner], trainers=[trainer])
    api = _api(trainer)

    body = api.get(f"/api/v1/analytics/teams/{team.pk}", HTTP_ACCEPT_LANGUAGE="en").json()
    listing = api.get("/api/v1/analytics/teams", HTTP_ACCEPT_LANGUAGE="en").json()

    assert body["withheld"] is True and body["members"] == 1 and body["min_learners"] == 3
    assert body["figures"] is None and body["active_learners"] is None
    assert body["weekly"] == [] and body["scenarios"] == []
    assert "fewer than 3 learners" in body["notice"]
    assert "88" not in json.dumps(body) and listing == [body]


def test_it_withholds_average_strengths_when_fewer_than_three_learners_were_analysed() -> None:
    trainer, members = UserFactory(trainer=True), UserFactory.create_batch(4)
    StrengthAnalysisFactory(user=members[0], session_started_at=_days_ago(1), scores=scores(clarity=88))
    StrengthAnalysisFactory(user=members[1], session_started_at=_days_ago(2), scores=scores(clarity=60))
    team = TeamFactory(members=members, trainers=[trainer])

    body = _api(trainer).get(f"/api/v1/analytics/teams/{team.pk}").json()

    assert body["withheld"] is False and body["figures"]["sessions"] == 2
    assert set(body["figures"]["averages"].values()) == {None}
    assert "分析済み" in body["notice"]


def test_the_team_threshold_follows_the_setting(settings) -> None:
    settings.TEAM_MIN_LEARNERS = 1
    trainer, learner = UserFactory(trainer=True), UserFactory()
    StrengthAnalysisFactory(user=learner, session_started_at=_days_ago(1), scores=scores(clarity=88))
    team = TeamFactory(members=[learner], trainers=[trainer])

    body = _api(trainer).get(f"/api/v1/analytics/teams/{team.pk}").json()

    assert body["withheld"] is False and body["figures"]["averages"]["clarity"] == 88.0


def test_the_schema_documents_the_analytics_endpoints() -> None:
    schema = _api(UserFactory()).get("/api/v1/schema/", {"format": "json"}).json()

    assert {
        "/api/v1/analytics/strengths",
        "/api/v1/analytics/progress",
        "/api/v1/analytics/report",
        "/api/v1/analytics/export",
    } <= set(schema["paths"])
