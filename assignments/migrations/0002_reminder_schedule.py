"""The periodic reminder job (see ``assignments.schedules``)."""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.utils import timezone

from assignments.schedules import ensure_schedule, remove_schedule


def create(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    ensure_schedule(
        apps.get_model("django_celery_beat", "PeriodicTask"), apps.get_model("django_celery_beat", "IntervalSchedule")
    )
    # Tell a running beat that its schedule changed.
    apps.get_model("django_celery_beat", "PeriodicTasks").objects.update_or_create(
        ident=1, defaults={"last_update": timezone.now()}
    )


def remove(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    remove_schedule(apps.get_model("django_celery_beat", "PeriodicTask"))


class Migration(migrations.Migration):
    dependencies = [
        ("assignments", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
