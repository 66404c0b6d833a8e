"""Writes: requesting, running and storing strength analyses.

An analysis is copied from the session's feedback (the judge's one answer for the session); the
judge is asked only when the session has none yet, and its answer is then stored as the session's
feedback too (``SessionSource.feedback``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from asgiref.sync import async_to_sync
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from pydantic import ValidationError

from accounts.models import User
from analytics.cache import bump_user_version
from analytics.judging import judge_session, stored_scores, stored_strengths
from analytics.models import AnalysisStatus, StrengthAnalysis
from analytics.selectors import STALE_PENDING, is_stale
from analytics.sources import PracticeSession, SessionSource, StoredFeedback, get_source, session_lookup
from conversations.feedback import FeedbackReport
from scenarios.models import Scenario

logger = logging.getLogger(__name__)

# Practice time counted for one session at most (a chat left open overnight is not 12 hours of practice).
MAX_SESSION_SECONDS = 2 * 60 * 60


class NothingToAnalyseError(Exception):
    """The session has not ended, or the learner said nothing in it."""


def _source(kind: str) -> SessionSource:
    source = get_source(kind)
    if source is None:
        raise Http404("No such session kind.")
    return source


def _snapshot(session: PracticeSession) -> dict[str, object]:
    ended = session.ended_at or session.started_at
    seconds = max(0, int((ended - session.started_at).total_seconds()))
    scenario_id = session.scenario_id
    if scenario_id is not None and not Scenario.objects.filter(pk=scenario_id).exists():
        scenario_id = None
    return {
        "user": session.user,
        "mode": session.mode,
        "session_title": session.title[:200],
        "session_url": session.url[:300],
        "session_started_at": session.started_at,
        "session_ended_at": session.ended_at,
        "duration_seconds": min(seconds, MAX_SESSION_SECONDS),
        "scenario_id": scenario_id,
    }


_analysis_task: list[Any] = []


def register_analysis_task(task: Any) -> None:
    """The Celery task that analyses a session (``AnalyticsConfig.ready``: the task module imports
    this one, so the task is handed over instead of imported)."""
    _analysis_task[:] = [task]


def _enqueue(analysis_id: int) -> None:
    try:
        _analysis_task[0].delay(analysis_id)
    except Exception:  # noqa: BLE001  # a broker outage leaves the analysis pending; it can be asked for again
        logger.exception("analysis_enqueue_failed", extra={"analysis_id": analysis_id})


def _analysable(source: SessionSource, session_id: object) -> PracticeSession:
    session = source.load(str(session_id))
    if session is None:
        raise Http404("No such session.")
    if session.ended_at is None or not session.learner_lines:
        raise NothingToAnalyseError
    return session


def _may_ask_again(analysis: StrengthAnalysis) -> bool:
    if analysis.status == AnalysisStatus.FAILED:
        return True
    return analysis.status == AnalysisStatus.PENDING and is_stale(analysis)


def analysis_request(*, kind: str, session_id: object, again: bool = False) -> StrengthAnalysis:
    """The session's analysis, created pending and enqueued (on commit) when there is none yet.

    With ``again`` a failed (or long-stuck) analysis is asked for once more. A done analysis is
    never redone. Raises ``NothingToAnalyseError`` and ``Http404`` (unknown kind or session).
    """
    source = _source(kind)
    session = _analysable(source, session_id)
    with transaction.atomic():
        analysis, created = StrengthAnalysis.objects.select_for_update().get_or_create(
            **session_lookup(source, session_id), defaults={**_snapshot(session), "source": source.kind}
        )
        if not created and not (again and _may_ask_again(analysis)):
            return analysis
        if not created:
            analysis.status, analysis.error = AnalysisStatus.PENDING, ""
            analysis.save(update_fields=["status", "error", "updated_at"])
        transaction.on_commit(partial(_enqueue, analysis.pk))
        transaction.on_commit(partial(bump_user_version, analysis.user_id))
    return analysis


def analysis_retry(*, user: User, kind: str, session_id: object) -> StrengthAnalysis:
    """The learner asks again for the analysis of one of their own sessions (404 for anyone else's)."""
    source = _source(kind)
    session = source.load(str(session_id))
    if session is None or session.user.pk != user.pk:
        raise Http404("No such session.")
    return analysis_request(kind=kind, session_id=session_id, again=True)


def analysis_start_attempt(
    *, analysis_id: int
) -> tuple[StrengthAnalysis, PracticeSession, Callable[[], StoredFeedback]] | None:
    """Count an attempt and load the session; ``None`` when there is nothing (left) to do.

    The third item gives the session's feedback (stored, or asked of the judge once).
    """
    analysis = StrengthAnalysis.objects.filter(pk=analysis_id).first()
    if analysis is None or analysis.status == AnalysisStatus.DONE:
        return None
    analysis.attempts += 1
    analysis.save(update_fields=["attempts", "updated_at"])
    source = get_source(analysis.source)
    session_id = str(getattr(analysis, f"{source.field}_id")) if source else ""
    session = source.load(session_id) if source else None
    if source is None or session is None or not session.learner_lines:
        analysis_fail(analysis=analysis, error="The session has no lines of the learner to analyse.")
        return None
    if source.feedback is not None:
        return analysis, session, partial(source.feedback, session_id)
    return analysis, session, partial(async_to_sync(judge_session), session)


def analysis_run(*, analysis_id: int) -> StrengthAnalysis | None:
    """Copy the session's feedback (asking the judge only when there is none) into the analysis.

    ``LLMError`` reaches the caller (the task).
    """
    started = analysis_start_attempt(analysis_id=analysis_id)
    if started is None:
        return None
    analysis, session, feedback = started
    content, metadata = feedback()
    try:
        report = FeedbackReport.model_validate(content)
    except ValidationError:
        analysis_fail(analysis=analysis, error="The session's feedback could not be read.")
        return None
    return analysis_store(analysis=analysis, report=report, metadata=metadata, learner_lines=session.learner_lines)


def analysis_store(
    *, analysis: StrengthAnalysis, report: FeedbackReport, metadata: dict[str, Any], learner_lines: list[str]
) -> StrengthAnalysis:
    """Store a validated report: scores with the learner's own quotes as evidence."""
    analysis.scores = stored_scores(report, learner_lines)
    analysis.top_strengths = stored_strengths(report, learner_lines)
    analysis.feedback = report.summary
    analysis.metadata = metadata
    analysis.status, analysis.error = AnalysisStatus.DONE, ""
    analysis.analyzed_at = timezone.now()
    analysis.save()
    bump_user_version(analysis.user_id)
    return analysis


def analysis_note_retry(*, analysis_id: int, error: str) -> None:
    """A retryable failure: the analysis stays pending with the reason, until the next attempt."""
    StrengthAnalysis.objects.filter(pk=analysis_id).exclude(status=AnalysisStatus.DONE).update(
        status=AnalysisStatus.PENDING, error=error[:500], updated_at=timezone.now()
    )


def analysis_fail(*, analysis: StrengthAnalysis | None = None, analysis_id: int | None = None, error: str) -> None:
    """Mark failed (never with made-up scores): the page shows it with a Retry button."""
    target = analysis or (StrengthAnalysis.objects.filter(pk=analysis_id).first() if analysis_id else None)
    if target is None or target.status == AnalysisStatus.DONE:
        return
    target.status, target.error = AnalysisStatus.FAILED, error[:500]
    target.save(update_fields=["status", "error", "updated_at"])
    bump_user_version(target.user_id)


def analyses_requeue_stale(*, limit: int = 500) -> int:
    """Enqueue again the analyses left pending too long: their task was lost (a broker restart
    drops its queue, or the broker was down when the session ended). Returns how many."""
    cutoff = timezone.now() - STALE_PENDING
    with transaction.atomic():
        ids = list(
            StrengthAnalysis.objects.select_for_update(skip_locked=True)
            .filter(status=AnalysisStatus.PENDING, updated_at__lt=cutoff)
            .order_by("updated_at")
            .values_list("id", flat=True)[:limit]
        )
        StrengthAnalysis.objects.filter(id__in=ids).update(updated_at=timezone.now())
        for analysis_id in ids:
            transaction.on_commit(partial(_enqueue, analysis_id))
    if ids:
        logger.warning("analyses_requeued", extra={"count": len(ids)})
    return len(ids)
