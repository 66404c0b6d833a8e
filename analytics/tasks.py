"""Celery tasks: the strength analysis of one session, its periodic re-enqueueing, and the reports.

Tasks take ids, call services and are enqueued with ``transaction.on_commit`` by the services.
With the embedded default (no ``REDIS_URL``) Celery runs them eagerly, in-process.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from analytics import reports, services
from llm import LLMError

MAX_RETRIES = 4


class RetryableAnalysisError(Exception):
    """The judge could not answer this time (timeout, rate limit, outage): try again later."""


def _attempt(task: Any, analysis_id: int) -> str:
    try:
        analysis = services.analysis_run(analysis_id=analysis_id)
    except LLMError as error:
        return _on_llm_error(task, analysis_id, error.retryable, error.user_message)
    except SoftTimeLimitExceeded:
        return _on_llm_error(task, analysis_id, True, "The analysis took too long.")
    return "done" if analysis is not None else "skipped"


def _on_llm_error(task: Any, analysis_id: int, retryable: bool, message: str) -> str:
    if retryable and task.request.retries < task.max_retries:
        services.analysis_note_retry(analysis_id=analysis_id, error=message)
        raise RetryableAnalysisError(message)
    services.analysis_fail(analysis_id=analysis_id, error=message)
    return "failed"


@shared_task(
    bind=True,
    name="analytics.analyse_session",
    autoretry_for=(RetryableAnalysisError,),
    max_retries=MAX_RETRIES,
    retry_backoff=15,
    retry_backoff_max=600,
    retry_jitter=True,
    soft_time_limit=120,
    time_limit=150,
    acks_late=True,
)
def analyse_session(self: Any, analysis_id: int) -> str:
    """The session's strength analysis, copied from its one judged feedback: "done", "failed" or "skipped".

    The judge is asked here only when the session has no feedback yet (ended without asking).
    """
    return _attempt(self, analysis_id)


@shared_task(name="analytics.requeue_stale_analyses", acks_late=True)
def requeue_stale_analyses() -> int:
    """Enqueue again analyses pending for longer than ten minutes (runs every five minutes)."""
    return services.analyses_requeue_stale()


@shared_task(name="analytics.monthly_reports", soft_time_limit=30 * 60, time_limit=35 * 60, acks_late=True)
def monthly_reports() -> dict[str, int]:
    """Last calendar month's report for every active user (runs on the 1st, 09:00 Asia/Tokyo)."""
    return reports.run_reports(kind="monthly").as_dict()


@shared_task(name="analytics.weekly_reports", soft_time_limit=30 * 60, time_limit=35 * 60, acks_late=True)
def weekly_reports() -> dict[str, int]:
    """Last week's summary (Monday to Sunday) for every active user (runs Mondays 09:00 Asia/Tokyo)."""
    return reports.run_reports(kind="weekly").as_dict()
