"""Pages: who may open what (learner, trainer of the team, trainer of another team, superuser,
anonymous), the form's errors next to the fields, the table, its CSV, sharing a transcript."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from assignments.models import Assignment, AssignmentState
from assignments.tests.factories import ScenarioFactory, UserFactory, assignment_for, play, team_with
from conversations.models import Message, Role

pytestmark = pytest.mark.django_db


def _client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def world() -> dict[str, Any]:
    trainer, other_trainer = UserFactory.create(trainer=True), UserFactory.create(trainer=True)
    learner, outsider = UserFactory.create(display_name="花子"), UserFactory.create(display_name="外部")
    team = team_with(trainer, [learner])
    team_with(other_trainer, [outsider], name="他チーム")
    scenario = ScenarioFactory.create()
    assignment = assignment_for(trainer, scenarios=[scenario], teams=[team], note="金曜までに <b>必ず</b>")
    return {
        "trainer": trainer,
        "other_trainer": other_trainer,
        "learner": learner,
        "outsider": outsider,
        "admin": UserFactory.create(is_superuser=True, is_staff=True),
        "team": team,
        "scenario": scenario,
        "assignment": assignment,
    }


def _trainer_pages(a: Assignment, learner: User) -> list[str]:
    return [
        "/assignments/trainer/",
        "/assignments/trainer/new/",
        f"/assignments/trainer/{a.pk}/",
        f"/assignments/trainer/{a.pk}/edit/",
        f"/assignments/trainer/{a.pk}/progress.csv",
        f"/assignments/trainer/{a.pk}/learners/{learner.pk}/",
    ]


@pytest.mark.parametrize(
    ("who", "expected"),
    [("learner", 404), ("other_trainer", 404), ("trainer", 200), ("admin", 200)],
)
def test_it_opens_trainer_pages_only_to_the_assignments_trainer_or_a_superuser(
    world: dict[str, Any], who: str, expected: int
) -> None:
    client = _client(world[who])
    for url in _trainer_pages(world["assignment"], world["learner"]):
        status = client.get(url).status_code
        # The list and the new form are open to every trainer, the assignment's pages to its own.
        wanted = 200 if who == "other_trainer" and url.endswith(("/trainer/", "/new/")) else expected
        assert status == wanted, url


def test_it_sends_anonymous_visitors_to_log_in(world: dict[str, Any]) -> None:
    for url in [*_trainer_pages(world["assignment"], world["learner"]), "/assignments/"]:
        response = Client().get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_it_hides_learners_outside_the_trainers_teams(world: dict[str, Any]) -> None:
    admin_assignment = assignment_for(world["admin"], learners=[world["learner"], world["outsider"]])
    page = _client(world["admin"]).get(f"/assignments/trainer/{admin_assignment.pk}/").content.decode()
    assert "花子" in page and "外部" in page
    url = f"/assignments/trainer/{world['assignment'].pk}/learners/{world['outsider'].pk}/"
    assert _client(world["trainer"]).get(url).status_code == 404


def test_it_shows_the_learner_their_assignment_with_who_assigned_it_and_the_note(world: dict[str, Any]) -> None:
    client = _client(world["learner"])
    page = client.get("/assignments/").content.decode()
    assert world["assignment"].title in page
    assert world["trainer"].name in page
    assert "金曜までに &lt;b&gt;必ず&lt;/b&gt;" in page  # escaped
    assert f'action="/scenarios/{world["scenario"].pk}/start/"' in page
    home = client.get("/").content.decode()
    assert 'id="assignment-notices"' in home and world["assignment"].title in home
    # Another learner sees nothing of it.
    other = _client(world["outsider"]).get("/assignments/").content.decode()
    assert world["assignment"].title not in other


def test_it_hides_paused_assignments_from_learners(world: dict[str, Any]) -> None:
    client = _client(world["trainer"])
    response = client.post(f"/assignments/trainer/{world['assignment'].pk}/state/", {"state": "paused"})
    assert response.status_code == 302
    world["assignment"].refresh_from_db()
    assert world["assignment"].state == AssignmentState.PAUSED
    assert world["assignment"].title not in _client(world["learner"]).get("/assignments/").content.decode()
    # Someone else's trainer cannot change it.
    other = _client(world["other_trainer"]).post(
        f"/assignments/trainer/{world['assignment'].pk}/state/", {"state": "closed"}
    )
    assert other.status_code == 404


def _form(world: dict[str, Any], **changes: Any) -> dict[str, Any]:
    now = timezone.localtime()
    data = {
        "title": "",
        "step_0": str(world["scenario"].pk),
        "teams": [str(world["team"].pk)],
        "starts_at": now.strftime("%Y-%m-%dT%H:%M"),
        "due_at": (now + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"),
        "requirement": "attempts",
        "required_attempts": "1",
        "recurrence": "none",
        "note": "",
    }
    data.update(changes)
    return data


def test_it_creates_an_assignment_from_the_trainer_page(world: dict[str, Any]) -> None:
    second = ScenarioFactory.create()
    response = _client(world["trainer"]).post(
        "/assignments/trainer/new/", _form(world, title="新人研修", step_1=str(second.pk), watch_0="report")
    )
    assert response.status_code == 302
    created = Assignment.objects.get(title="新人研修")
    assert list(created.steps.values_list("scenario_id", flat=True)) == [world["scenario"].pk, second.pk]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"due_at": "2020-01-01T00:00"}, "due_at"),
        ({"teams": []}, "teams"),
        ({"step_0": ""}, "step_0"),
        ({"step_1": "SAME"}, "step_0"),
    ],
)
def test_it_shows_the_error_next_to_the_field_and_stores_nothing(
    world: dict[str, Any], changes: dict[str, Any], field: str
) -> None:
    if changes.get("step_1") == "SAME":
        changes["step_1"] = str(world["scenario"].pk)
    before = Assignment.objects.count()
    response = _client(world["trainer"]).post("/assignments/trainer/new/", _form(world, **changes))
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors.get(field), form.errors
    assert Assignment.objects.count() == before


def test_it_refuses_a_draft_or_another_trainers_learner_on_the_page(world: dict[str, Any]) -> None:
    draft = ScenarioFactory.create(published=False)
    client = _client(world["trainer"])
    response = client.post("/assignments/trainer/new/", _form(world, step_0=str(draft.pk)))
    assert response.status_code == 400 and response.context["form"].errors.get("step_0")
    response = client.post("/assignments/trainer/new/", _form(world, teams=[], learners=[str(world["outsider"].pk)]))
    assert response.status_code == 400 and response.context["form"].errors.get("learners")


def test_it_shows_status_and_scores_in_the_table_and_the_same_rows_in_the_csv(world: dict[str, Any]) -> None:
    second = UserFactory.create(display_name="次郎")
    world["team"].members.add(second)
    play(world["learner"], world["scenario"], feedback_at=timezone.now(), rubric_total=72, passed=True)
    client = _client(world["trainer"])
    page = client.get(f"/assignments/trainer/{world['assignment'].pk}/").content.decode()
    assert "花子" in page and "次郎" in page and "72" in page
    table = client.get(f"/assignments/trainer/{world['assignment'].pk}/?status=completed", HTTP_HX_REQUEST="true")
    assert "花子" in table.content.decode() and "次郎" not in table.content.decode()

    response = client.get(f"/assignments/trainer/{world['assignment'].pk}/progress.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 3
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["花子"][3:8] == ["完了", "1", "1", "72", "72"]
    assert by_name["次郎"][3:5] == ["未着手", "0"]
    assert [row[0] for row in rows[1:]] == ["次郎", "花子"]  # the table's order: not started before completed


def test_it_shows_a_transcript_only_while_the_learner_shares_it(world: dict[str, Any]) -> None:
    record = play(world["learner"], world["scenario"], feedback_at=timezone.now(), rubric_total=60)
    Message.objects.create(
        conversation=record.conversation, role=Role.USER, content="<script>x</script>結論から申し上げます"
    )
    trainer, learner = _client(world["trainer"]), _client(world["learner"])
    url = f"/assignments/trainer/transcripts/{record.conversation_id}/"
    learner_page = f"/assignments/trainer/{world['assignment'].pk}/learners/{world['learner'].pk}/"
    assert trainer.get(url).status_code == 404
    assert url not in trainer.get(learner_page).content.decode()

    shared = learner.post(f"/chat/{record.conversation_id}/share-with-trainer/", {"shared": "1"})
    assert shared.status_code == 302
    assert url in trainer.get(learner_page).content.decode()
    page = trainer.get(url)
    assert page.status_code == 200
    assert "結論から申し上げます" in page.content.decode() and "<script>x" not in page.content.decode()
    assert _client(world["other_trainer"]).get(url).status_code == 404
    assert _client(world["outsider"]).get(url).status_code == 404
    # Only the learner can share it; revoking hides it at once.
    assert trainer.post(f"/chat/{record.conversation_id}/share-with-trainer/", {"shared": "0"}).status_code == 404
    learner.post(f"/chat/{record.conversation_id}/share-with-trainer/", {"shared": "0"}, HTTP_HX_REQUEST="true")
    assert trainer.get(url).status_code == 404


def test_it_offers_the_share_control_on_the_learners_conversation_page(world: dict[str, Any]) -> None:
    record = play(world["learner"], world["scenario"], feedback_at=timezone.now())
    page = _client(world["learner"]).get(f"/scenarios/play/{record.conversation_id}/").content.decode()
    assert 'id="share-with-trainer"' in page and "トレーナーと共有する" in page


def test_it_lets_a_learner_turn_reminders_off_in_the_profile(world: dict[str, Any]) -> None:
    learner = world["learner"]
    data = {"display_name": learner.display_name, "language": "ja", "default_partner": "同僚"}
    _client(learner).post("/accounts/profile/", data)
    learner.refresh_from_db()
    assert learner.assignment_reminders is False
    _client(learner).post("/accounts/profile/", {**data, "assignment_reminders": "on"})
    learner.refresh_from_db()
    assert learner.assignment_reminders is True


def test_it_speaks_english_to_an_english_learner(world: dict[str, Any]) -> None:
    learner = world["learner"]
    learner.preferences = {"language": "en", "default_partner": "同僚"}
    learner.save()
    page = _client(learner).get("/assignments/").content.decode()
    assert "My assignments" in page and "Not started" in page and "Start" in page
    assert "未着手" not in page


def test_it_escapes_names_in_the_table(world: dict[str, Any]) -> None:
    world["team"].members.add(UserFactory.create(display_name="<img src=x onerror=alert(1)>"))
    page = _client(world["trainer"]).get(f"/assignments/trainer/{world['assignment'].pk}/").content.decode()
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "<img src=x" not in page
