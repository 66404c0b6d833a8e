"""The periodic report jobs, kept in django-celery-beat's database scheduler.

Defined here and written by a data migration (``0002_report_schedules``); trainers and admins
see and can change them in the admin under "Periodic tasks".
"""

from __future__ import annotations

from typing import Any

TIMEZONE = "Asia/Tokyo"

SCHEDULES: tuple[dict[str, Any], ...] = (
    {
        "name": "Monthly progress reports (1st of the month, 09:00 Asia/Tokyo)",
        "task": "analytics.monthly_reports",
        "crontab": {"minute": "0", "hour": "9", "day_of_week": "*", "day_of_month": "1", "month_of_year": "*"},
        "description": "Last month's report for every active user: stored, listed on My progress and e-mailed.",
    },
    {
        "name": "Weekly progress summaries (Mondays, 09:00 Asia/Tokyo)",
        "task": "analytics.weekly_reports",
        "crontab": {"minute": "0", "hour": "9", "day_of_week": "1", "day_of_month": "*", "month_of_year": "*"},
        "description": "Last week's summary (Monday to Sunday) for every active user: stored, listed and e-mailed.",
    },
)


def ensure_schedules(crontab_model: Any, task_model: Any) -> None:
    """Create the schedules (or put back their timing) with the given, possibly historical, models."""
    for spec in SCHEDULES:
        crontab, _ = crontab_model.objects.get_or_create(**spec["crontab"], timezone=TIMEZONE)
        task_model.objects.update_or_create(
            name=spec["name"],
            defaults={"task": spec["task"], "crontab": crontab, "interval": None, "description": spec["description"]},
        )


def remove_schedules(task_model: Any) -> None:
    task_model.objects.filter(name__in=[spec["name"] for spec in SCHEDULES]).delete()
