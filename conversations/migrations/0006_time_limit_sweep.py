"""Practices past their time limit end with feedback (see ``conversations.time_limits``), every minute from beat."""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from core.schedules import schedule_every, unschedule

TASK = "conversations.end_timed_out_practices"
NAME = "End practices whose time limit ran out (every minute)"
DESCRIPTION = (
    "A practice still open a minute after its time limit ran out is ended, with the judge's feedback when the "
    "learner said anything."
)


def create(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    schedule_every(apps, task=TASK, name=NAME, description=DESCRIPTION, minutes=1)


def remove(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    unschedule(apps, task=TASK)


class Migration(migrations.Migration):
    dependencies = [
        ("conversations", "0005_conversation_shared_with_trainer_at"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
