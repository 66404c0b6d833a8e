from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from accounts.models import TRAINER_GROUP, User
from accounts.services import DEMO_USERS
from accounts.signals import demo_data_requested

pytestmark = pytest.mark.django_db


def _run() -> str:
    out = StringIO()
    call_command("demo_data", stdout=out)
    return out.getvalue()


def test_the_trainer_group_exists_after_migrating():
    assert Group.objects.filter(name=TRAINER_GROUP).exists()


def test_it_creates_a_learner_a_trainer_and_an_admin_and_prints_how_to_log_in():
    output = _run()

    for spec in DEMO_USERS:
        assert spec.username in output and spec.password in output
        assert User.objects.get(username=spec.username).check_password(spec.password)
    learner, trainer, admin = (User.objects.get(username=spec.username) for spec in DEMO_USERS)
    assert not learner.is_staff and not learner.is_trainer
    assert trainer.is_staff and trainer.groups.filter(name=TRAINER_GROUP).exists() and not trainer.is_superuser
    assert admin.is_superuser and admin.is_staff


def test_it_can_run_again_without_duplicating_anything():
    _run()
    _run()

    assert User.objects.filter(username__in=[spec.username for spec in DEMO_USERS]).count() == len(DEMO_USERS)
    assert Group.objects.filter(name=TRAINER_GROUP).count() == 1


def test_it_asks_the_other_apps_for_their_demo_data():
    received = {}

    def receiver(sender, users, stdout, **kwargs):
        received.update(users)
        stdout.write("more demo data added")

    demo_data_requested.connect(receiver, dispatch_uid="test-demo-data")
    try:
        output = _run()
    finally:
        demo_data_requested.disconnect(dispatch_uid="test-demo-data")

    assert {role: user.username for role, user in received.items()} == {spec.role: spec.username for spec in DEMO_USERS}
    assert "more demo data added" in output
