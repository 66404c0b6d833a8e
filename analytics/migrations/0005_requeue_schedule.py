"""The periodic re-enqueueing of lost strength analyses (see ``analytics.schedules``)."""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.utils import timezone

from analytics.schedules import ensure_schedules

REQUEUE_TASK = "analytics.requeue_stale_analyses"


def create(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    ensure_schedules(
        apps.get_model("django_celery_beat", "CrontabSchedule"),
        apps.get_model("django_celery_beat", "PeriodicTask"),
        apps.get_model("django_celery_beat", "IntervalSchedule"),
    )
    # Tell a running beat that its schedule changed.
    apps.get_model("django_celery_beat", "PeriodicTasks").objects.update_or_create(
        ident=1, defaults={"last_update": timezone.now()}
    )


def remove(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=REQUEUE_TASK).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0004_strength_analysis_watch_session"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
