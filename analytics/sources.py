"""Where practice sessions come from: a small registry of session *sources*.

Analytics analyses sessions of any kind without knowing how each kind is stored. A source is
registered once (in ``AnalyticsConfig.ready()``; analytics sits above every practice app, so it
may import them) under a ``kind``::

    register_source(SessionSource(
        kind="watch",                 # stored in StrengthAnalysis.source
        field="watch_session",        # the nullable StrengthAnalysis foreign key for this kind
        sender=WatchSession,          # the model class that sends ``practice_ended``
        load=load_watch_session,      # session id -> PracticeSession | None
        list_for_user=watch_sessions, # user -> the user's sessions, newest first (the journal)
    ))

``load`` returns ``PracticeSession(user, transcript, started_at, ended_at, title, url, ...)``
or ``None`` for an unknown id. Its transcript holds the learner's lines as ``role == "user"``;
a session without such lines (e.g. watched without stepping in) is not analysed.
``feedback`` (session id -> ``(report, call details)``) gives the session's stored feedback, or
asks the judge once and stores it as the session's feedback (a later "get feedback" shows it
without asking again); the analysis is copied from it. A source without ``feedback`` has its
session judged by the analysis with the same prompt, and nothing stored but the analysis.
The ``conversation`` source is registered here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from asgiref.sync import async_to_sync
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.urls import NoReverseMatch, reverse

from accounts.models import User
from conversations.judging import feedback_generate
from conversations.models import Conversation, Mode
from conversations.selectors import conversation_history
from watch import practice
from watch.models import WatchSession

Transcript = list[dict[str, str]]
# (the judge's report as stored, the details of the call that made it)
StoredFeedback = tuple[dict[str, Any], dict[str, Any]]


@dataclass(frozen=True)
class PracticeSession:
    """One session as analytics needs it."""

    user: User
    transcript: Transcript
    started_at: datetime
    ended_at: datetime | None
    title: str
    url: str
    mode: str = ""
    scenario_id: int | None = None
    language: str = "ja"

    @property
    def learner_lines(self) -> list[str]:
        return [turn["content"] for turn in self.transcript if turn.get("role") == "user" and turn.get("content")]


@dataclass(frozen=True)
class SessionSummary:
    """One row of a user's journal."""

    kind: str
    id: str
    title: str
    mode: str
    started_at: datetime
    ended_at: datetime | None
    url: str


def no_sessions(user: User) -> list[SessionSummary]:
    return []


@dataclass(frozen=True)
class SessionSource:
    kind: str
    field: str
    sender: type[Model]
    load: Callable[[str], PracticeSession | None]
    list_for_user: Callable[[User], Iterable[SessionSummary]] = no_sessions
    feedback: Callable[[str], StoredFeedback] | None = None


_sources: dict[str, SessionSource] = {}


def register_source(source: SessionSource) -> SessionSource:
    """Add (or replace) the source of ``source.kind``."""
    _sources[source.kind] = source
    return source


def unregister_source(kind: str) -> None:
    _sources.pop(kind, None)


def get_source(kind: str) -> SessionSource | None:
    return _sources.get(kind)


def source_for_sender(sender: Any) -> SessionSource | None:
    """The source whose sessions are announced by ``sender`` (the ``practice_ended`` sender)."""
    return next((source for source in _sources.values() if source.sender is sender), None)


def all_sources() -> list[SessionSource]:
    return list(_sources.values())


def session_lookup(source: SessionSource, session_id: object) -> dict[str, object]:
    """ORM filter selecting the analyses of one session, e.g. ``{"conversation_id": id}``."""
    return {"source": source.kind, f"{source.field}_id": session_id}


# --- the conversation source: chat, scenario and watch step-in conversations -----------------

# Where each mode's conversation is shown; the chat page shows any mode when the other is absent.
SESSION_URL_NAMES: dict[str, str] = {Mode.SCENARIO: "scenarios:play", Mode.CHAT: "conversations:detail"}


def conversation_url(conversation_id: object, mode: str) -> str:
    for name in (SESSION_URL_NAMES.get(mode, ""), "conversations:detail"):
        try:
            return reverse(name, kwargs={"conversation_id": conversation_id}) if name else ""
        except NoReverseMatch:
            continue
    return ""


def _scenario_id(metadata: dict[str, Any]) -> int | None:
    value = (metadata or {}).get("scenario_id")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def load_conversation(session_id: str) -> PracticeSession | None:
    try:
        conversation = Conversation.objects.select_related("user").get(pk=session_id)
    except (Conversation.DoesNotExist, ValidationError, ValueError):
        return None
    metadata = conversation.metadata or {}
    return PracticeSession(
        user=conversation.user,
        transcript=conversation_history(conversation_id=conversation.pk),
        started_at=conversation.started_at,
        ended_at=conversation.ended_at,
        title=conversation.title or str(conversation),
        url=conversation_url(conversation.pk, conversation.mode),
        mode=conversation.mode,
        scenario_id=_scenario_id(metadata),
        language="en" if metadata.get("language") == "en" else "ja",
    )


def conversations_for_journal(user: User) -> list[SessionSummary]:
    rows = (
        Conversation.objects.filter(user=user)
        .order_by("-started_at")
        .values_list("id", "title", "mode", "started_at", "ended_at")
    )
    return [
        SessionSummary(
            kind="conversation",
            id=str(pk),
            title=title,
            mode=mode,
            started_at=started_at,
            ended_at=ended_at,
            url=conversation_url(pk, mode),
        )
        for pk, title, mode, started_at, ended_at in rows
    ]


def conversation_feedback(session_id: str) -> StoredFeedback:
    """The conversation's feedback: stored, or asked of the judge now and stored (raises ``LLMError``)."""
    conversation = Conversation.objects.get(pk=session_id)
    feedback = async_to_sync(feedback_generate)(conversation)
    return feedback.content, feedback.metadata


CONVERSATION_SOURCE = SessionSource(
    kind="conversation",
    field="conversation",
    sender=Conversation,
    load=load_conversation,
    list_for_user=conversations_for_journal,
    feedback=conversation_feedback,
)


def watch_source() -> SessionSource:
    """Stepped-in watch sessions, described by the watch app."""
    def load(session_id: str) -> PracticeSession | None:
        fields = practice.practice_fields(session_id)
        return PracticeSession(**fields) if fields is not None else None

    def list_for_user(user: Any) -> list[SessionSummary]:
        return [SessionSummary(**row) for row in practice.journal_rows(user)]

    return SessionSource(
        kind=practice.SOURCE_KIND,
        field=practice.SOURCE_FIELD,
        sender=WatchSession,
        load=load,
        list_for_user=list_for_user,
        feedback=practice.practice_feedback,
    )
