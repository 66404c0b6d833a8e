"""Stepped-in watch sessions as practice sessions for progress analytics.

``register_analytics_source`` adds a "watch" session source to ``analytics.sources`` (when the
analytics app is installed and its ``StrengthAnalysis`` has the ``watch_session`` foreign key
the source needs). The transcript given to analytics is the one feedback scores: the learner's
lines after step-in as ``user``, the other persona's as ``assistant``.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.urls import reverse

from watch import selectors
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


def analytics_ready() -> bool:
    if not apps.is_installed("analytics"):
        return False
    try:
        apps.get_model("analytics", "StrengthAnalysis")._meta.get_field(SOURCE_FIELD)
    except (LookupError, FieldDoesNotExist):
        return False
    return True


def register_analytics_source() -> bool:
    """Register the "watch" source; False when analytics cannot take it yet."""
    if not analytics_ready():
        return False
    from analytics import sources

    def load(session_id: str) -> Any:
        fields = practice_fields(session_id)
        return sources.PracticeSession(**fields) if fields is not None else None

    def list_for_user(user: Any) -> list[Any]:
        return [sources.SessionSummary(**row) for row in journal_rows(user)]

    source = sources.SessionSource(
        kind=SOURCE_KIND, field=SOURCE_FIELD, sender=WatchSession, load=load, list_for_user=list_for_user
    )
    sources.register_source(source)
    return True
