"""The periodic sweep of replies left "streaming" (see ``conversations.sweeps``), in beat's database scheduler."""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.utils import timezone

SWEEP_TASK = "conversations.interrupt_stale_replies"
SWEEP_NAME = "Interrupt replies left streaming (every 5 minutes)"
SWEEP_DESCRIPTION = (
    'Replies still "streaming" REPLY_STALE_MINUTES (10) minutes after they began (their process died, or the '
    "database refused their final writes) are kept as interrupted, with their text."
)


def create(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    interval, _ = apps.get_model("django_celery_beat", "IntervalSchedule").objects.get_or_create(
        every=5, period="minutes"
    )
    apps.get_model("django_celery_beat", "PeriodicTask").objects.update_or_create(
        name=SWEEP_NAME,
        defaults={"task": SWEEP_TASK, "interval": interval, "crontab": None, "description": SWEEP_DESCRIPTION},
    )
    # Tell a running beat that its schedule changed.
    apps.get_model("django_celery_beat", "PeriodicTasks").objects.update_or_create(
        ident=1, defaults={"last_update": timezone.now()}
    )


def remove(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=SWEEP_TASK).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("conversations", "0002_message_content_trigram"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
