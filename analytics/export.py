"""Download my data: a learner's conversations, messages, feedback, analyses and reports.

Two formats:

* ``json`` — one document: ``{"exported_at", "user", "conversations": [... each with its
  "messages" and "feedback"], "watch_sessions": [... each with its "messages"], "analyses": [...],
  "reports": [...]}``.
* ``csv`` — a zip of UTF-8 CSV files with a header row: ``conversations.csv``, ``messages.csv``,
  ``feedback.csv``, ``watch_sessions.csv``, ``watch_messages.csv``, ``analyses.csv``,
  ``reports.csv``. JSON-valued columns (metadata, feedback, scores, top strengths, figures) hold
  JSON text. A text cell that
  starts with ``= + - @`` gets a leading apostrophe so spreadsheet programs do not run it.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from accounts.models import User
from analytics.models import Report, StrengthAnalysis
from conversations.models import Conversation, Feedback, Message
from watch.models import WatchMessage, WatchSession

FORMATS = ("json", "csv")
CONVERSATION_FIELDS = ("id", "mode", "title", "started_at", "ended_at", "metadata")
MESSAGE_FIELDS = ("id", "conversation_id", "role", "content", "status", "created_at", "metadata")
FEEDBACK_FIELDS = ("conversation_id", "content", "created_at")
ANALYSIS_FIELDS = (
    "id",
    "source",
    "conversation_id",
    "mode",
    "session_title",
    "session_started_at",
    "session_ended_at",
    "duration_seconds",
    "scenario_id",
    "status",
    "attempts",
    "scores",
    "top_strengths",
    "feedback",
    "analyzed_at",
)
WATCH_SESSION_FIELDS = (
    "id",
    "theme",
    "title",
    "scenario_id",
    "language",
    "state",
    "seat",
    "feedback",
    "started_at",
    "ended_at",
)
WATCH_MESSAGE_FIELDS = ("id", "session_id", "seq", "persona", "author", "content", "status", "created_at")
REPORT_FIELDS = ("id", "kind", "period_start", "period_end", "data", "emailed_at", "created_at")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _rows(user: User) -> dict[str, list[dict[str, Any]]]:
    return {
        "conversations": list(
            Conversation.objects.filter(user=user).order_by("started_at").values(*CONVERSATION_FIELDS)
        ),
        "messages": list(
            Message.objects.filter(conversation__user=user)
            .order_by("conversation_id", "created_at")
            .values(*MESSAGE_FIELDS)
        ),
        "feedback": list(Feedback.objects.filter(conversation__user=user).values(*FEEDBACK_FIELDS)),
        "watch_sessions": list(
            WatchSession.objects.filter(user=user).order_by("started_at").values(*WATCH_SESSION_FIELDS)
        ),
        "watch_messages": list(
            WatchMessage.objects.filter(session__user=user).order_by("session_id", "seq").values(*WATCH_MESSAGE_FIELDS)
        ),
        "analyses": list(
            StrengthAnalysis.objects.filter(user=user).order_by("session_started_at").values(*ANALYSIS_FIELDS)
        ),
        "reports": list(Report.objects.filter(user=user).order_by("period_start").values(*REPORT_FIELDS)),
    }


def export_document(user: User) -> dict[str, Any]:
    rows = _rows(user)
    messages: dict[Any, list[dict[str, Any]]] = {}
    for message in rows["messages"]:
        messages.setdefault(message["conversation_id"], []).append(message)
    feedback = {item["conversation_id"]: item for item in rows["feedback"]}
    conversations = [
        {**row, "messages": messages.get(row["id"], []), "feedback": feedback.get(row["id"])}
        for row in rows["conversations"]
    ]
    watch_messages: dict[Any, list[dict[str, Any]]] = {}
    for message in rows["watch_messages"]:
        watch_messages.setdefault(message["session_id"], []).append(message)
    watch_sessions = [{**row, "messages": watch_messages.get(row["id"], [])} for row in rows["watch_sessions"]]
    return {
        "exported_at": timezone.now(),
        "user": {"username": user.username, "email": user.email, "display_name": user.display_name},
        "conversations": conversations,
        "watch_sessions": watch_sessions,
        "analyses": rows["analyses"],
        "reports": rows["reports"],
    }


def export_json(user: User) -> bytes:
    return json.dumps(export_document(user), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2).encode("utf-8")


def _cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return "" if value is None else value


def _csv(fields: Iterable[str], rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    columns = list(fields)
    writer.writerow(columns)
    writer.writerows([_cell(row[column]) for column in columns] for row in rows)
    return buffer.getvalue()


def export_csv_zip(user: User) -> bytes:
    rows = _rows(user)
    files = {
        "conversations.csv": _csv(CONVERSATION_FIELDS, rows["conversations"]),
        "messages.csv": _csv(MESSAGE_FIELDS, rows["messages"]),
        "feedback.csv": _csv(FEEDBACK_FIELDS, rows["feedback"]),
        "watch_sessions.csv": _csv(WATCH_SESSION_FIELDS, rows["watch_sessions"]),
        "watch_messages.csv": _csv(WATCH_MESSAGE_FIELDS, rows["watch_messages"]),
        "analyses.csv": _csv(ANALYSIS_FIELDS, rows["analyses"]),
        "reports.csv": _csv(REPORT_FIELDS, rows["reports"]),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, "\ufeff" + text)  # BOM: spreadsheet programs then read UTF-8
    return buffer.getvalue()


def export_file(user: User, fmt: str) -> tuple[bytes, str, str]:
    """(content, content type, file name) of the user's data in ``fmt`` ("json" or "csv")."""
    stamp = timezone.localdate().isoformat()
    if fmt == "json":
        return export_json(user), "application/json", f"my-practice-data-{stamp}.json"
    return export_csv_zip(user), "application/zip", f"my-practice-data-{stamp}.zip"
