"""Periodic tasks in Celery beat's database scheduler ("Periodic tasks" in the admin), for migrations.

A migration that adds a periodic task lists ``every_minutes(...)`` among its operations (or calls
``schedule_every`` with its historical ``apps``; its reversal ``unschedule``). A running beat is
told that its schedule changed.
"""

from typing import Any

from django.db import migrations
from django.utils import timezone


def every_minutes(minutes: int, *, task: str, name: str, description: str) -> migrations.RunPython:
    """The operation that schedules ``task`` every ``minutes`` (and removes it when reversed)."""

    def create(apps: Any, schema_editor: Any) -> None:
        schedule_every(apps, task=task, name=name, description=description, minutes=minutes)

    def remove(apps: Any, schema_editor: Any) -> None:
        unschedule(apps, task=task)

    return migrations.RunPython(create, remove)


def schedule_every(apps: Any, *, task: str, name: str, description: str, minutes: int) -> None:
    interval, _ = apps.get_model("django_celery_beat", "IntervalSchedule").objects.get_or_create(
        every=minutes, period="minutes"
    )
    apps.get_model("django_celery_beat", "PeriodicTask").objects.update_or_create(
        name=name, defaults={"task": task, "interval": interval, "crontab": None, "description": description}
    )
    schedule_changed(apps)


def unschedule(apps: Any, *, task: str) -> None:
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=task).delete()
    schedule_changed(apps)


def schedule_changed(apps: Any) -> None:
    """Tell a running beat to read its schedule again."""
    apps.get_model("django_celery_beat", "PeriodicTasks").objects.update_or_create(
        ident=1, defaults={"last_update": timezone.now()}
    )
