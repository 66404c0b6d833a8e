"""Celery tasks: the reminder e-mails of every active assignment (run by beat every 15 minutes)."""

from __future__ import annotations

from celery import shared_task

from assignments import reminders


@shared_task(name="assignments.send_reminders", soft_time_limit=10 * 60, time_limit=12 * 60, acks_late=True)
def send_reminders() -> dict[str, int]:
    """Every reminder owed now (started, due in two days, overdue), each sent at most once."""
    return reminders.run_reminders().as_dict()
