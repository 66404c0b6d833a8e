"""The assignment API: the learner's own list and detail, the trainer's create/patch/progress/CSV,
with 404 for anything not theirs and 400 with field errors for bad input (nothing stored)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from assignments.models import Assignment
from assignments.tests.factories import ScenarioFactory, UserFactory, assignment_for, play, team_with

pytestmark = pytest.mark.django_db


def _api(user: Any) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def world() -> dict[str, Any]:
    trainer, other_trainer = UserFactory.create(trainer=True), UserFactory.create(trainer=True)
    learner, outsider = UserFactory.create(), UserFactory.create()
    team = team_with(trainer, [learner])
    other_team = team_with(other_trainer, [outsider], name="他チーム")
    scenario = ScenarioFactory.create()
    return {
        "trainer": trainer,
        "other_trainer": other_trainer,
        "learner": learner,
        "outsider": outsider,
        "admin": UserFactory.create(is_superuser=True, is_staff=True),
        "team": team,
        "other_team": other_team,
        "scenario": scenario,
        "assignment": assignment_for(trainer, scenarios=[scenario], teams=[team]),
    }


def _body(world: dict[str, Any], **changes: Any) -> dict[str, Any]:
    now = timezone.now()
    body = {
        "steps": [{"scenario_id": world["scenario"].pk}],
        "teams": [world["team"].pk],
        "starts_at": now.isoformat(),
        "due_at": (now + timedelta(days=7)).isoformat(),
    }
    body.update(changes)
    return body


def test_it_lists_my_assignments_with_their_status(world: dict[str, Any]) -> None:
    play(world["learner"], world["scenario"], feedback_at=timezone.now(), rubric_total=77)
    response = _api(world["learner"]).get("/api/v1/assignments")
    assert response.status_code == 200
    [item] = response.json()
    assert (item["id"], item["status"], item["attempts"], item["best_total"]) == (
        world["assignment"].pk,
        "completed",
        1,
        77,
    )
    assert item["assigned_by"] == world["trainer"].name
    detail = _api(world["learner"]).get(f"/api/v1/assignments/{world['assignment'].pk}")
    assert detail.status_code == 200 and detail.json()["steps"][0]["done"] is True


def test_it_answers_404_for_someone_elses_assignment_and_401_anonymous(world: dict[str, Any]) -> None:
    assert _api(world["outsider"]).get("/api/v1/assignments").json() == []
    assert _api(world["outsider"]).get(f"/api/v1/assignments/{world['assignment'].pk}").status_code == 404
    assert _api(None).get("/api/v1/assignments").status_code == 401
    assert _api(None).get("/api/v1/trainer/assignments").status_code == 401


def test_it_creates_and_patches_an_assignment(world: dict[str, Any]) -> None:
    client = _api(world["trainer"])
    second = ScenarioFactory.create()
    body = _body(
        world,
        title="新人研修",
        steps=[{"scenario_id": world["scenario"].pk, "watch_theme": "report"}, {"scenario_id": second.pk}],
    )
    created = client.post("/api/v1/trainer/assignments", body, format="json")
    assert created.status_code == 201, created.json()
    data = created.json()
    assert [s["scenario_id"] for s in data["steps"]] == [world["scenario"].pk, second.pk]
    assert data["teams"] == [world["team"].pk] and data["state"] == "active"

    patched = client.patch(
        f"/api/v1/trainer/assignments/{data['id']}", {"note": "金曜まで", "state": "paused"}, format="json"
    )
    assert patched.status_code == 200, patched.json()
    assert (patched.json()["note"], patched.json()["state"]) == ("金曜まで", "paused")
    assert [s["scenario_id"] for s in patched.json()["steps"]] == [world["scenario"].pk, second.pk]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"due_at": "2020-01-01T00:00:00Z"}, "due_at"),
        ({"teams": []}, "teams"),
        ({"steps": []}, "steps"),
        ({"steps": [{"scenario_id": "1"}]}, "steps"),
        ({"required_attempts": True}, "required_attempts"),
    ],
)
def test_it_refuses_bad_input_with_400_and_stores_nothing(world: dict[str, Any], changes: dict, field: str) -> None:  # type: ignore[type-arg]
    before = Assignment.objects.count()
    response = _api(world["trainer"]).post("/api/v1/trainer/assignments", _body(world, **changes), format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert Assignment.objects.count() == before


def test_it_refuses_drafts_duplicates_and_other_trainers_learners(world: dict[str, Any]) -> None:
    client = _api(world["trainer"])
    draft = ScenarioFactory.create(published=False)
    for changes, field in [
        ({"steps": [{"scenario_id": draft.pk}]}, "steps"),
        ({"steps": [{"scenario_id": world["scenario"].pk}] * 2}, "steps"),
        ({"teams": [world["other_team"].pk]}, "teams"),
        ({"teams": [], "learners": [str(world["outsider"].pk)]}, "learners"),
    ]:
        response = client.post("/api/v1/trainer/assignments", _body(world, **changes), format="json")
        assert response.status_code == 400 and field in response.json(), changes
    assert Assignment.objects.count() == 1


@pytest.mark.parametrize(
    ("who", "expected"), [("learner", 404), ("other_trainer", 404), ("trainer", 200), ("admin", 200)]
)
def test_it_guards_every_trainer_endpoint(world: dict[str, Any], who: str, expected: int) -> None:
    client, pk = _api(world[who]), world["assignment"].pk
    assert client.get(f"/api/v1/trainer/assignments/{pk}").status_code == expected
    assert client.get(f"/api/v1/trainer/assignments/{pk}/progress").status_code == expected
    assert client.get(f"/api/v1/trainer/assignments/{pk}/progress.csv").status_code == expected
    assert client.patch(f"/api/v1/trainer/assignments/{pk}", {"note": "x"}, format="json").status_code == expected
    listed = client.get("/api/v1/trainer/assignments")
    assert listed.status_code == (404 if who == "learner" else 200)
    if who == "other_trainer":
        assert listed.json() == []


def test_it_gives_the_progress_table_and_the_same_rows_as_csv(world: dict[str, Any]) -> None:
    play(world["learner"], world["scenario"], feedback_at=timezone.now(), rubric_total=66, passed=False)
    client, pk = _api(world["trainer"]), world["assignment"].pk
    progress = client.get(f"/api/v1/trainer/assignments/{pk}/progress").json()
    [row] = progress["learners"]
    assert (row["status"], row["attempts"], row["best_total"], row["latest_total"], row["passed"]) == (
        "completed",
        1,
        66,
        66,
        False,
    )
    assert progress["counts"]["completed"] == 1
    rows = list(
        csv.reader(
            io.StringIO(client.get(f"/api/v1/trainer/assignments/{pk}/progress.csv").content.decode("utf-8-sig"))
        )
    )
    assert rows[1][1] == row["username"] and rows[1][4] == "1" and rows[1][6] == "66"
    assert client.get(f"/api/v1/trainer/assignments/{pk}/progress?status=nope").status_code == 400
    for blank in ("", "%1F"):  # an empty team filter is no filter
        assert client.get(f"/api/v1/trainer/assignments/{pk}/progress?team={blank}").json()["learners"] == [row]
    # The team filter's maxLength (100) is on what is sent: trimmed blanks do not make room.
    assert client.get(f"/api/v1/trainer/assignments/{pk}/progress?team=%20{'t' * 100}").status_code == 400
    assert client.get(f"/api/v1/trainer/assignments/{pk}/progress?team={'t' * 100}").status_code == 200


def test_it_documents_the_endpoints_in_the_schema(world: dict[str, Any]) -> None:
    schema = _api(world["learner"]).get("/api/v1/schema/?format=json").json()
    for path in [
        "/api/v1/assignments",
        "/api/v1/assignments/{assignment_id}",
        "/api/v1/trainer/assignments",
        "/api/v1/trainer/assignments/{assignment_id}",
        "/api/v1/trainer/assignments/{assignment_id}/progress",
        "/api/v1/trainer/assignments/{assignment_id}/progress.csv",
    ]:
        assert path in schema["paths"], path
    assert "post" in schema["paths"]["/api/v1/trainer/assignments"]
    assert "patch" in schema["paths"]["/api/v1/trainer/assignments/{assignment_id}"]
