"""Giving the trainer group an app's permissions from that app's migration (and taking them back).

Permissions are normally created after every migration has run; a migration that grants them
creates them first. Used by the migrations of scenarios, analytics and assignments::

    operations = [grant_to_trainers("analytics", ["add_team", "change_team"])]
"""

from collections.abc import Iterable

from django.apps.registry import Apps
from django.contrib.auth.management import create_permissions
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from accounts.models import TRAINER_GROUP


def grant_to_trainers(app_label: str, codenames: Iterable[str]) -> migrations.RunPython:
    """A migration operation: the trainer group gets ``codenames`` of ``app_label`` (reversible)."""
    names = tuple(codenames)

    def permissions(apps: Apps) -> object:
        return apps.get_model("auth", "Permission").objects.filter(
            content_type__app_label=app_label, codename__in=names
        )

    def grant(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        app_config = apps.get_app_config(app_label)
        app_config.models_module = True  # type: ignore[assignment]
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
        group, _ = apps.get_model("auth", "Group").objects.get_or_create(name=TRAINER_GROUP)
        group.permissions.add(*permissions(apps))  # type: ignore[misc]

    def revoke(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        group = apps.get_model("auth", "Group").objects.filter(name=TRAINER_GROUP).first()
        if group is not None:
            group.permissions.remove(*permissions(apps))  # type: ignore[misc]

    return migrations.RunPython(grant, revoke)
