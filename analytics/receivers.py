"""What analytics does when other apps act: a session ended, an analysis was removed, history asked."""

from __future__ import annotations

import logging
from typing import Any

from django.http import Http404

from accounts.models import User
from accounts.selectors import PracticeHistoryItem
from analytics import services
from analytics.cache import bump_user_version
from analytics.models import StrengthAnalysis
from analytics.selectors import analysis_statuses
from analytics.sources import CONVERSATION_SOURCE, source_for_sender

logger = logging.getLogger(__name__)


def on_practice_ended(sender: Any, *, session_id: Any, **kwargs: Any) -> None:
    """Ask for the strength analysis of the session (enqueued once this transaction commits).

    Never lets an analytics problem break the practice that just ended.
    """
    source = source_for_sender(sender)
    if source is None:
        return
    try:
        services.analysis_request(kind=source.kind, session_id=session_id)
    except (services.NothingToAnalyseError, Http404):
        return
    except Exception:  # noqa: BLE001
        logger.exception("analysis_request_failed", extra={"session_id": str(session_id)})


def on_analysis_deleted(sender: Any, instance: StrengthAnalysis, **kwargs: Any) -> None:
    bump_user_version(instance.user_id)


def conversation_history_items(user: User) -> list[PracticeHistoryItem]:
    """The user's conversations (every mode) for ``GET /api/v1/users/me/history``, with analysis status."""
    sessions = list(CONVERSATION_SOURCE.list_for_user(user))
    statuses = analysis_statuses(
        user=user, source_kind="conversation", field_name="conversation", ids=[s.id for s in sessions]
    )
    return [
        PracticeHistoryItem(
            kind=session.mode,
            id=session.id,
            title=session.title,
            started_at=session.started_at,
            finished_at=session.ended_at,
            url=session.url,
            analysis_status=statuses.get(session.id, ""),
        )
        for session in sessions
    ]
