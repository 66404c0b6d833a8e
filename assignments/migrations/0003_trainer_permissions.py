"""Trainers (group "trainer") assign practice in the admin too: give the group the assignment permissions."""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

TRAINER_GROUP = "trainer"
CODENAMES = (
    "add_assignment",
    "change_assignment",
    "view_assignment",
    "add_assignmentstep",
    "change_assignmentstep",
    "delete_assignmentstep",
    "view_assignmentstep",
)


def _ensure_permissions(apps: Apps) -> None:
    """Permissions are normally created after all migrations; create them now."""
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("assignments")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None


def grant(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _ensure_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=TRAINER_GROUP)
    group.permissions.add(*Permission.objects.filter(content_type__app_label="assignments", codename__in=CODENAMES))


def revoke(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=TRAINER_GROUP).first()
    if group is not None:
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="assignments", codename__in=CODENAMES))


class Migration(migrations.Migration):
    dependencies = [
        ("assignments", "0002_reminder_schedule"),
        ("accounts", "0002_trainer_group"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
