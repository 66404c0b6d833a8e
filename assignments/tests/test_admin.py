"""The admin: a trainer assigns practice there with the same checks as on the trainer page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from assignments.models import Assignment
from assignments.tests.factories import ScenarioFactory, UserFactory, assignment_for, team_with

pytestmark = pytest.mark.django_db
ADD = "/admin/assignments/assignment/add/"


def _data(team: Any, scenario: Any, **changes: Any) -> dict[str, Any]:
    now = timezone.localtime()
    data = {
        "title": "新人研修",
        "note": "",
        "teams": [str(team.pk)],
        "starts_at_0": now.strftime("%Y-%m-%d"),
        "starts_at_1": now.strftime("%H:%M:%S"),
        "due_at_0": (now + timedelta(days=7)).strftime("%Y-%m-%d"),
        "due_at_1": now.strftime("%H:%M:%S"),
        "requirement": "attempts",
        "required_attempts": "1",
        "recurrence": "none",
        "state": "active",
        "steps-TOTAL_FORMS": "1",
        "steps-INITIAL_FORMS": "0",
        "steps-MIN_NUM_FORMS": "1",
        "steps-MAX_NUM_FORMS": "1000",
        "steps-0-order": "0",
        "steps-0-scenario": str(scenario.pk),
        "steps-0-watch_theme": "",
    }
    data.update(changes)
    return data


def test_it_lets_a_trainer_assign_in_the_admin_and_see_only_their_own() -> None:
    trainer, other = UserFactory.create(trainer=True), UserFactory.create(trainer=True)
    team, scenario = team_with(trainer, [UserFactory.create()]), ScenarioFactory.create()
    theirs = assignment_for(other, learners=[])
    client = Client()
    client.force_login(trainer)
    response = client.post(ADD, _data(team, scenario))
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    created = Assignment.objects.get(title="新人研修")
    assert created.created_by == trainer and list(created.steps.values_list("scenario_id", flat=True)) == [scenario.pk]
    listing = client.get("/admin/assignments/assignment/").content.decode()
    assert "新人研修" in listing and theirs.title not in listing
    assert client.get(f"/admin/assignments/assignment/{theirs.pk}/change/").status_code == 302  # not theirs


def test_it_shows_a_due_date_before_the_start_next_to_the_field_in_the_admin() -> None:
    trainer = UserFactory.create(trainer=True)
    team, scenario = team_with(trainer, [UserFactory.create()]), ScenarioFactory.create()
    client = Client()
    client.force_login(trainer)
    response = client.post(ADD, _data(team, scenario, due_at_0="2020-01-01"))
    assert response.status_code == 200
    assert "due_at" in response.context["adminform"].form.errors
    assert not Assignment.objects.exists()
