"""Trainers (group "trainer") edit the rubric criteria inline: give the group their permissions."""

import importlib

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

_permissions = importlib.import_module("scenarios.migrations.0002_trainer_group_permissions")
ACTIONS = ("add", "change", "delete", "view")


def grant(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _permissions._ensure_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=_permissions.TRAINER_GROUP)
    codenames = [f"{action}_rubriccriterion" for action in ACTIONS]
    group.permissions.add(*Permission.objects.filter(content_type__app_label="scenarios", codename__in=codenames))


def revoke(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=_permissions.TRAINER_GROUP).first()
    if group is not None:
        codenames = [f"{action}_rubriccriterion" for action in ACTIONS]
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="scenarios", codename__in=codenames)
        )


class Migration(migrations.Migration):
    dependencies = [("scenarios", "0009_scenario_time_limit"), ("scenarios", "0002_trainer_group_permissions")]

    operations = [migrations.RunPython(grant, revoke)]
