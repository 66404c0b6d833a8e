"""Teams are set up in the admin by superusers; trainers see the teams they train; learners' records stay private."""

from typing import Any

import pytest
from django.test import Client
from django_celery_beat.models import PeriodicTask

from accounts.tests.factories import UserFactory
from analytics.models import Team
from analytics.tests.factories import StrengthAnalysisFactory, TeamFactory
from scenarios.models import ScenarioConsent
from scenarios.tests.factories import ScenarioFactory

pytestmark = pytest.mark.django_db

TEAMS = "/admin/analytics/team/"
CONSENTS = "/admin/scenarios/scenarioconsent/"


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_trainer_cannot_create_a_team_whose_only_member_is_a_learner_of_their_choice() -> None:
    trainer, learner = UserFactory(trainer=True), UserFactory()

    response = _client(trainer).post(f"{TEAMS}add/", {"name": "一人班", "members": [learner.pk], "trainers": []})

    assert response.status_code == 403
    assert not Team.objects.exists()


def test_a_trainer_sees_a_team_they_train_but_cannot_change_its_members() -> None:
    trainer, learner, outsider = UserFactory(trainer=True), UserFactory(), UserFactory()
    team = TeamFactory(name="営業一課", members=[learner], trainers=[trainer])
    client = _client(trainer)

    page = client.get(f"{TEAMS}{team.pk}/change/")
    response = client.post(
        f"{TEAMS}{team.pk}/change/", {"name": "営業一課", "members": [outsider.pk], "trainers": [trainer.pk]}
    )

    assert page.status_code == 200 and 'name="members"' not in page.content.decode()
    assert response.status_code == 403
    assert list(team.members.all()) == [learner]


def test_a_superuser_sets_up_a_team_with_its_members_and_trainers() -> None:
    trainer, learners = UserFactory(trainer=True), UserFactory.create_batch(3)
    superuser = UserFactory(is_superuser=True, is_staff=True)

    response = _client(superuser).post(
        f"{TEAMS}add/", {"name": "営業一課", "members": [u.pk for u in learners], "trainers": [trainer.pk]}
    )

    assert response.status_code == 302
    team = Team.objects.get(name="営業一課")
    assert set(team.members.all()) == set(learners) and list(team.trainers.all()) == [trainer]


def test_the_team_form_offers_only_trainers_and_superusers_as_trainers() -> None:
    trainer, learner = UserFactory(trainer=True, username="kyoukan"), UserFactory(username="shinjin")
    superuser = UserFactory(is_superuser=True, is_staff=True, username="kanri")

    form = _client(superuser).get(f"{TEAMS}add/").context["adminform"].form

    offered = set(form.fields["trainers"].queryset)
    assert offered == {trainer, superuser}
    assert learner in set(form.fields["members"].queryset)


def test_a_trainer_sees_only_the_consent_records_of_learners_they_train() -> None:
    trainer, trained, stranger = UserFactory(trainer=True), UserFactory(), UserFactory()
    TeamFactory(members=[trained], trainers=[trainer])
    TeamFactory(members=[stranger])
    scenario = ScenarioFactory(title="ハラスメントの相談を受ける", sensitive=True)
    mine = ScenarioConsent.objects.create(user=trained, scenario=scenario)
    theirs = ScenarioConsent.objects.create(user=stranger, scenario=scenario)
    client = _client(trainer)

    listing = client.get(CONSENTS).context["cl"].result_list

    assert list(listing) == [mine]
    assert client.get(f"{CONSENTS}{theirs.pk}/change/").status_code == 302  # "does not exist" redirect
    superuser = _client(UserFactory(is_superuser=True, is_staff=True))
    assert set(superuser.get(CONSENTS).context["cl"].result_list) == {mine, theirs}


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
