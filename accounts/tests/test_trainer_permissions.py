"""Apps' migrations give the trainer group their permissions, and take them back when undone."""

import pytest
from django.contrib.auth.models import Group

from accounts.models import TRAINER_GROUP
from testing.migrations import migrate_to, migrate_to_latest

pytestmark = pytest.mark.django_db(transaction=True)


def _team_permissions() -> set[str]:
    group = Group.objects.filter(name=TRAINER_GROUP).first()
    if group is None:
        return set()
    return set(group.permissions.filter(content_type__app_label="analytics").values_list("codename", flat=True))


def test_the_trainer_group_gets_the_team_permissions_and_loses_them_when_the_migration_is_undone() -> None:
    try:
        migrate_to(("analytics", "0002_report_schedules"))
        assert _team_permissions() == set()
        migrate_to(("analytics", "0003_trainer_team_permissions"))
        assert _team_permissions() == {"add_team", "change_team", "delete_team", "view_team"}
    finally:
        migrate_to_latest()
