"""Teams are set up in the admin by trainers and superusers; learners' records stay private."""

from typing import Any

import pytest
from django.test import Client
from django_celery_beat.models import PeriodicTask

from accounts.tests.factories import UserFactory
from analytics.models import Team
from analytics.tests.factories import StrengthAnalysisFactory, TeamFactory

pytestmark = pytest.mark.django_db

TEAMS = "/admin/analytics/team/"


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_trainer_creates_a_team_and_stays_its_trainer() -> None:
    trainer, learner = UserFactory(trainer=True), UserFactory()

    response = _client(trainer).post(f"{TEAMS}add/", {"name": "営業一課", "members": [learner.pk], "trainers": []})

    assert response.status_code == 302
    team = Team.objects.get(name="営業一課")
    assert list(team.members.all()) == [learner] and list(team.trainers.all()) == [trainer]


def test_a_trainer_lists_only_the_teams_they_train_and_a_superuser_all() -> None:
    trainer = UserFactory(trainer=True)
    TeamFactory(name="営業一課", trainers=[trainer])
    TeamFactory(name="経理課")

    mine = _client(trainer).get(TEAMS).content.decode()
    everything = _client(UserFactory(is_superuser=True, is_staff=True)).get(TEAMS).content.decode()

    assert "営業一課" in mine and "経理課" not in mine
    assert "営業一課" in everything and "経理課" in everything


def test_staff_who_are_not_trainers_cannot_manage_teams() -> None:
    staff = UserFactory(is_staff=True)

    assert _client(staff).get(TEAMS).status_code == 403
    assert _client(UserFactory()).get(TEAMS).status_code == 302  # to the admin log-in


def test_trainers_cannot_open_learners_analyses_in_the_admin() -> None:
    analysis = StrengthAnalysisFactory()
    trainer = _client(UserFactory(trainer=True))
    superuser = _client(UserFactory(is_superuser=True, is_staff=True))

    assert trainer.get("/admin/analytics/strengthanalysis/").status_code == 403
    assert superuser.get(f"/admin/analytics/strengthanalysis/{analysis.pk}/change/").status_code == 200


def test_the_report_schedules_can_be_edited_in_the_admin() -> None:
    task = PeriodicTask.objects.get(task="analytics.monthly_reports")

    response = _client(UserFactory(is_superuser=True, is_staff=True)).get(
        f"/admin/django_celery_beat/periodictask/{task.pk}/change/"
    )

    assert response.status_code == 200 and "analytics.monthly_reports" in response.content.decode()
