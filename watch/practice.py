"""Stepped-in watch sessions as practice sessions, for the apps that analyse them.

``practice_fields`` and ``journal_rows`` describe sessions in plain data; analytics (a higher
layer) registers its "watch" source from them; ``practice_feedback`` gives it the session's one
judged feedback to copy. The transcript is the one feedback scores: the
learner's lines after step-in as ``user``, the other persona's as ``assistant``.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from django.core.exceptions import ValidationError
from django.urls import reverse

from watch import selectors
from watch.feedback import feedback_ensure
from watch.models import WatchSession

SOURCE_KIND = "watch"
SOURCE_FIELD = "watch_session"


def practice_fields(session_id: str) -> dict[str, Any] | None:
    """What analytics needs of one session, or None for an unknown id."""
    try:
        session = WatchSession.objects.select_related("user").get(pk=session_id)
    except (WatchSession.DoesNotExist, ValidationError, ValueError):
        return None
    transcript, _ = selectors.feedback_transcript(session=session)
    return {
        "user": session.user,
        "transcript": transcript if session.seat is not None else [],
        "started_at": session.started_at,
        "ended_at": session.ended_at,
        "title": session.title,
        "url": reverse("watch:detail", kwargs={"session_id": session.id}),
        "mode": "watch",
        "scenario_id": session.scenario_id,
        "language": session.language,
    }


def practice_feedback(session_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(report, call details) of the session's feedback: stored, or asked of the judge now and stored."""
    session = async_to_sync(feedback_ensure)(WatchSession.objects.get(pk=session_id))
    return session.feedback or {}, (session.metadata or {}).get("feedback_call") or {}


def journal_rows(user: Any) -> list[dict[str, Any]]:
    """The user's stepped-in sessions, newest first."""
    rows = WatchSession.objects.filter(user=user, seat__isnull=False).order_by("-started_at")
    return [
        {
            "kind": SOURCE_KIND,
            "id": str(row.id),
            "title": row.title,
            "mode": "watch",
            "started_at": row.started_at,
            "ended_at": row.ended_at,
            "url": reverse("watch:detail", kwargs={"session_id": row.id}),
        }
        for row in rows
    ]
