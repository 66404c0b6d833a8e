"""A learning path's watch themes count: a step with a watch theme is done once its scenario's
requirement is met and a session of that theme was watched in the round (begun after the round
started, then finished, or stopped after a few spoken lines), on every page, the API and the
reminders alike."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from assignments import selectors
from assignments.models import Assignment, Recurrence
from assignments.reminders import run_reminders
from assignments.status import Status
from assignments.tests.factories import (
    ScenarioFactory,
    UserFactory,
    assignment_for,
    play,
    team_with,
    watched,
)
from watch.models import State

pytestmark = pytest.mark.django_db


def _row(assignment: Assignment, trainer: Any, learner: Any, now: Any = None) -> selectors.LearnerRow:
    """The learner's row in the trainer's table, checked against the learner's own list."""
    rows = {row.user_id: row for row in selectors.learner_rows(assignment=assignment, viewer=trainer, now=now)}
    mine = {m.assignment.pk: m for m in selectors.my_assignments(user=learner, now=now)}
    assert rows[learner.pk].status == mine[assignment.pk].progress.status
    assert rows[learner.pk].progress.steps_done == sum(done for _s, _r, done in mine[assignment.pk].steps)
    return rows[learner.pk]


@pytest.fixture
def path() -> dict[str, Any]:
    """A two-step path: watch "report" then play the first scenario; the second has no watch theme."""
    trainer, learner, other = UserFactory.create(trainer=True), UserFactory.create(), UserFactory.create()
    first, second = ScenarioFactory.create(), ScenarioFactory.create()
    now = timezone.now()
    assignment = assignment_for(
        trainer,
        scenarios=[first, second],
        watch_themes=["report", ""],
        teams=[team_with(trainer, [learner, other])],
        starts_at=now - timedelta(days=1),
        due_at=now + timedelta(days=5),
    )
    return {"trainer": trainer, "learner": learner, "other": other, "first": first, "second": second, "a": assignment}


def test_it_completes_a_watch_step_only_once_the_theme_was_watched(path: dict[str, Any]) -> None:
    trainer, learner, a = path["trainer"], path["learner"], path["a"]
    now = timezone.now()
    play(learner, path["first"], feedback_at=now - timedelta(hours=3))
    play(learner, path["second"], feedback_at=now - timedelta(hours=2))
    row = _row(a, trainer, learner)
    assert (row.status, row.progress.steps_done) == (Status.IN_PROGRESS, 1)  # the watch is missing

    session = watched(learner, "report", started_at=now - timedelta(hours=1))
    row = _row(a, trainer, learner)
    assert (row.status, row.progress.steps_done) == (Status.COMPLETED, 2)
    assert row.progress.completed_at == session.ended_at  # the watch came last


def test_it_counts_watching_as_being_in_progress(path: dict[str, Any]) -> None:
    trainer, learner, a = path["trainer"], path["learner"], path["a"]
    assert _row(a, trainer, learner).status == Status.NOT_STARTED
    begun = watched(learner, "report", started_at=timezone.now() - timedelta(minutes=20), state=State.RUNNING)
    row = _row(a, trainer, learner)
    assert (row.status, row.progress.steps_done) == (Status.IN_PROGRESS, 0)  # begun, not yet watched
    assert row.progress.last_activity == begun.started_at
    mine = selectors.my_assignments(user=learner)[0]
    assert [result.watched for _step, result, _done in mine.steps] == [False, None]


def test_it_counts_only_watches_begun_after_the_start(path: dict[str, Any]) -> None:
    trainer, learner, a = path["trainer"], path["learner"], path["a"]
    play(learner, path["first"], feedback_at=timezone.now())
    play(learner, path["second"], feedback_at=timezone.now())
    watched(learner, "report", started_at=a.starts_at - timedelta(minutes=3))  # ended after the start, begun before
    assert _row(a, trainer, learner).status == Status.IN_PROGRESS
    watched(learner, "report", started_at=a.starts_at + timedelta(minutes=1))
    assert _row(a, trainer, learner).status == Status.COMPLETED


def test_it_counts_only_the_assigned_theme(path: dict[str, Any]) -> None:
    trainer, learner, a = path["trainer"], path["learner"], path["a"]
    play(learner, path["first"], feedback_at=timezone.now())
    play(learner, path["second"], feedback_at=timezone.now())
    watched(learner, "consult")
    watched(learner, f"scenario:{path['first'].pk}")
    row = _row(a, trainer, learner)
    assert (row.status, row.progress.steps_done) == (Status.IN_PROGRESS, 1)


def test_it_never_counts_another_learners_watch(path: dict[str, Any]) -> None:
    trainer, learner, other, a = path["trainer"], path["learner"], path["other"], path["a"]
    play(learner, path["first"], feedback_at=timezone.now())
    play(learner, path["second"], feedback_at=timezone.now())
    watched(other, "report")
    watched(UserFactory.create(), "report")  # someone not assigned at all
    assert _row(a, trainer, learner).status == Status.IN_PROGRESS
    row = _row(a, trainer, other)
    assert (row.status, row.progress.steps_done) == (Status.IN_PROGRESS, 0)  # watched, but played nothing


def test_it_counts_a_stopped_session_only_after_a_few_spoken_lines(path: dict[str, Any], settings: Any) -> None:
    settings.WATCH_WATCHED_MIN_LINES = 4
    trainer, learner, a = path["trainer"], path["learner"], path["a"]
    play(learner, path["first"], feedback_at=timezone.now())
    play(learner, path["second"], feedback_at=timezone.now())
    watched(learner, "report", state=State.STOPPED, lines=3, failed_lines=3)  # failed lines are not watched
    watched(learner, "report", state=State.PAUSED, lines=10)  # never ended
    assert _row(a, trainer, learner).status == Status.IN_PROGRESS
    watched(learner, "report", state=State.STOPPED, lines=4)
    assert _row(a, trainer, learner).status == Status.COMPLETED


def test_it_counts_a_finished_session_however_short(path: dict[str, Any]) -> None:
    trainer, learner, a = path["trainer"], path["learner"], path["a"]
    play(learner, path["first"], feedback_at=timezone.now())
    play(learner, path["second"], feedback_at=timezone.now())
    watched(learner, "report", state=State.FINISHED, lines=1)  # it reached its end (e.g. a low turn limit)
    assert _row(a, trainer, learner).status == Status.COMPLETED


def test_it_is_overdue_while_the_watch_is_missing() -> None:
    trainer, learner = UserFactory.create(trainer=True), UserFactory.create()
    scenario = ScenarioFactory.create()
    now = timezone.now()
    a = assignment_for(
        trainer,
        scenarios=[scenario],
        watch_themes=["report"],
        learners=[learner],
        starts_at=now - timedelta(days=5),
        due_at=now - timedelta(days=1),
    )
    team_with(trainer, [learner])
    play(learner, scenario, feedback_at=now - timedelta(days=3))
    assert _row(a, trainer, learner).status == Status.OVERDUE
    watched(learner, "report", started_at=now - timedelta(hours=2))  # late, but done
    assert _row(a, trainer, learner).status == Status.COMPLETED


def test_it_asks_for_the_watch_again_in_each_round() -> None:
    trainer, learner = UserFactory.create(trainer=True), UserFactory.create()
    scenario = ScenarioFactory.create()
    start = timezone.now() - timedelta(days=10)  # round 1 began 3 days ago
    a = assignment_for(
        trainer,
        scenarios=[scenario],
        watch_themes=["report"],
        teams=[team_with(trainer, [learner])],
        starts_at=start,
        due_at=start + timedelta(days=5),
        recurrence=Recurrence.WEEKLY,
    )
    play(learner, scenario, feedback_at=start + timedelta(days=1))
    watched(learner, "report", started_at=start + timedelta(days=2))  # round 0
    play(learner, scenario, feedback_at=timezone.now())
    row = _row(a, trainer, learner)
    assert (row.status, row.progress.steps_done) == (Status.IN_PROGRESS, 0)  # round 1 needs its own watch
    series = selectors.completion_over_time(assignment=a, viewer=trainer)
    assert [point["rate"] for point in series[0]["points"]] == [100, 0]  # round 0 was completed
    watched(learner, "report", started_at=timezone.now() - timedelta(hours=1))
    assert _row(a, trainer, learner).status == Status.COMPLETED


def test_it_computes_the_table_with_watch_steps_in_a_fixed_number_of_queries() -> None:
    trainer = UserFactory.create(trainer=True)
    scenarios = [ScenarioFactory.create(), ScenarioFactory.create()]

    def queries(members: int) -> int:
        learners = [UserFactory.create() for _ in range(members)]
        team = team_with(trainer, learners, name=f"team{members}")
        a = assignment_for(trainer, scenarios=scenarios, watch_themes=["report", "consult"], teams=[team])
        for learner in learners:
            watched(learner, "report")
        with CaptureQueriesContext(connection) as captured:
            rows = selectors.learner_rows(assignment=a, viewer=trainer)
        assert [row.status for row in rows] == [Status.IN_PROGRESS] * members
        return len(captured)

    assert queries(2) == queries(12)


def test_it_shows_the_watch_on_my_assignments_the_home_page_and_the_api(path: dict[str, Any]) -> None:
    learner, a = path["learner"], path["a"]
    client = Client()
    client.force_login(learner)
    page = client.get("/assignments/").content.decode()
    assert "新人の報告" in page and "/watch/?theme=report" in page
    assert "/watch/?theme=report" in client.get("/").content.decode()  # the next step asks for the watch

    home = client.get("/").content.decode()
    assert f"/scenarios/{path['first'].pk}/start/" in home  # the scenario is still to play as well

    api = APIClient()
    api.force_authenticate(learner)
    play(learner, path["first"], feedback_at=timezone.now())
    home = client.get("/").content.decode()
    assert "/watch/?theme=report" in home and f"/scenarios/{path['first'].pk}/start/" not in home  # only the watch
    steps = api.get(f"/api/v1/assignments/{a.pk}").json()["steps"]
    assert [(s["watch_theme"], s["watched"], s["done"]) for s in steps] == [("report", False, False), ("", None, False)]

    watched(learner, "report")
    body = api.get("/api/v1/assignments").json()[0]
    assert body["status"] == Status.IN_PROGRESS
    assert [(s["watched"], s["done"]) for s in body["steps"]] == [(True, True), (None, False)]
    page = client.get("/assignments/").content.decode()
    assert "見学済み" in page and "/watch/?theme=report" not in page


def test_it_reminds_a_learner_who_played_but_did_not_watch(path: dict[str, Any]) -> None:
    learner, other, a = path["learner"], path["other"], path["a"]
    now = a.due_at - timedelta(days=1)
    for who in (learner, other):
        play(who, path["first"], feedback_at=now - timedelta(hours=2))
        play(who, path["second"], feedback_at=now - timedelta(hours=2))
    watched(other, "report", started_at=now - timedelta(hours=1))
    assert run_reminders(now=now).sent == 1
    assert [message.to for message in mail.outbox] == [[learner.email]]
