"""Reads of watch mode: who may see a session, its turns as payloads, prompts' histories, transcripts."""

from __future__ import annotations

import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from accounts.models import User
from conversations import turns
from conversations.models import Status
from conversations.turns import turn_payload
from scenarios.models import Scenario
from scenarios.selectors import scenario_has_consent
from watch import conf
from watch.bus import get_bus
from watch.models import ENDED_STATES, Author, State, WatchMessage, WatchSession


@dataclass(frozen=True)
class Access:
    session: WatchSession
    owner: bool


def watch_get(*, user: Any, session_id: UUID | str, share_token: str | None = None) -> Access:
    """The session for its owner, or for a signed-in user holding its enabled share link; else 404."""
    if user is None or not user.is_authenticated:
        raise Http404("No such session.")
    try:
        session = WatchSession.objects.select_related("user").get(pk=session_id)
    except (WatchSession.DoesNotExist, ValidationError, ValueError) as error:
        raise Http404("No such session.") from error
    if session.user_id == user.pk:
        return Access(session, owner=True)
    if share_token and session.share_enabled and session.share_token:
        if secrets.compare_digest(str(share_token), session.share_token):
            return Access(session, owner=False)
    raise Http404("No such session.")


def watch_get_owned(*, user: Any, session_id: UUID | str) -> WatchSession:
    access = watch_get(user=user, session_id=session_id)
    return access.session


def watch_sessions_for_user(*, user: User) -> QuerySet[WatchSession]:
    return WatchSession.objects.filter(user=user).order_by("-started_at")


@dataclass(frozen=True)
class Viewing:
    """One session of a theme as far as "has it been watched" goes."""

    user_id: Any
    theme: str
    started_at: datetime
    watched_at: datetime | None  # when it ended, if it counts as watched


def viewings(
    *, user_ids: Collection[Any], themes: Collection[str], since: datetime, until: datetime | None = None
) -> list[Viewing]:
    """Every session of ``themes`` the users began at or after ``since`` (and before ``until``), in
    one query. A session counts as watched once it ended: finished (it reached its turn or time
    limit, or the learner who stepped in asked for feedback), or stopped after at least
    ``WATCH_WATCHED_MIN_LINES`` spoken lines (lines that failed or stayed empty do not count)."""
    if not user_ids or not themes:
        return []
    sessions = WatchSession.objects.filter(user_id__in=list(user_ids), theme__in=list(themes), started_at__gte=since)
    if until is not None:
        sessions = sessions.filter(started_at__lt=until)
    spoken_lines = Count("messages", filter=~Q(messages__status=Status.FAILED) & ~Q(messages__content=""))
    rows = (
        sessions.annotate(lines=spoken_lines)
        .values_list("user_id", "theme", "started_at", "state", "ended_at", "lines")
        .order_by()
    )
    least = max(1, int(conf.get("WATCH_WATCHED_MIN_LINES")))
    return [
        Viewing(user_id, theme, started_at, ended_at if _watched(state, ended_at, lines, least, until) else None)
        for user_id, theme, started_at, state, ended_at, lines in rows
    ]


def _watched(state: str, ended_at: datetime | None, lines: int, least: int, until: datetime | None) -> bool:
    if ended_at is None or state not in ENDED_STATES or (until is not None and ended_at >= until):
        return False
    return state == State.FINISHED or lines >= least


def running_count(*, user: User) -> int:
    return WatchSession.objects.filter(user=user, state__in=[State.RUNNING, State.PAUSED, State.STEPPED_IN]).count()


def watch_messages(*, session: WatchSession) -> QuerySet[WatchMessage]:
    return session.messages.order_by("seq")


def runner_active(session_id: UUID | str) -> bool:
    return get_bus().lease_held(str(session_id))


def message_payload(message: WatchMessage, session: WatchSession, *, stale: bool = False) -> dict[str, Any]:
    """A turn as every client sees it; a "streaming" row no runner is writing shows as interrupted."""
    status = Status.INTERRUPTED if stale and message.status == Status.STREAMING else message.status
    return {
        **turn_payload(message, status=status),
        "session_id": str(message.session_id),
        "seq": message.seq,
        "persona": message.persona,
        "author": message.author,
        "speaker": session.persona_label(message.persona),
        "model": (message.metadata or {}).get("model", ""),
    }


def message_payloads(*, session: WatchSession) -> list[dict[str, Any]]:
    rows = list(watch_messages(session=session))
    stale = any(row.status == Status.STREAMING for row in rows) and not runner_active(session.id)
    return [message_payload(row, session, stale=stale) for row in rows]


def session_payload(session: WatchSession) -> dict[str, Any]:
    """What everyone watching may know of the session (never the share token or the feedback)."""
    meta = session.metadata or {}
    return {
        "id": str(session.id),
        "title": session.title,
        "theme": session.theme,
        "state": session.state,
        "pace": session.pace,
        "seat": session.seat,
        "share_enabled": session.share_enabled,
        "ended": session.is_ended,
        "language": session.language,
        "personas": session.persona_summaries(),
        "commentary": session.commentary,
        "commentary_error": meta.get("commentary_error", ""),
        "notice": meta.get("notice", ""),
        "started_at": session.started_at.isoformat(),
        "ended_at": session.ended_at.isoformat() if session.ended_at else None,
    }


def live_snapshot(*, session_id: str) -> dict[str, Any]:
    """The stored state a relay starts from (events published since are applied on top)."""
    session = WatchSession.objects.get(pk=session_id)
    return {"session": session_payload(session), "messages": message_payloads(session=session)}


# --- what the models are given -------------------------------------------------------------------


def spoken(*, session: WatchSession) -> list[WatchMessage]:
    """Turns with text that were not failures, in order."""
    return list(turns.spoken(watch_messages(session=session)))


def history_for(*, session: WatchSession, seat: int) -> list[dict[str, str]]:
    """The conversation from ``seat``'s side: its own lines are ``assistant``, the other's ``user``."""
    rows = spoken(session=session)
    return turns.prompt_history(rows, role_of=lambda row: "assistant" if row.persona == seat else "user")


def last_turn(*, session: WatchSession) -> WatchMessage | None:
    return watch_messages(session=session).exclude(status=Status.FAILED).exclude(content="").last()


def next_seat(*, session: WatchSession) -> int:
    last = last_turn(session=session)
    return 0 if last is None else 1 - last.persona


def ai_turns(*, session: WatchSession) -> int:
    return session.messages.filter(author=Author.AI).exclude(status=Status.FAILED).count()


def reply_pending(*, session: WatchSession) -> bool:
    """After step-in: the learner spoke last and the other persona has not answered yet."""
    last = watch_messages(session=session).last()
    return last is not None and last.author == Author.LEARNER


def busy(*, session: WatchSession) -> bool:
    """A reply is on its way (the learner waits for it before saying more)."""
    if session.messages.filter(status=Status.STREAMING).exists() and runner_active(session.id):
        return True
    return reply_pending(session=session)


def next_action(*, session: WatchSession) -> str | None:
    """What the runner has to do for the session now: "turn", "reply", "finalize" or nothing."""
    if session.state == State.RUNNING:
        return "turn"
    if session.state == State.STEPPED_IN:
        return "reply" if reply_pending(session=session) else None
    if session.is_ended and not (session.metadata or {}).get("finalized"):
        return "finalize"
    return None


def transcript_lines(*, session: WatchSession) -> list[dict[str, Any]]:
    """Every turn for the transcript file and the judge (failed turns and empty rows left out)."""
    return [
        {
            "seq": row.seq,
            "persona": row.persona,
            "speaker": session.persona_label(row.persona),
            "author": row.author,
            "content": row.content,
            "status": Status.INTERRUPTED if row.status == Status.STREAMING else row.status,
            "created_at": row.created_at.isoformat(),
        }
        for row in watch_messages(session=session).exclude(status=Status.FAILED).exclude(content="")
    ]


def feedback_transcript(*, session: WatchSession) -> tuple[list[dict[str, str]], list[dict[str, Any]]]:
    """(scored transcript, earlier lines): after step-in the learner's lines are ``user`` and the
    other persona's ``assistant``; what was said before the learner took the seat is context only."""
    after = session.stepped_in_after or 0
    scored: list[dict[str, str]] = []
    before: list[dict[str, Any]] = []
    for line in transcript_lines(session=session):
        if line["seq"] <= after:
            before.append(line)
        elif line["author"] == Author.LEARNER:
            scored.append({"role": "user", "content": line["content"]})
        elif line["persona"] != session.seat:
            scored.append({"role": "assistant", "content": line["content"]})
    return scored, before


def consent_missing(*, user: Any, session: WatchSession) -> Scenario | None:
    """The session's sensitive scenario theme when ``user`` has not consented to it (else ``None``)."""
    scenario = session.scenario if session.scenario_id else None
    if scenario is None or not scenario.sensitive or scenario_has_consent(user=user, scenario=scenario):
        return None
    return scenario
