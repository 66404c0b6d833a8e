"""The periodic sweep of replies left "streaming" (see ``conversations.sweeps``), in beat's database scheduler."""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from core.schedules import schedule_every, unschedule

SWEEP_TASK = "conversations.interrupt_stale_replies"
SWEEP_NAME = "Interrupt replies left streaming (every 5 minutes)"
SWEEP_DESCRIPTION = (
    'Replies still "streaming" REPLY_STALE_MINUTES (10) minutes after they began (their process died, or the '
    "database refused their final writes) are kept as interrupted, with their text."
)


def create(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    schedule_every(apps, task=SWEEP_TASK, name=SWEEP_NAME, description=SWEEP_DESCRIPTION, minutes=5)


def remove(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    unschedule(apps, task=SWEEP_TASK)


class Migration(migrations.Migration):
    dependencies = [
        ("conversations", "0002_message_content_trigram"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
