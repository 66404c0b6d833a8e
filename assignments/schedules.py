"""The reminder job's schedule, kept in django-celery-beat's database scheduler.

Written by a data migration (``0002_reminder_schedule``); admins see and can change it in the
admin under "Periodic tasks".
"""

from __future__ import annotations

from typing import Any

SCHEDULE: dict[str, Any] = {
    "name": "Assignment reminders (every 15 minutes)",
    "task": "assignments.send_reminders",
    "interval": {"every": 15, "period": "minutes"},
    "description": "E-mails learners when an assignment starts, two days before it is due and once it is overdue; "
    "each reminder at most once per learner, assignment and round.",
}


def ensure_schedule(task_model: Any, interval_model: Any) -> None:
    """Create the schedule (or put back its timing) with the given, possibly historical, models."""
    interval, _ = interval_model.objects.get_or_create(**SCHEDULE["interval"])
    task_model.objects.update_or_create(
        name=SCHEDULE["name"],
        defaults={
            "task": SCHEDULE["task"],
            "interval": interval,
            "crontab": None,
            "description": SCHEDULE["description"],
        },
    )


def remove_schedule(task_model: Any) -> None:
    task_model.objects.filter(name=SCHEDULE["name"]).delete()
