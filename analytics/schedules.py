"""The periodic jobs (reports, re-enqueueing lost analyses), kept in django-celery-beat's database scheduler.

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
    {
        "name": "Re-enqueue lost strength analyses (every 5 minutes)",
        "task": "analytics.requeue_stale_analyses",
        "interval": {"every": 5, "period": "minutes"},
        "description": "Analyses pending for over ten minutes (their task was lost, e.g. in a broker restart) are "
        "enqueued again.",
    },
)


def ensure_schedules(crontab_model: Any, task_model: Any, interval_model: Any = None) -> None:
    """Create the schedules (or put back their timing) with the given, possibly historical, models.

    Schedules that run at an interval are written only when ``interval_model`` is given.
    """
    for spec in SCHEDULES:
        if "interval" in spec:
            if interval_model is None:
                continue
            interval, _ = interval_model.objects.get_or_create(**spec["interval"])
            timing = {"interval": interval, "crontab": None}
        else:
            crontab, _ = crontab_model.objects.get_or_create(**spec["crontab"], timezone=TIMEZONE)
            timing = {"crontab": crontab, "interval": None}
        task_model.objects.update_or_create(
            name=spec["name"], defaults={"task": spec["task"], **timing, "description": spec["description"]}
        )


def remove_schedules(task_model: Any) -> None:
    task_model.objects.filter(name__in=[spec["name"] for spec in SCHEDULES]).delete()
